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
- **Trends: the last 24 (or 12) months**, one point per month; months before a platform went live
  are `not_live` (未上线) and drawn as a gap with a shaded band, never as 0.

No formula lives here: values, numerators, ranks and gaps come from `MetricStore.query`,
`by_unit`, `series` and `by_model`; this module only selects, sums counts over years (additive
by definition) and formats.
"""
from __future__ import annotations

import threading
import weakref
from datetime import date, datetime

from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, METRICS, Metric
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, add_months, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.query import NO_DATA, NOT_LIVE, OK, STATUS_LABEL, MetricStore

WEEKDAYS = "一二三四五六日"

HEADLINE: tuple[str, ...] = (
    "platforms", "models", "records_collected", "clues", "suggestions",
    "children_back_to_school", "duty_crime_transfers", "corrected_cases",
)

PLATFORM_KPIS: dict[str, tuple[str, ...]] = {
    "P01": ("non_arrest_rate", "pretrial_detention_rate", "assessment_coverage", "assessment_consistency"),
    "P02": ("nc_under_supervision", "checkin_rate", "nc_warnings", "warning_handled_rate"),
    "P03": ("plea_rate", "recording_coverage", "remote_hearing_share", "efp_return_rate"),
    "P04": ("juv_concluded", "conditional_non_prosecution_rate", "social_survey_rate", "children_back_to_school"),
}
# the detail screen shows a second row per platform
PLATFORM_KPIS_MORE: dict[str, tuple[str, ...]] = {
    "P01": ("arrest_concluded", "arrest_assessed", "review_days_avg", "rec_adoption_rate"),
    "P02": ("nc_new", "summons_rate", "abscond_rate", "nc_bail_amount"),
    "P03": ("plea_statements", "rec_adoption_rate", "fixed_rec_rate", "non_prosecution_rate"),
    "P04": ("social_survey_rate", "conditional_non_prosecution_rate", "juv_concluded", "children_back_to_school"),
}
PLATFORM_SHORT = {"P01": "审查逮捕 · 60项指标量化评估", "P02": "实时定位 · 在线打卡 · 脱管预警",
                  "P03": "远程听取意见 · 电子捺印回传", "P04": "未成年人检察"}
MODEL_KPIS = ("clue_verification_rate", "clue_case_rate", "suggestion_reply_rate", "suggestion_adoption_rate")
COUNTY_FIGURES = CORE_METRICS + ("clues",)
# Shorter names where the catalog's full name does not fit a wall tile (the full name and the
# 口径 are in the tile's tooltip).
SHORT_LABEL = {
    "assessment_coverage": "评估覆盖率", "assessment_consistency": "评估一致率",
    "review_days_avg": "平均办案天数", "arrest_concluded": "审查逮捕审结", "arrest_assessed": "量化评估人数",
    "warning_handled_rate": "及时处置率", "checkin_rate": "非羁押打卡率", "nc_new": "新增非羁押",
    "plea_rate": "认罪认罚适用率", "remote_hearing_share": "远程听取意见", "efp_return_rate": "电子捺印回传",
    "plea_statements": "具结书", "rec_adoption_rate": "量刑建议采纳率", "fixed_rec_rate": "确定刑建议率",
    "conditional_non_prosecution_rate": "附条件不起诉率", "social_survey_rate": "社会调查率",
    "children_back_to_school": "失学儿童复学", "juv_concluded": "审结未成年人",
    "clue_verification_rate": "线索核查率", "clue_case_rate": "线索成案率",
    "suggestion_reply_rate": "检察建议回复率", "suggestion_adoption_rate": "检察建议采纳率",
    "records_collected": "采集数据", "models": "监督模型", "platforms": "综合分析平台",
}


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


def figure(metric_id: str, value, status: str, *, caption: str = "", yoy_change=None,
           label: str | None = None) -> dict:
    m = METRIC_BY_ID[metric_id]
    text, unit = fmt_number(value if status == OK else None, m)
    if status != OK:
        text, unit = STATUS_LABEL.get(status) or "—", ""
    trend = None
    if yoy_change is not None and status == OK:
        good = (yoy_change >= 0) == m.better_when_higher
        trend = {"up": yoy_change >= 0, "good": good if round(yoy_change, m.decimals) != 0 else None,
                 "text": _change_text(yoy_change, m)}
    return {"id": metric_id, "label": label or SHORT_LABEL.get(metric_id, m.name), "name": m.name,
            "value": value if status == OK else None,
            "text": text, "unit": unit, "status": status, "caption": caption, "yoy": trend,
            "definition": m.definition}


def _change_text(change: float, m: Metric) -> str:
    """The size of a change, compact: percentage points for a rate (0.8), else with its unit."""
    if m.unit == "%":
        return f"{abs(change):.{m.decimals}f}"
    t, u = fmt_number(abs(change), m)
    return f"{t}{u}"


def current_figure(store: MetricStore, metric_id: str, period: Period, unit: str = U.CITY) -> dict:
    row = city_row(store, metric_id, period) if unit == U.CITY else store.query(metric_id, unit, period).iloc[0]
    m = METRIC_BY_ID[metric_id]
    return figure(metric_id, row["value"], str(row["status"]), caption=period_caption(m, period),
                  yoy_change=row["yoy_change"])


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


def headline(store: MetricStore) -> list[dict]:
    period = screen_period(store)
    out = []
    for mid in HEADLINE:
        value, status = cumulative(store, mid)
        m = METRIC_BY_ID[mid]
        fig = figure(mid, value, status, caption="累计", label=m.name)
        if not is_running_total(m):
            row = city_row(store, mid, period)
            if row["status"] == OK:
                t, u = fmt_number(row["value"], m)
                fig["sub"] = f"{period.calendar_year}年 +{t}{u}"
        else:
            fig["sub"] = "全部运行中" if status == OK else ""
        out.append(fig)
    return out


# --------------------------------------------------------------------------- series

def trend(store: MetricStore, metric_id: str, months: int = 24, unit: str = U.CITY) -> dict:
    """The last `months` monthly values of a metric; None where not ok."""
    m = METRIC_BY_ID[metric_id]
    latest = store.data_month
    if latest is None:
        return {"id": metric_id, "name": m.name, "unit": m.unit, "months": [], "values": [],
                "status": [], "not_live_until": None}
    start = add_months(latest, 1 - months)
    s = store.series(metric_id, unit, start, latest)
    values = [None if st != OK or v is None else round(float(v), max(m.decimals, 1) + 1)
              for v, st in zip(s["value"], s["status"])]
    statuses = [str(x) for x in s["status"]]
    not_live = [mo for mo, st in zip(s["month"], statuses) if st == NOT_LIVE]
    return {"id": metric_id, "name": m.name, "unit": m.unit, "decimals": m.decimals,
            "months": [str(x) for x in s["month"]], "values": values, "status": statuses,
            "not_live_until": not_live[-1] if not_live else None,
            "national": {int(k): float(v) for k, v in m.national.items()}}


def by_county(store: MetricStore, metric_id: str, period: Period) -> dict:
    """The 13 counties (+ 市院本级 and 全市) of one metric: value, rank, gap to the city."""
    m = METRIC_BY_ID[metric_id]
    df = store.by_unit(metric_id, period)
    rows, city = [], None
    for r in df.itertuples(index=False):
        status = str(r.status)
        text, unit = fmt_number(r.value if status == OK else None, m)
        if status != OK:
            text, unit = STATUS_LABEL.get(status) or "—", ""
        item = {"code": str(r.unit), "name": str(r.unit_label), "tier": str(r.tier),
                "value": r.value if status == OK else None, "text": text, "unit": unit, "status": status,
                "rank": r.rank, "rank_of": r.rank_of, "gap": r.gap_to_city,
                "gap_text": None if r.gap_to_city is None else _gap_text(r.gap_to_city, m),
                "yoy": r.yoy_change}
        if r.unit == U.CITY:
            city = item
        elif r.tier in ("county", "city"):
            rows.append(item)
    counties = [r for r in rows if r["tier"] == "county"]
    ranked = sorted(counties, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
    return {"id": metric_id, "name": m.name, "unit": m.unit, "decimals": m.decimals,
            "better_when_higher": m.better_when_higher, "direction": m.direction,
            "period": str(period), "caption": period_caption(m, period), "city": city,
            "units": rows, "ranked": ranked, "definition": m.definition}


def _gap_text(gap: float, m: Metric) -> str:
    """The gap to the city at display precision; a gap that rounds to 0 has no sign."""
    shown = round(gap, m.decimals)
    sign = "+" if shown > 0 else "−" if shown < 0 else "±"
    if m.unit == "%":
        return f"{sign}{abs(shown):.{m.decimals}f}"
    t, u = fmt_number(abs(gap), m)
    return f"{sign}{t}"


def county_figures(store: MetricStore, period: Period) -> dict[str, list[dict]]:
    """For the map tooltip and the county panel: county code → the core figures with rank."""
    out: dict[str, list[dict]] = {c: [] for c in U.UNIT_CODES}
    for mid in COUNTY_FIGURES:
        data = by_county(store, mid, period)
        for r in data["units"]:
            out[r["code"]].append({"id": mid, "name": data["name"], "text": r["text"], "unit": r["unit"],
                                   "rank": r["rank"], "rank_of": r["rank_of"], "gap_text": r["gap_text"],
                                   "status": r["status"], "value": r["value"],
                                   "better_when_higher": data["better_when_higher"],
                                   "city_text": (data["city"] or {}).get("text")})
    return out


# --------------------------------------------------------------------------- platforms

def platform_panel(store: MetricStore, pid: str, period: Period, more: bool = False) -> dict:
    p = PLATFORM_BY_ID[pid]
    ids = PLATFORM_KPIS[pid] + (PLATFORM_KPIS_MORE[pid] if more else ())
    seen, figs = set(), []
    for mid in ids:
        if mid in seen:
            continue
        seen.add(mid)
        if mid == "children_back_to_school":
            value, status = cumulative(store, mid)
            figs.append(figure(mid, value, status, caption="累计"))
        else:
            figs.append(current_figure(store, mid, period))
    y, mo = p.launch.split("-")
    return {"id": pid, "name": p.name, "short": PLATFORM_SHORT[pid], "launch": f"{int(y)}年{int(mo)}月上线",
            "period": period.label, "kpis": figs}


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
    rates = [current_figure(store, "suggestion_reply_rate", period),
             current_figure(store, "suggestion_adoption_rate", period)]
    return {"stages": [{"name": n, "value": None if v is None else int(round(v))} for n, v in stages],
            "rates": rates}


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
