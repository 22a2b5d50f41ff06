"""The demo-data generator (etl.demo): files, formats, contracts and the calibration of BRIEF §5.

The small demo is generated once per session; every check reads the files back with the small
reader below (CSV in UTF-8 / UTF-8 BOM / GB18030, XLSX with or without a title row, dates in
every spelling), independent of the project's ETL.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from etl.demo import generate
from cockpit.metrics.assessment import BANDS, ITEMS, NOTES, band_of
from etl.demo.people import valid_id

SEED = 20231
TODAY = dt.date.today()
PERIOD = ("2022-01", "2023-12")  # the article's period


# ---- a small reader for the exported files --------------------------------------------------------
def file_kind(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"PK":
        return "xlsx"
    if raw[:3] == b"\xef\xbb\xbf":
        return "utf-8-bom"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        raw.decode("gb18030")
        return "gb18030"


def read_rows(path: Path) -> list[list]:
    kind = file_kind(path)
    if kind == "xlsx":
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        return [list(r) for r in sheet.to_python(skip_empty_area=False)]
    text = path.read_bytes().decode({"utf-8-bom": "utf-8-sig"}.get(kind, kind))
    return list(csv.reader(io.StringIO(text)))


def data_rows(path: Path, source) -> list[list]:
    """The data rows of one export (the header row is detected: registers may have a title above it)."""
    rows = read_rows(path)
    headers = [c.header for c in source.columns]
    at = next(i for i, r in enumerate(rows[:5]) if [str(x) for x in r] == headers)
    return [["" if x is None else x for x in r] for r in rows[at + 1:]]


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d")
_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M")
_MONTH_FORMATS = ("%Y-%m", "%Y年%m月", "%Y%m")


def parse_dates(values: pd.Series, formats) -> pd.Series:
    """Dates in any of the spellings, or Excel date cells, → Timestamps (empty → NaT)."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    cells = values.map(lambda v: isinstance(v, (dt.date, dt.datetime)))
    if cells.any():
        out[cells] = pd.to_datetime(values[cells].map(lambda v: v.isoformat()))
    text = values[~cells].astype(str).str.strip()
    text = text[text != ""]
    for fmt in formats:
        if text.empty:
            break
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        ok = parsed.notna()
        out[text.index[ok]] = parsed[ok]
        text = text[~ok]
    assert text.empty, f"unparsed dates: {text.head().tolist()}"
    return out


def load(root: Path, source_id: str) -> pd.DataFrame:
    """All files of a source in one frame, typed: dates → Timestamp, ints → Int64, flags → 1/0."""
    source = SOURCE_BY_ID[source_id]
    paths = sorted(root.glob(f"*/*_{source.name}_*"))
    assert paths, f"no files for {source_id}"
    rows, files = [], []
    for path in paths:
        data = data_rows(path, source)
        rows += data
        files += [path.name] * len(data)
    df = pd.DataFrame(rows, columns=[c.name for c in source.columns], dtype=object)
    df["file"] = files
    for c in source.columns:
        if c.type == "date":
            df[c.name] = parse_dates(df[c.name], _DATE_FORMATS)
        elif c.type == "datetime":
            df[c.name] = parse_dates(df[c.name], _DATETIME_FORMATS)
        elif c.type == "month":
            df[c.name] = parse_dates(df[c.name], _MONTH_FORMATS).dt.to_period("M")
        elif c.type == "int":
            df[c.name] = pd.to_numeric(df[c.name].replace("", None)).astype("Int64")
        elif c.type == "flag":
            df[c.name] = df[c.name].map({"是": 1, "否": 0, "": pd.NA}).astype("Int64")
        else:
            df[c.name] = df[c.name].astype(str).replace("", pd.NA)
    return df


def in_period(values: pd.Series, first: str = PERIOD[0], last: str = PERIOD[1]) -> pd.Series:
    """Dates (or months) that fall in the months first..last."""
    months = values if isinstance(values.dtype, pd.PeriodDtype) else values.dt.to_period("M")
    return months.between(pd.Period(first, "M"), pd.Period(last, "M"))


def year(dates: pd.Series) -> pd.Series:
    return dates.dt.year


# ---- fixtures ---------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    summary = generate(root, size="small", seed=SEED)
    return root, summary


@pytest.fixture(scope="session")
def root(demo) -> Path:
    return demo[0]


@pytest.fixture(scope="session")
def tables(root) -> dict[str, pd.DataFrame]:
    return {s.id: load(root, s.id) for s in SOURCES}


def all_files(root: Path) -> list[Path]:
    """The exported files (without the generator's hidden list of them)."""
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))


# ---- files and formats ------------------------------------------------------------------------------
def test_summary_counts_match_the_files(demo):
    root, summary = demo
    assert summary["files"] == len(all_files(root))
    assert summary["rows"] > 200_000
    assert set(summary["by_source"]) == {s.id for s in SOURCES}


def test_file_names_follow_the_layout(root):
    names = {s.name for s in SOURCES}
    for path in all_files(root):
        m = re.fullmatch(r"(\d{6})_(.+人民检察院)_(.+)_(\d{6})\.(csv|xlsx)", path.name)
        assert m, path.name
        assert m.group(3) in names
        assert path.parent.name == f"{m.group(4)[:4]}-{m.group(4)[4:]}"


@pytest.mark.slow   # the whole small demo (2021-01..today) generated a second time, and a third seed
def test_same_seed_gives_identical_bytes_and_another_seed_differs(root, tmp_path):
    again = tmp_path / "again"
    generate(again, size="small", seed=SEED)
    mine = {p.relative_to(root): p.read_bytes() for p in all_files(root)}
    theirs = {p.relative_to(again): p.read_bytes() for p in all_files(again)}
    assert mine.keys() == theirs.keys()
    assert all(mine[k] == theirs[k] for k in mine)

    other = tmp_path / "other"
    generate(other, size="small", seed=SEED + 1, end="2022-03")
    common = [p.relative_to(other) for p in all_files(other) if (root / p.relative_to(other)).exists()]
    assert common
    assert sum(mine[k] != (other / k).read_bytes() for k in common) > len(common) * 0.9


def test_a_mix_of_encodings_and_formats(root):
    kinds = {file_kind(p) for p in all_files(root)}
    assert kinds == {"utf-8", "utf-8-bom", "gb18030", "xlsx"}
    events = {file_kind(p) for p in root.glob("*/*_非羁押监管事件_*")}
    assert events <= {"utf-8", "utf-8-bom"}


def test_registers_are_mostly_excel_and_some_have_a_title_row(root):
    clue_files = sorted(root.glob("*/*_法律监督线索台账_*"))
    assert sum(file_kind(p) == "xlsx" for p in clue_files) > len(clue_files) / 2
    titled = [p for p in clue_files if file_kind(p) == "xlsx" and read_rows(p)[0][0].endswith("月）")]
    assert titled
    assert re.fullmatch(r".+人民检察院法律监督线索台账（\d{4}年\d{1,2}月）", read_rows(titled[0])[0][0])


def test_every_file_has_exactly_the_contract_headers(root):
    by_name = {s.name: s for s in SOURCES}
    for path in all_files(root):
        source = by_name[path.name.split("_")[2]]
        rows = read_rows(path)
        headers = [c.header for c in source.columns]
        assert headers in [[str(x) for x in r] for r in rows[:2]], path.name


def test_dates_come_in_several_spellings(root):
    samples = set()
    for path in sorted(root.glob("2023-05/*_审查逮捕人员_*")):
        value = read_rows(path)[1][6]
        if isinstance(value, str):
            samples.add(re.sub(r"\d", "9", value))
        else:
            samples.add("excel")
    assert len(samples) >= 4


# ---- contracts ----------------------------------------------------------------------------------
def test_rows_respect_the_contracts(tables):
    for source in SOURCES:
        df = tables[source.id]
        for c in source.columns:
            values = df[c.name]
            if c.required:
                assert values.notna().all(), (source.id, c.header)
            if c.allowed:
                assert set(values.dropna()) <= set(c.allowed), (source.id, c.header)
            if c.type == "unit":
                assert values.dropna().str.fullmatch(r"1408\d\d").all()
            if c.max_value is not None:
                assert (values.dropna() <= c.max_value).all()


def test_natural_keys_are_unique_across_all_files(tables):
    for source in SOURCES:
        df = tables[source.id]
        assert not df.duplicated(list(source.key)).any(), source.id


def test_no_date_after_today(tables):
    today = dt.date.today()   # now, not at import: a session that crosses midnight generates "tomorrow"
    limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    for source in SOURCES:
        df = tables[source.id]
        for c in source.columns:
            if c.type in ("date", "datetime") and not c.future_ok:
                assert (df[c.name].dropna() < limit).all(), (source.id, c.header)
            if c.type == "month":
                assert (df[c.name].dropna() <= pd.Period(today, "M")).all()


def test_cross_column_checks(tables):
    for sid in ("arrest", "prosecution"):
        df = tables[sid]
        assert (df["concluded_date"] >= df["received_date"]).all()
    ev = tables["nc_event"]
    handled = ev["handled_at"].notna()
    assert (ev.loc[handled, "handled_at"] >= ev.loc[handled, "occurred_at"]).all()
    s = tables["suggestion"]
    assert (s["due_date"] == s["issued_date"] + pd.DateOffset(months=2)).all()


def test_case_numbers_and_id_numbers_look_real(tables):
    a = tables["arrest"]
    assert a["case_no"].str.fullmatch(r"运.?检捕受〔20\d\d〕\d+号").all()
    assert a.loc[a["unit_code"] == "140802", "case_no"].str.startswith("运盐检捕受〔").all()
    assert a.loc[a["unit_code"] == "140800", "case_no"].str.startswith("运检捕受〔").all()
    assert tables["prosecution"]["case_no"].str.contains("检刑诉受〔").all()
    assert tables["juvenile"]["case_no"].str.contains("检未检受〔").all()
    assert tables["suggestion"]["doc_no"].str.fullmatch(r"运.?检[刑民行公未]建〔20\d\d〕\d+号").all()
    assert tables["clue"]["clue_no"].str.fullmatch(r"XS1408\d\d-20\d\d-\d{4}").all()
    assert tables["nc_person"]["person_no"].str.fullmatch(r"FJY1408\d\d-20\d\d-\d{4}").all()
    ids = a["id_number"].dropna()
    assert ids.map(valid_id).all()
    county = a["unit_code"] != "140800"
    assert (a.loc[county, "id_number"].str[:6] == a.loc[county, "unit_code"]).all()


def test_clue_summaries_name_people_only_as_mou_mou(tables):
    summaries = tables["clue"]["summary"].dropna()
    assert summaries.str.contains("某某").any()
    names = sorted(set(tables["arrest"]["person_name"]))[:3000]
    assert not any(name in text for text in summaries.head(200) for name in names)


# ---- the article's figures (2022-01..2023-12) -------------------------------------------------------
def test_records_collected_is_1_2_million_plus_and_not_round(tables):
    c = tables["collection"]
    total = int(c.loc[in_period(c["stat_month"]), "records"].sum())
    assert 1_200_000 <= total <= 1_299_999
    assert total % 1000 != 0


def test_clues_suggestions_and_results_match_the_article(tables):
    clue = tables["clue"]
    found = clue[in_period(clue["found_date"])]
    assert 300 <= len(found) <= 349
    assert (found["model_id"] == "M01").sum() == 160
    assert 20 <= (found["outcome"] == "督促复学").sum() <= 29
    assert (found["outcome"] == "移送职务犯罪线索").sum() == 3
    assert 20 <= (found["outcome"] == "监督纠正违法").sum() <= 29
    sugg = tables["suggestion"]
    assert 50 <= in_period(sugg["issued_date"]).sum() <= 59


def test_back_to_school_comes_from_the_dropout_model(tables):
    clue = tables["clue"]
    assert set(clue.loc[clue["outcome"] == "督促复学", "model_id"]) == {"M03"}


def test_four_platforms_and_twenty_models_by_the_end_of_2023(tables):
    r = tables["registry"]
    by_2023 = r[r["launch_date"] <= "2023-12-31"]
    assert (by_2023["category"] == "综合分析平台").sum() == 4
    models = by_2023[by_2023["category"] == "法律监督模型"]
    assert len(models) == 20
    assert models["launch_date"].min() >= pd.Timestamp("2022-03-01")
    assert set(models["domain"]) == {"刑事", "民事", "行政", "公益诉讼", "未成年人"}
    m01 = r.set_index("item_id").loc["M01"]
    assert m01["item_name"] == "强制隔离戒毒行政检察监督模型" and m01["unit_code"] == "140800"
    assert m01["launch_date"].strftime("%Y-%m") == "2023-03"


def test_905_cases_assessed_in_the_validation_period(tables):
    """The article's 905 are cases (个案件): distinct 部门受案号 with an assessed person concluded
    in the validation period; a case of several suspects holds several assessed persons."""
    a = tables["arrest"]
    validation = in_period(a["concluded_date"], "2023-01", "2023-04")
    assessed = a[validation & a["risk_band"].notna()]
    assert assessed["case_no"].nunique() == 905
    assert len(assessed) > 905   # persons: more than cases
    # a case is assessed as a whole: none of its persons concluded in the period is left out
    cases = a[validation & a["case_no"].isin(assessed["case_no"])]
    assert cases["risk_band"].notna().all()
    assert a.loc[a["concluded_date"] < "2023-01-01", ["risk_score", "risk_band", "risk_items"]].isna().all().all()


def test_assessment_bands_items_and_agreement(tables):
    a = tables["arrest"].dropna(subset=["risk_band"])
    assert (a["risk_score"].astype(int).map(band_of) == a["risk_band"]).all()
    codes = {i.code for i in ITEMS}
    assert len(codes) == 60 and len(NOTES) == 7 and len(BANDS) == 3
    assert a["risk_items"].str.split(";").map(lambda xs: set(xs) <= codes).all()
    agree = ((a["risk_band"] == "高") == (a["decision"] == "批准逮捕")).mean()
    assert 0.85 <= agree <= 0.95
    cov_2024 = a["concluded_date"].dt.year.eq(2024).sum() / tables["arrest"]["concluded_date"].dt.year.eq(2024).sum()
    assert cov_2024 > 0.97


# ---- calibration ------------------------------------------------------------------------------------
def test_yanhu_is_the_largest_office_and_the_city_office_small(tables):
    for sid in ("arrest", "prosecution"):
        counts = tables[sid]["unit_code"].value_counts()
        assert counts.index[0] == "140802"
        assert counts["140800"] / counts.sum() < 0.05


def test_non_arrest_rate_rises_and_detention_falls(tables):
    a, p = tables["arrest"], tables["prosecution"]
    not_arrested = (a["decision"] == "不批准逮捕").groupby(year(a["concluded_date"])).mean()
    assert 0.20 <= not_arrested[2021] <= 0.30
    assert 0.35 <= not_arrested[2023] <= 0.45
    approved = (a["decision"] == "批准逮捕").groupby(year(a["concluded_date"])).sum()
    concluded = p.groupby(year(p["concluded_date"])).size()
    detention = approved / concluded
    assert 0.40 <= detention[2021] <= 0.50
    assert 0.20 <= detention[2023] <= 0.30
    assert (a["non_arrest_reason"] == "无社会危险性").any()


def test_prosecution_rates(tables):
    p = tables["prosecution"]
    assert 0.85 <= p["plea"].mean() <= 0.92
    rec = p[p["sentencing_rec"].isin(["确定刑", "幅度刑"])]
    judged = rec[rec["rec_adopted"].notna()]
    assert 0.93 <= judged["rec_adopted"].mean() <= 0.97
    fixed = (rec["sentencing_rec"] == "确定刑").groupby(year(rec["concluded_date"])).mean()
    assert fixed[2021] < 0.85 < 0.9 < fixed[2024]
    last_month = p["concluded_date"].max().to_period("M")
    recent = p[(p["concluded_date"].dt.to_period("M") == last_month) & (p["outcome"] == "提起公诉")]
    assert recent["judgment"].isna().any()


def test_review_days_mostly_three_to_seven(tables):
    a = tables["arrest"]
    days = (a["concluded_date"] - a["received_date"]).dt.days
    assert days.between(1, 7).all()
    assert days.between(3, 7).mean() > 0.8


def test_spring_festival_dip(tables):
    a = tables["arrest"]
    by_month = a.groupby(a["received_date"].dt.to_period("M")).size()
    for y in (2022, 2023, 2024):
        festive = by_month[pd.Period(f"{y}-02", "M")] + by_month[pd.Period(f"{y}-01", "M")]
        spring = by_month[pd.Period(f"{y}-03", "M")] + by_month[pd.Period(f"{y}-04", "M")]
        assert festive < spring


def test_offices_differ_persistently(tables):
    a = tables["arrest"]
    county = a[a["unit_code"] != "140800"]
    rate = (county["decision"] == "不批准逮捕").groupby(
        [county["unit_code"], year(county["concluded_date"])]).mean().unstack()
    assert (rate[2023] - rate[2022]).abs().max() < 0.25
    assert rate[2023].max() - rate[2023].min() > 0.1
    assert rate[2022].rank().corr(rate[2024].rank()) > 0.5


def test_non_custody_roster_and_events(tables):
    nc, ev = tables["nc_person"], tables["nc_event"]
    assert nc["stat_month"].min() == pd.Period("2023-03", "M")
    new = nc[nc["start_date"].dt.to_period("M") == nc["stat_month"]]
    per_month = new.groupby("stat_month").size()
    assert 100 <= per_month.median() <= 170
    ended = nc.dropna(subset=["end_date"])
    assert not ended.set_index("person_no").index.isin(
        nc[nc["stat_month"] > nc["person_no"].map(ended.groupby("person_no")["stat_month"].max())]["person_no"]).any()
    bail = nc["bail_amount"].dropna()
    assert bail.between(1000, 100000).all()
    checkins = ev[ev["kind"] == "打卡"]
    assert 0.93 <= (checkins["result"] == "已打卡").mean() <= 0.98
    summons = ev[ev["kind"] == "传唤"]
    assert 0.92 <= (summons["result"] == "按时到案").mean() <= 0.98
    warnings = ev[ev["kind"] == "预警"]
    minutes = (warnings["handled_at"] - warnings["occurred_at"]).dt.total_seconds() / 60
    assert 0.85 <= (minutes <= 24 * 60).mean() <= 0.97
    absconders = nc.loc[nc["absconded"] == 1, "person_no"].nunique()
    assert absconders == (warnings["warning_type"] == "脱管预警").sum()
    assert set(ev["person_no"]) <= set(nc["person_no"])


def test_the_abscond_flag_is_set_only_in_the_month_the_person_absconded(tables):
    """本月是否脱管 is 是 once per absconder, in the month of their 脱管预警 — not in every month
    they stay away (脱管率 counts persons, not person-months)."""
    nc, ev = tables["nc_person"], tables["nc_event"]
    flagged = nc[nc["absconded"] == 1]
    assert len(flagged) > 0
    assert not flagged["person_no"].duplicated().any()
    warned = ev[ev["warning_type"] == "脱管预警"].set_index("person_no")["occurred_at"].dt.to_period("M")
    assert (flagged["stat_month"].to_numpy() == warned.loc[flagged["person_no"]].to_numpy()).all()


def test_plea_recordings(tables):
    plea = tables["plea"]
    assert plea["signed_date"].min() >= pd.Timestamp("2022-10-01")
    assert 0.97 <= plea["recorded"].mean() <= 1.0
    remote = (plea["hearing_mode"] == "远程").groupby(year(plea["signed_date"])).mean()
    assert remote[2022] < 0.4 < 0.55 < remote[2025]
    assert plea["efp_returned"].mean() > 0.9


def test_platform_launches(tables):
    assert tables["juvenile"]["concluded_date"].min() >= pd.Timestamp("2023-08-01")
    assert tables["nc_event"]["occurred_at"].min() >= pd.Timestamp("2023-03-01")
    assert tables["arrest"]["concluded_date"].min() >= pd.Timestamp("2021-01-01")
    assert tables["clue"]["found_date"].min() >= pd.Timestamp("2022-03-01")


def test_start_and_end_cut_the_period_and_a_rerun_replaces_the_files(tmp_path):
    generate(tmp_path, size="small", start="2023-09", end="2023-10")
    mine = tmp_path / "2023-10" / "my_notes.txt"
    mine.write_text("not a demo file")
    summary = generate(tmp_path, size="small", start="2023-11", end="2023-12")
    assert summary["end"] == "2023-12"
    assert {p.parent.name for p in all_files(tmp_path)} == {"2023-10", "2023-11", "2023-12"}
    assert [p.name for p in (tmp_path / "2023-10").iterdir()] == ["my_notes.txt"]  # only the old demo files went
    assert not list(tmp_path.glob("2023-09"))
    assert len(list(tmp_path.glob("2023-12/*_数字检察平台和模型台账_*"))) == 1
