"""Every indicator × every place the browser pages show it, with ranking on and off: a count, a
stock, a cumulative figure or a flagged value (样本少, 核查中) never gets a rank, an 优劣 colour
or 最好/最差; with ranking off nothing does; an immature month never enters a 同比/环比; a
flagged value carries its mark; a count's comparison axis never runs to the city total.

The pages read a crafted store (monkeypatched into `cockpit.data.current`): every declared
measure in every unit and month, office sizes that differ (the largest county has the largest
counts), one county so small that every rate of it is 样本少, the cohort indicators immature in
their last months, 市院本级 without a population (不适用 per 10万). The callbacks are called in
process, as in tests/test_pages_units.py.

Fails on the code before issue 10's page work (checked on main edf18ce): the metric page shows
最好/最差 for counts (在管人数, 批准逮捕人数 …), cards say "—" without a reason for an immature
value, trends draw immature months like the others, the platform pages have no derived lists.
"""
from __future__ import annotations

import csv
import io
import re
import sys
import zlib

import pandas as pd
import pytest

from cockpit.components import formatting as F
from cockpit.components.plain_html import to_plain
from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUPS, METRIC_BY_ID, METRICS
from cockpit.metrics.measures import MEASURES
from cockpit.metrics.periods import month_range
from cockpit.metrics.query import MetricStore

SMALL = U.COUNTY_CODES[-1]          # every rate of this county is a small sample
BIG = U.COUNTY_CODES[0]             # the largest office: the largest counts
MONTHS = month_range("2023-01", "2024-06")
STANDING_BG = {c for c in F._GOOD_SCALE + F._POLICY_SCALE if c != "#f7f9fb"}
TONE_CLASSES = ("tone-good", "tone-bad", "tone-policy-good", "tone-policy-bad")
STANDING_TONES = {F.TONE_COLOR[t] for t in ("good", "bad", "policy-good", "policy-bad")}


def crafted_store() -> MetricStore:
    """Every measure in every unit and month; a numerator below its denominator."""
    base = {m.id: 100.0 for m in MEASURES}
    for _ in range(10):                              # numerator ≤ 0.8 × denominator, along every chain
        for metric in METRICS:
            if metric.denominator:
                base[metric.numerator] = min(base[metric.numerator], 0.8 * base[metric.denominator])
    size = {u: (0.01 if u == SMALL else 3.0 if u == BIG else 1.0) for u in U.UNIT_CODES}
    rows = []
    for u in U.UNIT_CODES:
        for mid, b in base.items():
            jitter = 0.9 + (zlib.crc32(f"{u}{mid}".encode()) % 9) / 100     # 0.90–0.98: rates differ
            for month in MONTHS:
                rows.append((u, month, mid, b * size[u] * jitter))
    facts = pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"])
    return MetricStore.from_frames(facts, snapshot=990_001)




@pytest.fixture(scope="module")
def store():
    return crafted_store()


@pytest.fixture
def pages(app, store, monkeypatch):
    """The page modules, reading the crafted store, inside a request."""
    from cockpit import data
    state = data.StoreState(store, stale=False, error=None)
    monkeypatch.setattr(data, "current", lambda: state)
    with app.server.test_request_context("/"):
        yield lambda name: sys.modules[f"cockpit.pages.{name}"]


@pytest.fixture(params=["off", "on"])
def ranking(request, monkeypatch):
    monkeypatch.setenv("COCKPIT_RANKING", request.param)
    return request.param == "on"


# --------------------------------------------------------------------------- reading the output

def nodes(tree):
    """Every element of a component tree (plain JSON form): its props."""
    tree = to_plain(tree)
    out = []

    def walk(n):
        if isinstance(n, list):
            for x in n:
                walk(x)
        elif isinstance(n, dict):
            if "props" in n and "type" in n:
                out.append(n["props"])
                walk(n["props"].get("children"))
            else:
                for v in n.values():
                    walk(v)
    walk(tree)
    return out


def text_of(tree) -> str:
    parts = []

    def walk(n):
        if isinstance(n, (str, int, float)) and not isinstance(n, bool):
            parts.append(str(n))
        elif isinstance(n, list):
            for x in n:
                walk(x)
        elif isinstance(n, dict):
            if "props" in n:
                walk(n["props"].get("children"))
            else:
                for v in n.values():
                    walk(v)
    walk(to_plain(tree))
    return " ".join(parts)


def standings(tree) -> list[str]:
    """The 优劣 marks in a tree: tone classes of standings, rank badges, standing backgrounds,
    最好/最差."""
    found = []
    for p in nodes(tree):
        cls = str(p.get("className") or "")
        if "rank-badge" in cls and re.search(r"\d", text_of(p.get("children"))):
            found.append(f"rank badge {text_of(p.get('children'))}")
        if "rank-badge" in cls and any(t in cls for t in TONE_CLASSES):
            found.append(f"rank tone {cls}")
        bg = (p.get("style") or {}).get("background")
        if bg in STANDING_BG:
            found.append(f"standing background {bg}")
        if str(p.get("title") or "").startswith("第"):
            found.append(f"rank title {p.get('title')}")
    text = text_of(tree)
    for word in ("最好", "最差", "位列"):
        if word in text:
            found.append(word)
    return found


def colour_classes(tree) -> list[str]:
    return [str(p.get("className")) for p in nodes(tree)
            if any(t in str(p.get("className") or "") for t in TONE_CLASSES)]


def fails(place: str, metric, what) -> str:
    return f"{place} · {metric.id} ({metric.kind}): {what}"


def check_figure(place, metric, fig, ranking, frame, problems):
    """A county comparison figure: ranks only when allowed; no standing colour for counts or
    while ranking is off; from zero; a count's axis not to the city total; flagged bars marked."""
    trace = fig["data"][0] if fig.get("data") else None
    if not trace or trace.get("type") != "bar":
        return
    labels = [str(y) for y in trace["y"]]
    allowed = ranking and metric.comparable
    if not allowed and any(re.match(r"^\d+\. ", y) for y in labels):
        problems.append(fails(place, metric, f"rank numbers {labels[:3]}"))
    if not allowed and set(trace["marker"]["color"]) & STANDING_TONES:
        problems.append(fails(place, metric, "standing colours on the bars"))
    xr = fig["layout"]["xaxis"].get("range")
    if xr and xr[0] != 0:
        problems.append(fails(place, metric, f"bars do not start at zero {xr}"))
    city = frame.set_index("unit").loc[U.CITY, "value"]
    if not metric.is_ratio and city:
        refs = [s.get("x0") for s in fig["layout"].get("shapes", [])]
        if any(r is not None and abs(float(r) - float(city)) < 1e-9 for r in refs) or (xr and xr[1] >= city):
            problems.append(fails(place, metric, "the axis runs to the city total"))
    rows = frame.set_index("unit")
    small_label = U.label(SMALL)
    for y, t in zip(labels, trace["text"]):
        if y.endswith(small_label) and rows.loc[SMALL, "flag"] and F.flag_text(metric, rows.loc[SMALL, "flag"]) not in t:
            problems.append(fails(place, metric, f"flagged bar without its mark: {t}"))
        if allowed and y.endswith(small_label) and re.match(r"^\d+\. ", y):
            problems.append(fails(place, metric, "a small sample is ranked"))


def check_change_cells(place, metric, flag, texts, problems):
    """A flagged value: no 同比/环比 number, no 持平 — "—" with the reason."""
    if not flag:
        return
    mark = F.flag_text(metric, flag)
    for t in texts:
        if "持平" in t or re.search(r"[+−]\d", t) or mark not in t:
            problems.append(fails(place, metric, f"a {flag} value is compared: {t!r}"))


# --------------------------------------------------------------------------- the walk

PERIODS = ("2024-06", "2024Q1")    # the data month (immature cohorts), a complete quarter


@pytest.mark.slow   # every indicator through every page, twice: in the full suite
def test_every_indicator_in_every_place(pages, store, ranking):
    from cockpit import exports
    from cockpit.components import compare_view as V
    from cockpit.components.cards import indicator_card
    from cockpit.components.platform_page import CALLBACKS
    from cockpit.metrics.periods import Period
    problems: list[str] = []
    assert store.data_month == "2024-06"
    seen = {m.id: set() for m in METRICS}

    for period in PERIODS:
        frames = {m.id: store.by_unit(m.id, period) for m in METRICS}
        # --- indicator cards (every metric, city / a county / the small county) -----------------
        for unit in (U.CITY, BIG, SMALL):
            df = store.query([m.id for m in METRICS], [unit], period)
            for r in df.to_dict("records"):
                m = METRIC_BY_ID[r["metric_id"]]
                card = indicator_card(m, r, "/x", "t")
                seen[m.id].add("card")
                if not m.comparable and colour_classes(card):
                    problems.append(fails("card", m, f"优劣 colour {colour_classes(card)}"))
                changes = [text_of(p.get("children")) for p in nodes(card) if "card-change" in str(p.get("className"))]
                check_change_cells(f"card {unit} {period}", m, r["flag"], changes, problems)
                if r["flag"] and r["status"] == "ok" and F.flag_text(m, r["flag"]) not in text_of(card):
                    problems.append(fails("card", m, "a flagged value without its mark"))
        # --- home: cards of the city, the map and its county panel ------------------------------
        home = pages("home")
        params = {"path": "/", "query": {"period": period}, "period": period}
        for out in (home.core_cards({**params, "map": "non_arrest_rate"}),
                    home.digital_cards({**params, "map": "non_arrest_rate"})):
            for p in nodes(out):
                cls = str(p.get("className") or "")
                mid = next((c[7:] for c in cls.split() if c.startswith("metric-")), None)
                if mid:
                    seen[mid].add("home")
                    if not METRIC_BY_ID[mid].comparable and colour_classes(p.get("children")):
                        problems.append(fails("home card", METRIC_BY_ID[mid], "优劣 colour"))
        from cockpit.components.catalog_groups import RATIO_METRICS
        for mid in RATIO_METRICS:
            m = METRIC_BY_ID[mid]
            fig_map, fig_rank = home.map_and_ranking({**params, "map": mid})
            seen[mid].add("home map")
            check_figure("home ranking", m, fig_rank, ranking, frames[mid], problems)
            hover = " ".join(str(t) for tr in fig_map["data"] for t in (tr.get("text") or []) if isinstance(t, str))
            if (not ranking or not m.comparable) and "排名" in hover:
                problems.append(fails("home map", m, "rank in the map's hover"))
        # --- the county page: a county, the small county, the city office -----------------------
        county = pages("county")
        for code in (BIG, SMALL, U.CITY_OFFICE):
            table, summary = county.indicator_table({"code": code, "period": period, "query": {"period": period},
                                                     "path": f"/county/{code}", "drill": True})
            if not ranking and standings(summary):
                problems.append(f"county summary {code}: {standings(summary)}")
            for p in nodes(table):
                mid = p.get("data-metric")
                if not mid:
                    continue
                m = METRIC_BY_ID[mid]
                seen[mid].add("county")
                r = frames[mid].set_index("unit").loc[code]
                row = p.get("children")
                if (not ranking or not m.comparable or r["flag"]) and standings(row):
                    problems.append(fails(f"county row {code} {period}", m, standings(row)))
                if not m.comparable and colour_classes(row):
                    problems.append(fails(f"county row {code}", m, f"优劣 colour {colour_classes(row)}"))
                if not m.is_ratio and "差" in text_of(row):
                    problems.append(fails("county row", m, "a gap to the city for a count"))
                if not m.is_ratio and r["status"] == "ok" and code != U.CITY_OFFICE and "占全市" not in text_of(row):
                    problems.append(fails("county row", m, "no share of the city"))
                if r["flag"] and r["status"] == "ok" and F.flag_text(m, r["flag"]) not in text_of(row):
                    problems.append(fails("county row", m, "a flagged value without its mark"))
                if r["status"] == "not_applicable" and "不适用" not in text_of(row):
                    problems.append(fails("county row", m, "不适用 not said"))
                cells = row if isinstance(row, list) else [row]
                yoy = [text_of(c) for c in cells[-2:-1]]
                if m.is_ratio:
                    yoy.append(text_of(cells[4]))          # 与全市比较: a gap is a comparison too
                check_change_cells(f"county row {code} {period}", m, r["flag"], yoy, problems)
        # --- /compare: matrix, side by side, ranking table, exports (every group) ----------------
        compare = pages("compare")
        for group in GROUPS_ALL:
            view = V.build(Period.parse(period), group, store.data_month)
            cparams = {"path": "/compare", "query": {"period": period}, "period": period, "group": group,
                       "units": [U.CITY, BIG, SMALL], "sort": None}
            for j, mid in enumerate(view.metrics):
                m = METRIC_BY_ID[mid]
                seen[mid].add("compare")
                for row in view.rows:
                    cell = row.cells[j]
                    if (cell.rank is not None or cell.color) and (not ranking or not m.comparable or cell.flag):
                        problems.append(fails(f"compare {row.unit}", m, f"rank {cell.rank} colour {cell.color}"))
                    r = frames[mid].set_index("unit").loc[row.unit]
                    if r["flag"] and r["status"] == "ok" and F.flag_text(m, r["flag"]) not in cell.text:
                        problems.append(fails(f"compare {row.unit}", m, f"flagged cell without its mark {cell.text}"))
            for mid in view.rank_metrics:
                if not (ranking and METRIC_BY_ID[mid].comparable):
                    problems.append(fails("compare ranking table", METRIC_BY_ID[mid], "ranked"))
            matrix = compare.matrix_table(view, cparams)
            if not ranking and standings(matrix):
                problems.append(f"compare matrix {group}: {standings(matrix)}")
            rank_out = compare.ranking(cparams)
            if not ranking and standings(rank_out):
                problems.append(f"compare ranking {group}: {standings(rank_out)}")
            radar, bars = compare.side_by_side(cparams)
            if not ranking and radar.get("data"):
                problems.append(f"compare radar {group}: standings drawn while ranking is off")
            # exports
            for mid in view.metrics:
                seen[mid].add("export")
            csv_rows = list(csv.reader(io.StringIO(exports.to_csv(view).decode("utf-8-sig"))))
            for row, xrow in zip(view.rows, csv_rows[1:]):
                for j, mid in enumerate(view.metrics):
                    cell = row.cells[j]
                    if cell.flag and cell.mark not in xrow[j + 2]:
                        problems.append(fails(f"csv {row.unit}", METRIC_BY_ID[mid], f"no mark: {xrow[j + 2]}"))
            from python_calamine import CalamineWorkbook
            wb = CalamineWorkbook.from_filelike(io.BytesIO(exports.to_xlsx(view)))
            if not ranking and exports.SHEET_RANKING in wb.sheet_names:
                problems.append(f"xlsx {group}: a ranking sheet while ranking is off")
            if exports.SHEET_RANKING in wb.sheet_names:
                head = wb.get_sheet_by_name(exports.SHEET_RANKING).to_python()[3]
                for name in head[1:-1]:
                    m = next(x for x in METRICS if x.name == name)
                    if not m.comparable:
                        problems.append(fails("xlsx ranking sheet", m, "ranked"))
        # --- the metric page: summary, table, comparison chart and map, trend --------------------
        metric = pages("metric")
        for m in METRICS:
            mp = {"metric": m.id, "period": period, "query": {"period": period}, "units": [BIG, SMALL],
                  "path": f"/metric/{m.id}"}
            seen[m.id].add("metric")
            summary = metric.summary(mp)
            table = metric.unit_table(mp)
            for place, out in (("metric summary", summary), ("metric table", table)):
                if (not ranking or not m.comparable) and standings(out):
                    problems.append(fails(place, m, standings(out)))
                if not m.comparable and colour_classes(out):
                    problems.append(fails(place, m, f"优劣 colour {colour_classes(out)}"))
            f = frames[m.id].set_index("unit")
            for p in nodes(table):
                u = p.get("data-unit")
                if not u:
                    continue
                r = f.loc[u]
                cells = p.get("children")
                if r["flag"] and r["status"] == "ok":
                    if F.flag_text(m, r["flag"]) not in text_of(cells[1]):
                        problems.append(fails(f"metric table {u}", m, "flagged value without its mark"))
                    k = 4 if m.is_ratio else 2
                    changes = [text_of(c) for c in cells[k:k + 2]]
                    if m.is_ratio and u != U.CITY:
                        changes.append(text_of(cells[k + 2]))     # 与全市差: a gap is a comparison too
                    check_change_cells(f"metric table {u}", m, r["flag"], changes, problems)
                if r["rank"] is not None and r["flag"]:
                    problems.append(fails("metric layer", m, "a flagged value ranked"))
            if not m.is_ratio and "与全市差" in text_of(table):
                problems.append(fails("metric table", m, "与全市差 for a count"))
            fig_rank, fig_map = metric.ranking_and_map(mp)
            check_figure("metric ranking", m, fig_rank, ranking, frames[m.id], problems)
            trend = metric.trend(mp)
            series = store.series(m.id, U.CITY, "2022-07", "2024-06")
            if (series["flag"] == "immature").any() and period == "2024-06":
                dashed = [t for t in trend["data"] if (t.get("line") or {}).get("dash") == "dash"
                          and t.get("meta") == "immature"]
                if not dashed:
                    problems.append(fails("metric trend", m, "immature months drawn like final ones"))
                solid = trend["data"][0]
                for month, v, fl in zip(solid["x"], solid["y"], series.set_index("month").reindex(solid["x"])["flag"]):
                    if fl == "immature" and v is not None:
                        problems.append(fails("metric trend", m, f"immature {month} on the solid line"))
        # --- the platform pages: cards, table, comparison chart ---------------------------------
        for name in ("platform_arrest", "platform_noncustody", "platform_plea", "platform_juvenile"):
            spec = pages(name).SPEC
            cb = CALLBACKS[spec.prefix]
            pp = {"path": spec.path, "query": {"period": period}, "period": period, "unit": BIG, "rank": spec.ranks[0]}
            cards = cb["cards"](pp)
            for p in nodes(cards):
                cls = str(p.get("className") or "")
                mid = next((c[7:] for c in cls.split() if c.startswith("metric-")), None)
                if mid:
                    seen[mid].add("platform")
                    if not METRIC_BY_ID[mid].comparable and colour_classes(p.get("children")):
                        problems.append(fails(f"{name} card", METRIC_BY_ID[mid], "优劣 colour"))
            table = cb["table"](pp)
            if not ranking and standings(table):
                problems.append(f"{name} table: {standings(table)}")
            for mid in spec.ranks:
                fig = cb["ranking"]({**pp, "rank": mid})
                check_figure(f"{name} ranking", METRIC_BY_ID[mid], fig, ranking, frames[mid], problems)
        # --- the models page: its cards ---------------------------------------------------------
        models = pages("models")
        out = models.cards({"path": "/models", "query": {"period": period}, "period": period, "unit": SMALL})
        for p in nodes(out):
            cls = str(p.get("className") or "")
            mid = next((c[7:] for c in cls.split() if c.startswith("metric-")), None)
            if mid:
                seen[mid].add("models")
                if not METRIC_BY_ID[mid].comparable and colour_classes(p.get("children")):
                    problems.append(fails("models card", METRIC_BY_ID[mid], "优劣 colour"))
        # --- the cases page (监督案件来源): its cards and its table of units --------------------
        cases = pages("cases")
        cparams = {"path": "/cases", "query": {"period": period}, "period": period}
        for out in (cases.cards(cparams), cases.table(cparams)):
            for p in nodes(out):
                cls = str(p.get("className") or "")
                mid = next((c[7:] for c in cls.split() if c.startswith("metric-")), None) or p.get("data-metric")
                if mid:
                    seen[mid].add("cases")
                    if not METRIC_BY_ID[mid].comparable and colour_classes(p.get("children")):
                        problems.append(fails("cases page", METRIC_BY_ID[mid], "优劣 colour"))
            if standings(out):
                problems.append(f"cases page: {standings(out)}")
    assert not problems, "\n".join(sorted(set(problems))[:60])
    # every indicator was met on the card, county, compare, metric and export places, and on its
    # platform's page or /models
    for m in METRICS:
        assert {"card", "county", "compare", "metric", "export"} <= seen[m.id], (m.id, seen[m.id])
        if m.group == "models":
            assert "models" in seen[m.id], m.id
        elif m.group == "cases":
            assert "cases" in seen[m.id], m.id
        elif m.group != "prosecution":
            assert "platform" in seen[m.id], m.id


GROUPS_ALL = ("core",) + tuple(GROUPS)


def test_the_crafted_store_has_what_the_walk_needs(store):
    """Counts, stocks, cumulative figures, small samples, immature months and 不适用 all occur."""
    kinds = {m.kind for m in METRICS}
    assert {"rate", "per_capita", "count", "stock", "cumulative"} <= kinds
    f = store.by_unit("checkin_rate", "2024Q1").set_index("unit")
    assert f.loc[SMALL, "flag"] == "small" and f.loc[SMALL, "rank"] is None
    f = store.by_unit("clue_verification_rate", "2024-06").set_index("unit")
    assert (f["flag"] == "immature").all()
    f = store.by_unit("arrests_per_100k", "2024Q1").set_index("unit")
    assert f.loc[U.CITY_OFFICE, "status"] == "not_applicable"
    f = store.by_unit("arrest_approved", "2024Q1").set_index("unit")
    assert f.loc[BIG, "value"] == max(f.loc[list(U.COUNTY_CODES), "value"])
