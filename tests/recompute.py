"""The oracle: every indicator recomputed from the raw export files, independently of the ETL.

The ETL reads the exports (`etl.reader`), types them (`etl.validate`) and rolls them up with SQL
generated from the measure declarations (`etl.rollup`, `cockpit.metrics.measures`); the
metric layer (`cockpit.metrics.query`) turns the facts into values. This module does the whole
job a second time by other means, written from the published 口径 (`Metric.definition`,
BRIEF §4) and docs/decisions.md ("Where each count is booked"), so that a test can hold the
two against each other (tests/test_recompute.py):

- it reads the files itself: CSV in UTF-8 (with or without BOM) or GB18030 with the `csv`
  module, XLSX with python_calamine; the header row is looked for in the first rows; the
  Chinese headers it needs are written out here by hand;
- it parses the dates and months itself (2023-05-06, 2023/5/6, 2023年5月6日, 20230506, Excel
  date cells and serial numbers; 2023-05, 2023年5月, 202305);
- it books every count in its month and computes every metric with its own pandas/numpy code:
  a rate is Σnumerator ÷ Σdenominator over the units and months of the period, a stock
  (在管人数) is the period's last month summed over units, a cumulative count (platforms,
  models) is everything up to the period's end; months before a metric's launch are left out
  and a period wholly before it is `not_live`; every period is cut at the data month.

Shared with the system under test, on purpose and nothing else: the rows the ETL quarantined
(`etl_reject`: file and line) are dropped — whether a row is valid is tested elsewhere; the
units and their populations (`cockpit.metrics.units`), the metrics' ids, units of measure,
launch months, core flags and, where declared, whether a rate is bounded by 100 %
(`cockpit.metrics.catalog`). A metric of the catalogue this module has no recipe for is an
error ("no independent computation for X"), so a new metric cannot slip past the oracle.

The clue ledger (`cockpit.metrics.ledger`: where each clue stands on its path, and the
LEDGER_INDICATORS counted from it) is recomputed the same way by `clue_ledger` and
`ledger_value`: each clue, row by row, walks the stages of the deadline rules file
(`cockpit/metrics/deadlines.toml`, or the file `COCKPIT_DEADLINES` names), read here with
`tomllib` — the rules are data shared with the ledger, the code that reads them is not.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import math
import os
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineWorkbook

from cockpit.metrics import units as U

OK, NOT_LIVE, NO_DATA, NOT_APPLICABLE = "ok", "not_live", "no_data", "not_applicable"
PER_100K = 100_000

# ---- the exports: the headers the oracle needs, by hand --------------------------------------
# source -> (signature headers that identify the export, {header: oracle column})
EXPORTS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "arrest": (("审查结论", "评估等级"), {
        "承办单位编码": "unit", "受理日期": "received", "审结日期": "concluded", "审查结论": "decision",
        "社会危险性评估分值": "score", "评估等级": "band"}),
    "prosecution": (("审结情况", "审结时强制措施"), {
        "承办单位编码": "unit", "审结日期": "concluded", "审结情况": "outcome", "审结时强制措施": "custody",
        "是否认罪认罚": "plea", "量刑建议": "rec", "法院是否采纳量刑建议": "adopted", "判决日期": "judged_on",
        "判决结果": "judgment"}),
    "nc_person": (("本月是否脱管", "人员编号"), {
        "统计月份": "month", "承办单位编码": "unit", "人员编号": "person", "决定日期": "start",
        "解除日期": "end", "保证金(元)": "bail", "本月是否脱管": "absconded"}),
    "nc_event": (("事件编号", "事件类型"), {
        "承办单位编码": "unit", "事件类型": "kind", "发生时间": "occurred", "结果": "result",
        "处置时间": "handled"}),
    "plea": (("是否同步录音录像", "具结日期"), {
        "承办单位编码": "unit", "具结日期": "signed", "是否同步录音录像": "recorded", "听取意见方式": "mode",
        "电子捺印文书回传": "efp"}),
    "juvenile": (("是否开展社会调查", "审结情况"), {
        "承办单位编码": "unit", "审结日期": "concluded", "审结情况": "outcome", "是否开展社会调查": "survey"}),
    "registry": (("类别", "上线日期"), {
        "建设单位编码": "unit", "类别": "category", "上线日期": "launched"}),
    "collection": (("数据来源单位", "统计月份"), {
        "统计月份": "month", "建设单位编码": "unit", "采集数据量(条)": "records"}),
    "clue": (("线索编号", "核查状态"), {
        "线索编号": "clue_no", "承办单位编码": "unit", "发现日期": "found", "核查状态": "status",
        "处理结果": "outcome", "核查日期": "verified_on", "登记日期": "registered_on", "案管登记日期": "registered_on",
        "移送日期": "routed_on", "分流日期": "routed_on", "成案日期": "cased_on", "监督文书": "document",
        "文书日期": "doc_on", "回复日期": "reply_on", "反馈日期": "feedback_on", "督办日期": "pressed_on"}),
    "suggestion": (("文书编号", "回复期限"), {
        "承办单位编码": "unit", "发出日期": "issued", "回复期限": "due", "回复日期": "replied",
        "是否采纳": "adopted", "回头看日期": "revisited_on", "回头看结果": "revisit_result"}),
    "model_record": (("记录编号", "记录类型"), {"承办单位编码": "unit", "记录日期": "recorded_on"}),
    "sup_case": (("案件来源", "立案日期"), {
        "承办单位编码": "unit", "立案日期": "opened", "案件来源": "origin", "是否大数据线索": "big_data"}),
}
DATE_COLUMNS = {"received", "concluded", "judged_on", "start", "end", "occurred", "handled", "signed",
                "launched", "found", "issued", "due", "replied", "cased_on", "pressed_on", "revisited_on",
                "recorded_on", "opened", "verified_on", "registered_on", "routed_on", "doc_on", "reply_on",
                "feedback_on"}
MONTH_COLUMNS = {"month"}
# columns later versions of an export added (or an export may leave out): an older export
# without them is read as empty
OPTIONAL = {"cased_on", "pressed_on", "revisited_on", "revisit_result", "verified_on", "registered_on",
            "routed_on", "document", "doc_on", "reply_on", "feedback_on"}
HEADER_ROWS = 10


def _norm(h: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(h)).replace("\ufeff", "").split())


_NORMED = {src: (tuple(_norm(s) for s in sig), {_norm(h): c for h, c in cols.items()})
           for src, (sig, cols) in EXPORTS.items()}


def _text(v) -> str:
    """An XLSX cell as text; dates as ISO (a date-formatted cell is a date, not a number)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v).strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _rows(path: Path, data: bytes | None = None) -> list[tuple[int, list]]:
    """(line number, cells) of every row: CSV physical line of the row's start, XLSX sheet row."""
    data = path.read_bytes() if data is None else data
    if data[:4] == b"PK\x03\x04":
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
        return [(i + 1, list(r)) for i, r in enumerate(sheet)]
    out, start = [], 1
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    for row in reader:
        out.append((start, row))
        start = reader.line_num + 1
    return out


def _identify(cells: list) -> tuple[str, dict[int, str]] | None:
    normed = [_norm(_text(c)) for c in cells]
    for src, (sig, cols) in _NORMED.items():
        if all(s in normed for s in sig):
            return src, {i: cols[h] for i, h in enumerate(normed) if h in cols}
    return None


@dataclass
class Exports:
    """The raw rows of every source as text columns, with file (relative path) and line."""
    frames: dict[str, pd.DataFrame]
    files: int


def _read_file(path: Path, name: str, data: bytes) -> tuple[str, dict[str, list]]:
    """One export file: its source and its rows as text columns (with file name and line)."""
    rows = _rows(path, data)
    found = None
    for k, (_, cells) in enumerate(rows[:HEADER_ROWS]):
        found = _identify(cells)
        if found:
            break
    if not found:
        raise AssertionError(f"oracle: no known header in {path}")
    src, positions = found
    missing = set(EXPORTS[src][1].values()) - set(positions.values()) - OPTIONAL
    if missing:
        raise AssertionError(f"oracle: {path} lacks columns {sorted(missing)}")
    cols: dict[str, list] = {c: [] for c in (*EXPORTS[src][1].values(), "file_name", "line_no")}
    for line, cells in rows[k + 1:]:
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue
        for i, c in positions.items():
            cols[c].append(texts[i] if i < len(texts) else "")
        for c in set(EXPORTS[src][1].values()) - set(positions.values()):
            cols[c].append("")     # an optional column the older export lacks
        cols["file_name"].append(name)
        cols["line_no"].append(line)
    return src, cols


def read_exports(folder: Path, cache: dict | None = None) -> Exports:
    """Every export file under `folder`, read row by row. `cache`: a dict kept by the caller —
    a file already read under the same relative name with the same bytes (a landing copied from
    another and added to) is not read again."""
    folder = Path(folder)
    acc: dict[str, dict[str, list]] = {}
    n_files = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".csv", ".xlsx")):
        name = path.relative_to(folder).as_posix()
        data = path.read_bytes()
        key = (name, hashlib.sha256(data).digest())
        if cache is not None and key in cache:
            src, cols = cache[key]
        else:
            src, cols = _read_file(path, name, data)
            if cache is not None:
                cache[key] = (src, cols)
        n_files += 1
        into = acc.setdefault(src, {c: [] for c in cols})
        for c, values in cols.items():
            into[c].extend(values)
    return Exports({src: pd.DataFrame(cols) for src, cols in acc.items()}, n_files)


# ---- typing: dates, months, flags, numbers --------------------------------------------------
_SEP_DATE = (r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
             r"(?:[ T]+(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?)?$")
_COMPACT_DATE = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_SERIAL = r"^(?P<n>\d{5})(?:\.\d+)?$"          # an Excel serial day number that came as a number
_MONTH = r"^(?P<y>\d{4})\s*[-/.年]?\s*(?P<m>\d{1,2})\s*月?$"


def parse_dates(s: pd.Series) -> tuple[pd.Series, int]:
    """datetime64 (NaT for empty) and the number of non-empty values that could not be read.
    Each distinct spelling is read once (a column repeats its dates many times)."""
    s = s.fillna("").astype(str).str.strip()
    codes, distinct = pd.factorize(s)
    read = _parse_distinct_dates(pd.Series(distinct, dtype=object)).to_numpy()
    out = pd.Series(read[codes] if len(codes) else read[:0], index=s.index, dtype="datetime64[ns]")
    bad = int((out.isna() & (s != "")).sum())
    return out, bad


def _parse_distinct_dates(s: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    for rx in (_SEP_DATE, _COMPACT_DATE):
        todo = out.isna() & (s != "")
        if not todo.any():
            break
        p = s[todo].str.extract(rx).astype("float64")
        for c in ("H", "M", "S"):
            p[c] = p[c].fillna(0) if c in p else 0.0
        got = pd.to_datetime(pd.DataFrame({"year": p["y"], "month": p["m"], "day": p["d"], "hour": p["H"],
                                           "minute": p["M"], "second": p["S"]}), errors="coerce")
        out[todo] = got.to_numpy()
    todo = out.isna() & (s != "")
    if todo.any():
        n = s[todo].str.extract(_SERIAL)["n"].astype("float64")
        out[todo] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(n, unit="D")).to_numpy()
    return out


def parse_months(s: pd.Series) -> tuple[pd.Series, int]:
    s = s.fillna("").astype(str).str.strip()
    p = s.str.extract(_MONTH).astype("float64")
    ok = p["m"].between(1, 12)
    out = pd.Series(np.nan, index=s.index, dtype=object)
    out[ok] = [f"{int(y):04d}-{int(m):02d}" for y, m in zip(p.loc[ok, "y"], p.loc[ok, "m"])]
    return out, int((~ok & (s != "")).sum())


def flag(s: pd.Series) -> pd.Series:
    """是/否 (Y/N, 1/0) as 1.0/0.0; empty as NaN."""
    table = {"是": 1.0, "否": 0.0, "Y": 1.0, "N": 0.0, "y": 1.0, "n": 0.0, "1": 1.0, "0": 0.0}
    return s.fillna("").astype(str).str.strip().map(table)


def number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.fillna("").astype(str).str.replace(",", "").str.strip().replace("", np.nan))


def month_of(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m").where(ts.notna(), None)


def ordinal(month: str) -> int:
    y, m = month.split("-")
    return int(y) * 12 + int(m) - 1


def month_str(o: int) -> str:
    return f"{o // 12:04d}-{o % 12 + 1:02d}"


# ---- booking: additive counts per unit and month ---------------------------------------------
FLOW, STOCK, CUMULATIVE = "flow", "stock", "cumulative"


@dataclass
class Count:
    """One additive count booked per unit and month, and how it adds up over time."""
    cells: pd.Series          # value by (unit, month 'YYYY-MM'); absent cells are 0
    feed: str                 # the data feed (source + booking column): its months bound coverage
    time: str = FLOW


@dataclass(frozen=True)
class Recipe:
    numerator: str
    denominator: str | None = None
    per_capita: bool = False   # numerator ÷ resident population × 100 000 (units.Unit.population, 万)


class Oracle:
    """The recomputation. `Oracle(read_exports(folder), rejects)`; `rejects` has columns
    file_name and line_no (the etl_reject table)."""

    def __init__(self, exports: Exports, rejects: pd.DataFrame | None = None):
        self.unreadable: dict[str, int] = {}
        frames = {}
        for src, f in exports.frames.items():
            if rejects is not None and len(rejects):
                drop = pd.MultiIndex.from_frame(rejects[["file_name", "line_no"]].astype({"line_no": int}))
                f = f[~pd.MultiIndex.from_frame(f[["file_name", "line_no"]]).isin(drop)]
            frames[src] = self._typed(src, f.reset_index(drop=True))
        self.frames = frames
        self.counts: dict[str, Count] = {}
        self.feeds: dict[str, tuple[int, int]] = {}
        self._book()
        self._axis()

    # -- typing
    def _typed(self, src: str, f: pd.DataFrame) -> pd.DataFrame:
        f = f.copy()
        for c in f.columns:
            if c in DATE_COLUMNS:
                f[c], bad = parse_dates(f[c])
            elif c in MONTH_COLUMNS:
                f[c], bad = parse_months(f[c])
            else:
                continue
            if bad:
                self.unreadable[f"{src}.{c}"] = bad
        f["unit"] = f["unit"].astype(str).str.strip()
        return f

    # -- the counts, from the 口径
    def _count(self, name: str, frame: pd.DataFrame, month: pd.Series, feed: str, mask=None, value=None,
               time: str = FLOW) -> None:
        sel = pd.Series(True, index=frame.index) if mask is None else pd.Series(mask, index=frame.index).fillna(False)
        val = pd.Series(1.0, index=frame.index) if value is None else pd.Series(value, index=frame.index)
        df = pd.DataFrame({"unit": frame["unit"], "month": month, "v": val.astype(float)})[sel.astype(bool)]
        df = df[df["month"].notna()]
        self.counts[name] = Count(df.groupby(["unit", "month"])["v"].sum(), feed, time)
        months = month.dropna()
        if len(months):
            lo, hi = ordinal(months.min()), ordinal(months.max())
            old = self.feeds.get(feed)
            self.feeds[feed] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))

    def _book(self) -> None:
        fr = self.frames
        c = self._count

        # 审查逮捕: everything in the 审结 month. Band 高 argues for arrest, 低/中 against it.
        a = fr["arrest"]
        am = month_of(a["concluded"])
        assessed = a["band"].isin(["低", "中", "高"])
        c("arrest.concluded", a, am, "arrest")
        c("arrest.approved", a, am, "arrest", a["decision"] == "批准逮捕")
        c("arrest.not_approved", a, am, "arrest", a["decision"] == "不批准逮捕")
        c("arrest.decided", a, am, "arrest", a["decision"].isin(["批准逮捕", "不批准逮捕"]))
        c("arrest.assessed", a, am, "arrest", assessed)
        c("arrest.consistent", a, am, "arrest",
          ((a["band"] == "高") & (a["decision"] == "批准逮捕"))
          | (a["band"].isin(["低", "中"]) & (a["decision"] == "不批准逮捕")))
        c("arrest.days", a, am, "arrest", value=(a["concluded"].dt.normalize() - a["received"].dt.normalize()).dt.days)

        # 审查起诉: the 审结 month; the judgment and the court's adoption belong to the person.
        p = fr["prosecution"]
        pm = month_of(p["concluded"])
        rec = p["rec"].isin(["确定刑", "幅度刑"])
        judged = p["judgment"].str.strip() != ""
        arrested = p["custody"] == "逮捕"
        light = p["judgment"].isin(["管制", "拘役", "缓刑", "单处附加刑", "免予刑事处罚"])
        c("pros.concluded", p, pm, "prosecution", p["outcome"].isin(["提起公诉", "不起诉"]))
        c("pros.not_indicted", p, pm, "prosecution", p["outcome"] == "不起诉")
        c("pros.plea", p, pm, "prosecution", flag(p["plea"]) == 1)
        c("pros.rec", p, pm, "prosecution", rec)
        c("pros.rec_fixed", p, pm, "prosecution", p["rec"] == "确定刑")
        c("pros.rec_judged", p, pm, "prosecution", rec & judged)
        c("pros.rec_adopted", p, pm, "prosecution", rec & judged & (flag(p["adopted"]) == 1))
        c("pros.post_arrest", p, pm, "prosecution", arrested)
        c("pros.post_arrest_not_indicted", p, pm, "prosecution", arrested & (p["outcome"] == "不起诉"))
        c("pros.post_arrest_judged", p, pm, "prosecution", arrested & judged)
        c("pros.post_arrest_light", p, pm, "prosecution", arrested & light)

        # 非羁押: the monthly roster. A stock: still under the measure at the month's end.
        n = fr["nc_person"]
        month_end = pd.to_datetime(n["month"] + "-01") + pd.offsets.MonthEnd(0)
        under = n["end"].isna() | (n["end"] > month_end)
        new = month_of(n["start"]) == n["month"]
        c("nc.under", n, n["month"], "nc_person", under, time=STOCK)
        c("nc.new", n, n["month"], "nc_person", new)
        c("nc.bail", n, n["month"], "nc_person", new & number(n["bail"]).notna(), value=number(n["bail"]).fillna(0))
        # 脱管人数: flagged in M and not flagged in the calendar month before
        ab = flag(n["absconded"]) == 1
        flagged = set(zip(n.loc[ab, "person"], n.loc[ab, "month"]))
        prev = n["month"].map(lambda m: month_str(ordinal(m) - 1) if isinstance(m, str) else None)
        before = pd.Series([(p_, m_) in flagged for p_, m_ in zip(n["person"], prev)], index=n.index)
        c("nc.absconded", n, n["month"], "nc_person", ab & ~before)

        e = fr["nc_event"]
        em = month_of(e["occurred"])
        in_time = (e["handled"] - e["occurred"]) <= pd.Timedelta(hours=24)
        c("nc.checkin_due", e, em, "nc_event", e["kind"] == "打卡")
        c("nc.checkin_done", e, em, "nc_event", (e["kind"] == "打卡") & (e["result"] == "已打卡"))
        c("nc.summons", e, em, "nc_event", e["kind"] == "传唤")
        c("nc.summons_on_time", e, em, "nc_event", (e["kind"] == "传唤") & (e["result"] == "按时到案"))
        c("nc.warnings", e, em, "nc_event", e["kind"] == "预警")
        c("nc.warnings_in_time", e, em, "nc_event", (e["kind"] == "预警") & e["handled"].notna() & in_time)

        # 认罪认罚具结书: the signing month
        s = fr["plea"]
        sm = month_of(s["signed"])
        c("plea.statements", s, sm, "plea")
        c("plea.recorded", s, sm, "plea", flag(s["recorded"]) == 1)
        c("plea.remote", s, sm, "plea", s["mode"] == "远程")
        c("plea.efp", s, sm, "plea", flag(s["efp"]) == 1)

        # 未检: the 审结 month
        j = fr["juvenile"]
        jm = month_of(j["concluded"])
        c("juv.concluded", j, jm, "juvenile")
        c("juv.conditional", j, jm, "juvenile", j["outcome"] == "附条件不起诉")
        c("juv.survey", j, jm, "juvenile", flag(j["survey"]) == 1)

        # the register of platforms and models: a running total by launch date
        r = fr["registry"]
        rm = month_of(r["launched"])
        c("reg.platforms", r, rm, "registry", r["category"] == "综合分析平台", time=CUMULATIVE)
        c("reg.models", r, rm, "registry", r["category"] == "法律监督模型", time=CUMULATIVE)

        col = fr["collection"]
        c("coll.records", col, col["month"], "collection", value=number(col["records"]).fillna(0))

        # clues: the month found (a cohort)
        k = fr["clue"]
        km = month_of(k["found"])
        c("clue.found", k, km, "clue")
        c("clue.verified", k, km, "clue", k["status"].isin(["属实", "不属实"]))
        c("clue.substantiated", k, km, "clue", k["status"] == "属实")
        c("clue.dropped", k, km, "clue", k["status"] == "不属实")
        c("clue.corrected", k, km, "clue", k["outcome"] == "监督纠正违法")
        c("clue.duty_crime", k, km, "clue", k["outcome"] == "移送职务犯罪线索")
        c("clue.back_to_school", k, km, "clue", k["outcome"] == "督促复学")
        c("clue.cased", k, km, "clue", k["cased_on"].notna())
        # 督办: the month case management pressed the clue
        c("clue.pressed", k, month_of(k["pressed_on"]), "clue.pressed", k["pressed_on"].notna())

        # suggestions: issued month; the reply rate by the month the reply falls due
        g = fr["suggestion"]
        gm, dm = month_of(g["issued"]), month_of(g["due"])
        c("sugg.issued", g, gm, "suggestion.issued")
        c("sugg.adopted", g, gm, "suggestion.issued", flag(g["adopted"]) == 1)
        c("sugg.due", g, dm, "suggestion.due")
        c("sugg.replied_in_time", g, dm, "suggestion.due", g["replied"].notna() & (g["replied"] <= g["due"]))
        c("sugg.revisited", g, gm, "suggestion.issued", g["revisited_on"].notna())
        c("sugg.revisit_ok", g, gm, "suggestion.issued", g["revisit_result"] == "整改到位")

        # supervision cases: the month opened, by how their source came
        sc = fr["sup_case"]
        om = month_of(sc["opened"])
        c("case.all", sc, om, "sup_case")
        for key, origin in (("procedure", "依程序移送"), ("application", "依申请"), ("initiative", "主动发现")):
            c(f"case.{key}", sc, om, "sup_case", sc["origin"] == origin)
        c("case.big_data", sc, om, "sup_case", flag(sc["big_data"]) == 1)

    # -- a dense cube count × unit × month
    def _axis(self) -> None:
        months = [ordinal(m) for cnt in self.counts.values() for m in cnt.cells.index.get_level_values("month")]
        self.o0, self.o1 = min(months), max(months)
        n = self.o1 - self.o0 + 1
        self.unit_index = {u: i for i, u in enumerate(U.UNIT_CODES)}
        self.cube: dict[str, np.ndarray] = {}
        for name, cnt in self.counts.items():
            arr = np.zeros((len(U.UNIT_CODES), n))
            for (unit, month), v in cnt.cells.items():
                if unit not in self.unit_index:
                    raise AssertionError(f"oracle: unknown unit {unit!r} in {name}")
                arr[self.unit_index[unit], ordinal(month) - self.o0] += v
            self.cube[name] = arr
        # every month with data: the first and last booked month of any feed
        self.first_month, self.last_month = month_str(self.o0), month_str(self.o1)

    def _total(self, name: str, units: tuple[str, ...], lo: int, hi: int) -> float | None:
        """A count over the units and the months lo..hi (ordinals) by its time rule; None when
        no data of its feed covers those months."""
        cnt, arr = self.counts[name], self.cube[name]
        rows = [self.unit_index[u] for u in units]
        if cnt.time == CUMULATIVE:   # everything registered up to the period's end
            return float(arr[rows, : hi - self.o0 + 1].sum()) if hi >= self.o0 else None
        first, last = self.feeds[cnt.feed]
        if cnt.time == STOCK:        # the period's last month, summed over the units
            if not first <= hi <= last:
                return None
            return float(arr[rows, hi - self.o0].sum())
        if hi < first or lo > last:
            return None
        a, b = max(lo, self.o0) - self.o0, min(hi, self.o1) - self.o0
        return float(arr[rows, a:b + 1].sum()) if a <= b else 0.0

    def value(self, metric, unit: str, start: str, end: str, data_month: str):
        """(value, numerator, denominator, status) of a catalogue metric for a unit or group over
        the months start..end, cut at data_month and at the metric's launch."""
        recipe = RECIPES.get(metric.id)
        if recipe is None:
            raise KeyError(f"no independent computation for {metric.id}")
        lo = max(ordinal(start), ordinal(metric.launch))
        hi = min(ordinal(end), ordinal(data_month))
        if ordinal(end) < ordinal(metric.launch):
            return None, None, None, NOT_LIVE
        if lo > hi:
            return None, None, None, NO_DATA
        members = U.members(unit)
        num = self._total(recipe.numerator, members, lo, hi)
        scale = SCALE_BY_UNIT.get(metric.unit, 1.0)
        if recipe.per_capita:
            # 市院本级 has no population of its own: not computed alone; 全市 = all arrests ÷ all residents
            people = sum((U.UNIT_BY_CODE[c].population or 0.0) for c in members) * 10_000
            if num is None:
                return None, None, None, NO_DATA
            return (PER_100K * num / people, num, people, OK) if people > 0 else (None, num, people, NOT_APPLICABLE)
        if recipe.denominator is None:
            return (None, None, None, NO_DATA) if num is None else (scale * num, num, None, OK)
        den = self._total(recipe.denominator, members, lo, hi)
        if num is None or den is None or den == 0:
            return None, num, den, NO_DATA
        if getattr(metric, "bounded", False) and num > den:
            # a rate declared bounded (≤ 100 %) whose two cohorts differ in one small cell: 不适用
            return None, num, den, NOT_APPLICABLE
        return scale * num / den, num, den, OK

    def data_month(self, core: list, today: dt.date) -> str:
        """The latest month (not after this month) in which every live core indicator of the
        city has a value, stepping back at most a year from the latest month with data."""
        latest = min(self.o1, today.year * 12 + today.month - 1)
        for k in range(12):
            m = month_str(latest - k)
            status = [self.value(metric, U.CITY, m, m, m)[3] for metric in core]
            live = [s for s in status if s != NOT_LIVE]
            if live and all(s == OK for s in live):
                return m
        return month_str(latest)


# value = scale × numerator (÷ denominator), by the metric's unit of measure
SCALE_BY_UNIT = {"%": 100.0, "万元": 1 / 10000}

# metric id -> its counts, from the 口径 (Metric.definition) and BRIEF §4
RECIPES: dict[str, Recipe] = {
    # 审查逮捕
    "non_arrest_rate": Recipe("arrest.not_approved", "arrest.decided"),
    "pretrial_detention_rate": Recipe("arrest.approved", "pros.concluded"),
    "assessment_coverage": Recipe("arrest.assessed", "arrest.concluded"),
    "assessment_consistency": Recipe("arrest.consistent", "arrest.assessed"),
    "review_days_avg": Recipe("arrest.days", "arrest.concluded"),
    "arrest_concluded": Recipe("arrest.concluded"),
    "arrest_approved": Recipe("arrest.approved"),
    "arrest_assessed": Recipe("arrest.assessed"),
    "arrests_per_100k": Recipe("arrest.approved", per_capita=True),
    # 审查起诉
    "non_prosecution_rate": Recipe("pros.not_indicted", "pros.concluded"),
    "plea_rate": Recipe("pros.plea", "pros.concluded"),
    "fixed_rec_rate": Recipe("pros.rec_fixed", "pros.rec"),
    "rec_adoption_rate": Recipe("pros.rec_adopted", "pros.rec_judged"),
    "post_arrest_non_prosecution_rate": Recipe("pros.post_arrest_not_indicted", "pros.post_arrest"),
    "post_arrest_light_rate": Recipe("pros.post_arrest_light", "pros.post_arrest_judged"),
    "pros_concluded": Recipe("pros.concluded"),
    # 非羁押诉讼
    "nc_under_supervision": Recipe("nc.under"),
    "nc_new": Recipe("nc.new"),
    "checkin_rate": Recipe("nc.checkin_done", "nc.checkin_due"),
    "warning_handled_rate": Recipe("nc.warnings_in_time", "nc.warnings"),
    "summons_rate": Recipe("nc.summons_on_time", "nc.summons"),
    "abscond_rate": Recipe("nc.absconded", "nc.under"),
    "nc_warnings": Recipe("nc.warnings"),
    "nc_bail_amount": Recipe("nc.bail"),
    # 认罪认罚同步录音录像
    "recording_coverage": Recipe("plea.recorded", "plea.statements"),
    "remote_hearing_share": Recipe("plea.remote", "plea.statements"),
    "efp_return_rate": Recipe("plea.efp", "plea.statements"),
    "plea_statements": Recipe("plea.statements"),
    # 未检
    "conditional_non_prosecution_rate": Recipe("juv.conditional", "juv.concluded"),
    "social_survey_rate": Recipe("juv.survey", "juv.concluded"),
    "juv_concluded": Recipe("juv.concluded"),
    # 平台、模型、线索、检察建议
    "platforms": Recipe("reg.platforms"),
    "models": Recipe("reg.models"),
    "records_collected": Recipe("coll.records"),
    "clues": Recipe("clue.found"),
    "clue_verification_rate": Recipe("clue.verified", "clue.found"),
    "clue_case_rate": Recipe("clue.cased", "clue.verified"),
    "clue_drop_rate": Recipe("clue.dropped", "clue.verified"),
    "clues_pressed": Recipe("clue.pressed"),
    "suggestion_revisit_rate": Recipe("sugg.revisit_ok", "sugg.revisited"),
    "sup_cases": Recipe("case.all"),
    "big_data_case_share": Recipe("case.big_data", "case.all"),
    "case_source_procedure": Recipe("case.procedure", "case.all"),
    "case_source_application": Recipe("case.application", "case.all"),
    "case_source_initiative": Recipe("case.initiative", "case.all"),
    "suggestions": Recipe("sugg.issued"),
    "suggestion_reply_rate": Recipe("sugg.replied_in_time", "sugg.due"),
    "suggestion_adoption_rate": Recipe("sugg.adopted", "sugg.issued"),
    "children_back_to_school": Recipe("clue.back_to_school"),
    "duty_crime_transfers": Recipe("clue.duty_crime"),
    "corrected_cases": Recipe("clue.corrected"),
}


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=1e-12)


# ---- the clue ledger: each clue's path, row by row, from the deadline rules file -----------------
DEADLINES = Path(__file__).resolve().parents[1] / "cockpit" / "metrics" / "deadlines.toml"
# the columns the rules name (the contract's column names) -> the oracle's own clue columns
RULE_COLUMNS = {
    "found_date": "found", "registered_date": "registered_on", "routed_date": "routed_on",
    "verified_date": "verified_on", "case_date": "cased_on", "doc_date": "doc_on", "reply_date": "reply_on",
    "feedback_date": "feedback_on", "pressed_date": "pressed_on", "status": "status", "outcome": "outcome",
    "document": "document"}
RULE_DATES = {"found_date", "registered_date", "routed_date", "verified_date", "case_date", "doc_date",
              "reply_date", "feedback_date", "pressed_date"}

# the ledger indicators, from their 口径 (cockpit.metrics.ledger.LEDGER_INDICATORS):
# a stock is counted as of the data date; a count is booked in the month of a date
LEDGER_RECIPES = {
    "clue_open": ("stock", None),             # not closed: some applicable stage still lacks its date
    "clue_overdue_open": ("stock", None),     # not closed and past the open stage's due date
    "clue_closed_late": ("count", "closed_on"),   # closed, at least one stage done after its due date
    "clue_pressed": ("count", "pressed_on"),      # has a 督办日期
}


def read_rules(path: Path | None = None) -> dict:
    """The deadline rules as the TOML file has them (the packaged file unless COCKPIT_DEADLINES
    names another)."""
    env = os.environ.get("COCKPIT_DEADLINES", "").strip()
    path = Path(path) if path else Path(env) if env else DEADLINES
    with open(path, "rb") as f:
        return tomllib.load(f)


def plus_months(d: dt.date, n: int) -> dt.date:
    """The same day n months later, or that month's last day when it is shorter."""
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def clue_ledger(clues: pd.DataFrame, as_of: dt.date, rules: dict) -> pd.DataFrame:
    """One row per clue: unit, clue_no, closed, stage (the open stage's id, or "closed"), due,
    overdue, late (stages done after their due date), closed_late, closed_on, pressed_on."""
    def column(name: str) -> str:
        if name not in RULE_COLUMNS:
            raise AssertionError(f"oracle: the deadline rules name a column the oracle does not read: {name}")
        return RULE_COLUMNS[name]

    def cell(row: dict, name: str) -> str:
        v = row[column(name)]
        text = "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v).strip()
        return {"是": "1", "否": "0"}.get(text, text)

    def day(row: dict, name: str) -> dt.date | None:
        if name not in RULE_DATES:
            raise AssertionError(f"oracle: the deadline rules use {name} as a date")
        v = row[column(name)]
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    def holds(row: dict, conditions: dict) -> list[bool]:
        wanted = {c: {str(int(x)) if isinstance(x, (bool, int)) else str(x).strip() for x in vals}
                  for c, vals in conditions.items()}
        return [cell(row, c) in vals for c, vals in wanted.items()]

    out = []
    for row in clues.to_dict("records"):
        previous = None          # the date of the nearest earlier applicable stage that is done
        current = None           # (stage id, due date) of the first applicable stage not done
        late, last = 0, None
        for stage in rules["clue"]:
            if not all(holds(row, stage.get("only_if", {}))):
                continue
            if any(holds(row, stage.get("unless", {}))):
                continue
            start = previous if stage["start"] == "previous" else day(row, stage["start"])
            if "due" in stage:
                due = day(row, stage["due"])
            elif start is not None and "days" in stage:
                due = start + dt.timedelta(days=stage["days"])
            elif start is not None and "months" in stage:
                due = plus_months(start, stage["months"])
            else:
                due = None
            done = day(row, stage["date"])
            last = done
            if done is None:
                if current is None:
                    current = (stage["id"], due)
                continue
            if due is not None and done > due:
                late += 1
            previous = done
        closed = current is None
        due = None if closed else current[1]
        pressed = day(row, "pressed_date")
        out.append({"unit": row["unit"], "clue_no": row["clue_no"], "closed": closed,
                    "stage": "closed" if closed else current[0], "due": due,
                    "overdue": due is not None and as_of > due, "late": late,
                    "closed_late": closed and late > 0, "closed_on": last if closed else None,
                    "pressed_on": pressed})
    return pd.DataFrame(out, columns=["unit", "clue_no", "closed", "stage", "due", "overdue", "late",
                                      "closed_late", "closed_on", "pressed_on"])


_BOOKED_MONTHS: dict[tuple[int, str], tuple[pd.DataFrame, pd.Series]] = {}


def booked_months(ledger: pd.DataFrame, booked: str) -> pd.Series:
    """The month (YYYY-MM, or None) each clue of `ledger` is booked in by its `booked` date,
    read once per ledger (the ledger tests ask ~3 000 times per load)."""
    key = (id(ledger), booked)
    if key not in _BOOKED_MONTHS or _BOOKED_MONTHS[key][0] is not ledger:
        months = ledger[booked].map(lambda d: None if d is None or pd.isna(d) else f"{d.year:04d}-{d.month:02d}")
        _BOOKED_MONTHS[key] = (ledger, months)
    return _BOOKED_MONTHS[key][1]


_CLUES_OF: dict[tuple[int, str], tuple[pd.DataFrame, pd.Series, pd.DataFrame]] = {}


def _clues_of(ledger: pd.DataFrame, unit: str) -> tuple[pd.Series, pd.DataFrame]:
    """The mask and the rows of `ledger` whose clues belong to the unit or group, picked once per
    ledger and unit (asked for every indicator and period)."""
    key = (id(ledger), unit)
    if key not in _CLUES_OF or _CLUES_OF[key][0] is not ledger:
        mine = ledger["unit"].isin(U.members(unit))
        _CLUES_OF[key] = (ledger, mine, ledger[mine])
    return _CLUES_OF[key][1], _CLUES_OF[key][2]


def ledger_value(ledger: pd.DataFrame, indicator: str, unit: str, start: str | None = None,
                 end: str | None = None) -> int:
    """A ledger indicator of a unit or group: a stock as of the ledger's date; a count of the
    months start..end (every month when None)."""
    kind, booked = LEDGER_RECIPES[indicator]
    mine, rows = _clues_of(ledger, unit)
    if indicator == "clue_open":
        return int((~rows["closed"]).sum())
    if indicator == "clue_overdue_open":
        return int((~rows["closed"] & rows["overdue"]).sum())
    months = booked_months(ledger, booked)[mine]
    inside = months.notna()
    if start is not None:
        inside &= months.fillna("") >= start
    if end is not None:
        inside &= months.fillna("") <= end
    if indicator == "clue_closed_late":
        inside &= rows["closed_late"]
    return int(inside.sum())
