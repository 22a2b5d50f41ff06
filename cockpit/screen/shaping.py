"""What the wall shows, as plain JSON-able data — every number through the metric layer.

Periods (the wall's 口径, shown on every panel):
- **Headline strip: cumulative to date.** Counts that flow (records collected, clues,
  suggestions, children back at school, duty-crime transfers, corrected cases) are the sum of
  the catalog metric over each calendar year from the store's first year to the latest month
  (`store.value(id, CITY, Period.year(y))`, the last year as `Period.ytd(latest)`); the
  platforms and models are running totals (cumulative measures) read at the latest month.
- **Panels and the map: year to date** of the latest month with data (`MetricStore.data_month`, normally
  `store.latest_month`; e.g. 2026年1—11月). Rates are
  the catalog's ratios over that period; stocks (在管人数) are the latest month's value, which is
  what the metric layer returns for a stock over any period ending then.
- **The clue funnel: the wall's period (year to date), by the month a clue was found** (a
  cohort, as the catalog's 线索核查率 / 线索成案率): the clues found in the period and how far
  they got; its last months are still in their maturity window and the tag says so (核查中).
- **The ledger's stocks (逾期未办结线索) are as of the data date** (`as_of_date`: the data
  month's last day, or today if earlier), labelled 截至 that day; counts only.
- **Trends: the last 24 (or 12) months**, one point per month, ending at the data month; months
  before a platform went live are `not_live` (未上线) and drawn as a gap with a shaded band, never
  as 0; the months of a cohort indicator still in its maturity window (`immature`) are drawn apart
  (dashed, in a band marked 核查中 / 办理中), never read as a fall.

Meaning (the metric's declaration, `cockpit.metrics.catalog.Metric`): which metrics a block
shows comes from the catalog's wall placements through `cockpit.screen.spec`; labels are
`Metric.short`; numbers have `Metric.decimals`; a change has its unit (个百分点 for a rate) and
an 优劣 tone only for a comparable metric; a flagged value (核查中, 办理中, 样本少) shows its mark
and no 同比; ranks only where `formatting.ranks_shown` (off by default).

No formula lives here: values, numerators, ranks and gaps come from `MetricStore.query`,
`by_unit`, `series` and `by_model`; this module only selects, sums counts over years (additive
by definition) and formats.
"""
from __future__ import annotations

import threading
import weakref
from datetime import date, datetime

from cockpit.components import formatting as F
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.annotations import applicable, platform_launches
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS, Metric, on_wall
from cockpit.metrics.ledger import LEDGER_INDICATOR_BY_ID
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, add_months, data_date, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.query import (NO_DATA, NOT_LIVE, OK, STATUS_LABEL, MetricStore, flag_label,
                                   measure_launch)
from cockpit.screen import spec

WEEKDAYS = "一二三四五六日"


# --------------------------------------------------------------------------- basics

# One `store.query` of every catalog metric for 全市 per (store, period), kept as long as the
# store lives: the wall asks ~130 single values, and building one result frame per value would
# cost more than the arithmetic.
_ROWS: "weakref.WeakKeyDictionary[MetricStore, dict[str, dict[str, dict]]]" = weakref.WeakKeyDictionary()
_ROWS_LOCK = threading.Lock()
_ALL_IDS = [m.id for m in METRICS]


def city_row(store: MetricStore, metric_id: str, period: Period) -> dict:
    """The query row (QUERY_COLUMNS as a dict) of one metric for 全市 over a period."""
    key = str(period)
    with _ROWS_LOCK:
        per = _ROWS.get(store)
        rows = None if per is None else per.get(key)
    if rows is None:
        df = store.query(_ALL_IDS, U.CITY, period)
        rows = {str(r["metric_id"]): r for r in df.to_dict("records")}
        with _ROWS_LOCK:
            _ROWS.setdefault(store, {})[key] = rows
    return rows[metric_id]


def screen_period(store: MetricStore) -> Period:
    """Year to date of the latest month with data (this month on an empty store)."""
    latest = store.data_month or date.today().strftime("%Y-%m")
    return Period.ytd(latest)


def is_stock(metric: Metric) -> bool:
    return MEASURE_BY_ID[metric.numerator].time_agg == "last" and not metric.is_ratio


def is_running_total(metric: Metric) -> bool:
    return MEASURE_BY_ID[metric.numerator].time_agg == "cumulative"


def period_caption(metric: Metric, period: Period) -> str:
    """How a figure's period reads on the wall."""
    y, m = period.end.split("-")
    if is_stock(metric):
        return f"{int(y)}年{int(m)}月末"
    if is_running_total(metric):
        return f"截至{int(y)}年{int(m)}月"
    return period.label


def fmt_number(value: float | None, metric: Metric) -> tuple[str, str]:
    """(number text, unit text) for display: 47.8 / %; 1 234 / 人; 159.6 / 万条."""
    if value is None:
        return "—", ""
    unit = metric.unit
    if unit == "%":
        return f"{value:.{metric.decimals}f}", "%"
    if metric.decimals == 0 and abs(value) >= 100_000:
        return f"{value / 10_000:.1f}", f"万{unit}"
    if metric.decimals == 0:
        return f"{round(value):,}", unit
    return f"{value:,.{metric.decimals}f}", unit


def figure(metric_id: str, value, status: str, *, flag: str = "", caption: str = "", yoy_change=None,
           yoy_pct=None, label: str | None = None) -> dict:
    """One figure as the wall shows it, following the metric's declaration: its decimals and
    unit; a flagged value (核查中 / 办理中 / 样本少) carries its mark and no 同比; a change has its
    unit (个百分点 for a rate, % or the unit for a count) and an 优劣 tone only for a
    comparable metric (a count's change is `neutral`, never red or green)."""
    m = METRIC_BY_ID[metric_id]
    ok = status == OK
    text, unit = fmt_number(value if ok else None, m)
    if not ok:
        text, unit = STATUS_LABEL.get(status) or "—", ""
    mark = flag_label(m, flag) if ok else ""
    trend = None
    if ok and not mark and yoy_change is not None:
        signed, change_text = F.change_parts(m, yoy_change, yoy_pct)
        if signed is not None:
            trend = {"up": signed > 0, "down": signed < 0, "tone": F.tone(m, signed),
                     "text": change_text.lstrip("+−")}
    return {"id": metric_id, "label": label or m.short, "name": m.name, "kind": m.kind,
            "value": value if ok else None, "text": text, "unit": unit, "status": status,
            "flag": flag if ok else "", "mark": mark, "caption": caption, "yoy": trend,
            "direction": F.direction_text(m), "definition": m.definition,
            "notes": "".join(x for x in (m.maturity_text, m.min_sample_text) if x)}


def current_figure(store: MetricStore, metric_id: str, period: Period, unit: str = U.CITY) -> dict:
    row = city_row(store, metric_id, period) if unit == U.CITY else store.query(metric_id, unit, period).iloc[0]
    m = METRIC_BY_ID[metric_id]
    return figure(metric_id, row["value"], str(row["status"]), flag=str(row["flag"] or ""),
                  caption=period_caption(m, period), yoy_change=row["yoy_change"], yoy_pct=row["yoy_pct"])


def tiles(store: MetricStore, tile_id: str, period: Period) -> list[dict]:
    """The figures of a block of tiles of the spec (its catalog placements), over the period."""
    return [current_figure(store, mid, period) for mid in spec.TILE_BY_ID[tile_id].metrics]


# --------------------------------------------------------------------------- header

def header(store: MetricStore, stale: bool, now: datetime | None = None) -> dict:
    latest = store.data_month
    published = store.published_at
    return {
        "latest": month_label(latest) if latest else None,
        "updated": (f"数据更新至 {month_label(latest)}" if latest else "暂无数据"),
        "published": published.strftime("%Y-%m-%d %H:%M") if published else None,
        "snapshot": store.snapshot,
        "stale": bool(stale),
    }


def clock_text(now: datetime) -> tuple[str, str]:
    return now.strftime("%H:%M:%S"), f"{now.year}年{now.month}月{now.day}日 星期{WEEKDAYS[now.weekday()]}"


# --------------------------------------------------------------------------- headline

def cumulative(store: MetricStore, metric_id: str) -> tuple[float | None, str]:
    """A count metric cumulated from the store's first month to its latest (see module doc)."""
    latest = store.data_month
    if latest is None:
        return None, NO_DATA
    metric = METRIC_BY_ID[metric_id]
    if metric.is_ratio:
        raise ValueError(f"{metric_id} is a ratio: it does not cumulate")
    if MEASURE_BY_ID[metric.numerator].time_agg != "sum":
        row = city_row(store, metric_id, Period.month(latest))
        return row["value"], str(row["status"])
    total = store.measure_total(metric.numerator)
    if total is not None:
        return metric.scale * total, OK
    return None, NOT_LIVE if latest < metric.launch else NO_DATA


def cumulative_span(store: MetricStore, measure_id: str) -> str:
    """The months a cumulated count covers: '2022年1月—2026年11月' (from the store's first month,
    or the measure's launch if later, to the data month)."""
    first, last = store.first_month, store.data_month
    if not first or not last:
        return ""
    launch = measure_launch(measure_id)
    start = max(first, launch) if launch else first
    return f"{month_label(start)}—{month_label(last)}" if start <= last else ""


def headline(store: MetricStore) -> list[dict]:
    period = screen_period(store)
    out = []
    for mid in spec.TILE_BY_ID["ov-headline"].metrics:
        value, status = cumulative(store, mid)
        m = METRIC_BY_ID[mid]
        fig = figure(mid, value, status, caption="累计", label=m.name)
        fig["span"] = cumulative_span(store, m.numerator)
        if not is_running_total(m):
            row = city_row(store, mid, period)
            if row["status"] == OK:
                t, u = fmt_number(row["value"], m)
                mark = flag_label(m, str(row["flag"] or ""))
                fig["sub"] = f"{period.calendar_year}年 +{t}{u}" + (f"（{mark}）" if mark else "")
        else:
            fig["sub"] = "全部运行中" if status == OK else ""
        out.append(fig)
    return out


# --------------------------------------------------------------------------- series

def trend_notes(metric_id: str, unit: str, months: list[str], notes=None) -> list[dict]:
    """The annotations (大事记) of a trend as plain data: the platform launches and the stored
    events `notes` (cockpit.metrics.annotations) that apply to the metric, the unit and the
    months, a span clipped to the months. No personal data: titles and details an administrator
    wrote for the charts."""
    if not months:
        return []
    found = applicable(platform_launches() + list(notes or ()), metric_id, unit, months)
    return [{"month": max(a.month, months[0]), "end": min(a.last_month, months[-1]) if a.is_span else None,
             "label": a.label(), "kind": a.kind, "detail": a.hover()} for a in found]


def trend(store: MetricStore, metric_id: str, months: int = 24, unit: str = U.CITY, notes=None) -> dict:
    """The last `months` monthly values of a metric up to the data month; None where not ok.
    `flags` marks each month ("immature": still 核查中/办理中, drawn apart; "small"); `notes`
    the annotations drawn on it (`trend_notes`: the launches, and the stored events given)."""
    m = METRIC_BY_ID[metric_id]
    latest = store.data_month
    base = {"id": metric_id, "name": m.short, "unit": m.unit, "decimals": m.decimals, "kind": m.kind,
            "mark": m.immature_label, "national": {int(k): float(v) for k, v in m.national.items()}}
    if latest is None:
        return dict(base, months=[], values=[], status=[], flags=[], not_live_until=None, notes=[])
    start = add_months(latest, 1 - months)
    s = store.series(metric_id, unit, start, latest)
    values = [None if st != OK or v is None else round(float(v), max(m.decimals, 1) + 1)
              for v, st in zip(s["value"], s["status"])]
    statuses = [str(x) for x in s["status"]]
    not_live = [mo for mo, st in zip(s["month"], statuses) if st == NOT_LIVE]
    month_list = [str(x) for x in s["month"]]
    return dict(base, months=month_list, values=values, status=statuses,
                flags=[str(f or "") for f in s["flag"]], not_live_until=not_live[-1] if not_live else None,
                notes=trend_notes(metric_id, unit, month_list, notes))


def by_county(store: MetricStore, metric_id: str, period: Period) -> dict:
    """The 13 counties (+ 市院本级 and 全市) of one metric, as the declaration allows comparing
    them: every value with its mark; for a rate or per-capita rate the gap to the city (with
    its unit) and the county median; for a count, stock or cumulative figure its share of the
    city. Ranks only when `formatting.ranks_shown` (a comparable metric and ranking on, off by
    default): then `ranked` is best first; otherwise the counties in their fixed order."""
    m = METRIC_BY_ID[metric_id]
    shown = F.ranks_shown(m)
    df = store.by_unit(metric_id, period)
    rows, city, median = [], None, None
    for r in df.itertuples(index=False):
        status = str(r.status)
        ok = status == OK
        text, unit = fmt_number(r.value if ok else None, m)
        if not ok:
            text, unit = STATUS_LABEL.get(status) or "—", ""
        gap = r.gap_to_city if m.is_ratio and ok else None
        share = r.share_of_city if not m.is_ratio and ok else None
        item = {"code": str(r.unit), "name": str(r.unit_label), "tier": str(r.tier),
                "short": U.UNIT_BY_CODE[r.unit].short if r.unit in U.UNIT_BY_CODE else str(r.unit_label),
                "abbr": abbr(str(r.unit_label)),
                "value": r.value if ok else None, "text": text, "unit": unit, "status": status,
                "flag": str(r.flag or "") if ok else "", "mark": flag_label(m, str(r.flag or "")) if ok else "",
                "rank": r.rank if shown else None, "rank_of": r.rank_of if shown else None,
                "gap": gap, "gap_text": None if gap is None else _gap_text(gap, m),
                "share": share, "share_text": None if share is None else f"占全市{share:.1f}%",
                "yoy": r.yoy_change}
        if r.unit == U.CITY:
            city = item
            median = r.county_median
        elif r.tier in ("county", "city"):
            rows.append(item)
    counties = [r for r in rows if r["tier"] == "county"]
    ordered = (sorted(counties, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"])) if shown
               else counties)
    median_text = None
    if median is not None:
        t, u = fmt_number(median, m)
        median_text = f"{t}{u}"
    return {"id": metric_id, "name": m.name, "short": m.short, "unit": m.unit, "decimals": m.decimals,
            "kind": m.kind, "is_ratio": m.is_ratio, "comparable": m.comparable, "ranks_shown": shown,
            # the map's colour ramp: light = better for a comparable metric, light = more otherwise
            "better_when_higher": m.better_when_higher or not m.comparable, "direction": m.direction,
            "direction_text": F.direction_text(m),
            "period": str(period), "caption": period_caption(m, period), "city": city,
            "median": median, "median_text": median_text,
            "units": rows, "ranked": ordered, "definition": m.definition}


def abbr(name: str) -> str:
    """A unit's name in two characters for a chart axis: 盐湖区 → 盐湖, 绛县 stays, 市院本级 → 市院."""
    if name == U.label(U.CITY_OFFICE):
        return "市院"
    return name[:-1] if len(name) > 2 and name[-1] in "县市区" else name


def _gap_text(gap: float, m: Metric) -> str:
    """The gap to the city at display precision, with its unit: '较全市+1.2个百分点', '与全市持平'."""
    _, text = F.change_parts(m, gap, None)
    return "与全市持平" if text == "持平" else f"较全市{text}"


def county_figures(store: MetricStore, period: Period) -> dict[str, list[dict]]:
    """For the map tooltip and the county panel: county code → the figures of the catalog's
    "county" placement (rank only where ranks are shown)."""
    out: dict[str, list[dict]] = {c: [] for c in U.UNIT_CODES}
    for mid in spec.county_metrics():
        data = by_county(store, mid, period)
        for r in data["units"]:
            out[r["code"]].append({"id": mid, "name": data["short"], "text": r["text"], "unit": r["unit"],
                                   "rank": r["rank"], "rank_of": r["rank_of"], "gap_text": r["gap_text"],
                                   "share_text": r["share_text"], "mark": r["mark"],
                                   "status": r["status"], "value": r["value"], "is_ratio": data["is_ratio"],
                                   "better_when_higher": data["better_when_higher"],
                                   "city_text": (data["city"] or {}).get("text")})
    return out


# --------------------------------------------------------------------------- platforms

def platform_panel(store: MetricStore, pid: str, period: Period, more: bool = False) -> dict:
    """A platform's tiles: the overview's ("P01") or the platforms screen's ("P01" and "P01+")."""
    p = PLATFORM_BY_ID[pid]
    tile_id = f"pf-{pid.lower()}-kpis" if more else f"ov-{pid.lower()}-kpis"
    ids = spec.TILE_BY_ID[tile_id].metrics if tile_id in spec.TILE_BY_ID else on_wall(pid)
    y, mo = p.launch.split("-")
    return {"id": pid, "name": p.name, "short": spec.PLATFORM_SHORT[pid], "launch": f"{int(y)}年{int(mo)}月上线",
            "period": period.label, "kpis": [current_figure(store, mid, period) for mid in ids]}


# --------------------------------------------------------------------------- models

def model_leaderboard(store: MetricStore, registry: dict[str, dict], measure_id: str = "clue_found") -> list[dict]:
    """Clues per model, cumulated over the years to date, largest first; names from the registry."""
    latest, first = store.data_month, store.first_month
    totals: dict[str, float] = {}
    if latest and first:
        ly = int(latest[:4])
        for y in range(int(first[:4]), ly + 1):
            p = Period.year(y) if y < ly else Period.ytd(latest)
            df = store.by_model(measure_id, p)
            for mid_, v, st in zip(df["model_id"], df["value"], df["status"]):
                if st == OK and v is not None:
                    totals[str(mid_)] = totals.get(str(mid_), 0.0) + float(v)
    models = [k for k, v in registry.items() if v.get("category") == "法律监督模型"] or list(totals)
    rows = []
    for k in set(models) | set(totals):
        info = registry.get(k, {})
        if info and info.get("category") != "法律监督模型":
            continue
        rows.append({"id": k, "name": info.get("name") or k, "domain": info.get("domain") or "",
                     "unit": U.label(info["unit"]) if info.get("unit") in U.UNIT_BY_CODE else "",
                     "launch": info.get("launch") or "", "value": int(round(totals.get(k, 0.0)))})
    rows.sort(key=lambda r: (-r["value"], r["id"]))
    return rows


def clues_by_domain(board: list[dict]) -> list[dict]:
    """The leaderboard's clue counts added up by business domain (刑事, 民事, …)."""
    acc: dict[str, int] = {}
    for r in board:
        acc[r["domain"] or "其他"] = acc.get(r["domain"] or "其他", 0) + r["value"]
    return [{"name": k, "value": v} for k, v in sorted(acc.items(), key=lambda kv: -kv[1])]


def suggestion_funnel(store: MetricStore) -> dict:
    """Suggestions issued → replied → adopted, cumulated to date (counts only)."""
    issued, st_i = cumulative(store, "suggestions")
    replied = store.measure_total("sugg_replied")
    adopted = store.measure_total(METRIC_BY_ID["suggestion_adoption_rate"].numerator)
    stages = [("制发检察建议", issued if st_i == OK else None), ("已回复", replied), ("被采纳", adopted)]
    period = screen_period(store)
    rates = tiles(store, "ov-funnel-rates", period)
    return {"stages": [{"name": n, "value": None if v is None else int(round(v))} for n, v in stages],
            "rates": rates, "span": cumulative_span(store, "sugg_issued")}


def as_of_date(store: MetricStore, today: date | None = None) -> date:
    """The date the ledger's stocks are read at: the data month's last day, or today if that is
    earlier (a month still running); today on an empty store."""
    return data_date(store.data_month, today)


def clue_funnel(store: MetricStore, period: Period) -> dict:
    """The clues found in the period (全市) and how far they got: 线索 → 已核查 → 成案 → 制发监督文书
    → 已整改, the measures of `spec.CLUE_FUNNEL` summed over the period's months (counts only).
    `immature` is the label of the period's months still in the maturity window (核查中)."""
    stages = []
    for name, measure in spec.CLUE_FUNNEL:
        v = store.measure_total(measure, U.CITY, period.start, period.end) if store.data_month else None
        stages.append({"name": name, "measure": measure, "value": None if v is None else int(round(v))})
    m = METRIC_BY_ID[spec.CLUE_FUNNEL_MATURITY]
    immature = ""
    if store.data_month and m.maturity_months:
        first = max(add_months(store.data_month, 1 - m.maturity_months), period.start)
        if first <= period.end:
            if first == period.end:
                span = month_label(first)
            elif first[:4] == period.end[:4]:   # the period's label names the year
                span = f"{int(first[5:])}—{int(period.end[5:])}月"
            else:
                span = f"{month_label(first)}—{month_label(period.end)}"
            immature = f"{span}{m.immature_label}"
    return {"stages": stages, "period": period.label, "immature": immature,
            "tag": f"{period.label}发现" + (f" · {immature}" if immature else "")}


def ledger_figure(indicator_id: str, value: int | None, as_of: date) -> dict:
    """A ledger indicator (`cockpit.metrics.ledger.LEDGER_INDICATORS`) as a wall figure: a count
    as of the data date (截至…), neutral — never ranked or coloured."""
    ind = LEDGER_INDICATOR_BY_ID[indicator_id]
    ok = value is not None
    return {"id": indicator_id, "label": ind.name.removesuffix("数"), "name": ind.name, "kind": ind.kind,
            "value": value, "text": f"{value:,}" if ok else "—", "unit": ind.unit if ok else "",
            "status": OK if ok else NO_DATA, "flag": "", "mark": "",
            "caption": f"截至{as_of.year}年{as_of.month}月{as_of.day}日", "yoy": None,
            "direction": "不评优劣", "definition": ind.definition, "notes": ""}


BAND_MEASURES = (("低", "arrest_band_low"), ("中", "arrest_band_mid"), ("高", "arrest_band_high"))


def risk_bands(store: MetricStore, period: Period) -> dict[str, int | None]:
    """Assessed persons by risk band in the period (全市)."""
    out = {}
    for band, measure in BAND_MEASURES:
        v = store.measure_total(measure, U.CITY, period.start, period.end)
        out[band] = None if v is None else int(round(v))
    return out


def risk_band_rows(bands: dict[str, int | None]) -> list[dict]:
    return [{"name": f"{b}风险", "band": b, "value": bands.get(b)} for b in ("低", "中", "高")]


def warning_rows(rows: list[dict]) -> list[dict]:
    """The feed: time, unit, kind, handling and how long handling took (whole minutes)."""
    out = []
    for r in rows:
        occurred = _dt(r.get("occurred_at"))
        handled = _dt(r.get("handled_at"))
        took = None
        if occurred and handled and handled >= occurred:
            took = int((handled - occurred).total_seconds() // 60)
        handling = r.get("handling") or "待处置"
        out.append({"time": occurred.strftime("%m-%d %H:%M") if occurred else "—",
                    "unit": r.get("unit") or "", "type": r.get("type") or "预警",
                    "handling": handling, "open": not handled,
                    "took": None if took is None else (f"{took}分钟" if took < 60 else
                                                       f"{took // 60}小时{took % 60:02d}分")})
    return out


# what an alert's bound is called on the wall: (below a lower bound, above an upper one)
ALERT_BOUND = {A.THRESHOLD: ("下限", "上限"), A.TARGET: ("目标", "目标"), A.CONTROL: ("控制限", "控制限")}


def alert_rows(alerts: list[A.Alert], month: str | None, limit: int = spec.ALERT_ROWS) -> dict:
    """The 预警 panel: one month's alerts (`alerts.evaluate`, most serious first) as short rows —
    severity (预警 / 异常波动), unit, indicator, value and the bound it crossed — at most `limit`,
    the rest counted. Aggregates only: an alert is a unit's month of an indicator."""
    rows = []
    for a in alerts[:limit]:
        m = a.metric
        low, high = ALERT_BOUND[a.rule]
        bound = a.bound
        crossed = f"{'低于' if a.below else '高于'}{low if a.below else high}"
        rows.append({"metric": a.metric_id, "unit_code": a.unit, "severity": a.severity, "tag": a.severity_label,
                     "unit": a.unit_label, "label": m.short, "value": A.fmt(m, a.value),
                     "bound": crossed + ("" if bound is None else f" {A.fmt(m, bound)}"), "rule": a.rule_label})
    n_warn = sum(1 for a in alerts if a.severity == A.WARNING)
    return {"month": month, "label": month_label(month) if month else "", "rows": rows,
            "more": max(0, len(alerts) - limit), "warnings": n_warn, "fluctuations": len(alerts) - n_warn}


def _dt(v) -> datetime | None:
    if not v:
        return None
    if isinstance(v, datetime):
        return v
    s = str(v).strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d"):
        try:
            return datetime.strptime(s[:26], fmt)
        except ValueError:
            continue
    return None
