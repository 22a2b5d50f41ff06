"""Everything the wall draws for one data snapshot, as plain data: chart options (packed with a
content version) and the data of the HTML blocks. Cached by snapshot (and map metric) in the
app's cache, so a refresh with nothing new costs a cache look-up.

Three parts, so that a refresh recomputes only what changed:
- `static_part(snapshot)`  headline, platform panels, models, funnel, warnings feed — changes only
                           with a new ETL publish;
- `map_part(snapshot, metric)`  the map, its caption and the county ranking — changes with the
                           map's indicator (it cycles on every refresh);
- `county_part(snapshot, code, metric)`  the county panel opened by a click on the map.
"""
from __future__ import annotations

import logging

from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.query import MetricStore
from cockpit.screen import charts as C
from cockpit.screen import shaping as S
from cockpit.screen import sources
from cockpit.screen import theme as T

log = logging.getLogger(__name__)

OVERVIEW_CHARTS = ("ch-map", "ch-p01-trend", "ch-p01-bands", "ch-p02-warn", "ch-p03-rings", "ch-p04-juv",
                   "ch-models", "ch-funnel")
PLATFORM_CHARTS = ("ch-pf-p01-trend", "ch-pf-p01-bands", "ch-pf-p02-warn", "ch-pf-p02-county",
                   "ch-pf-p03-trend", "ch-pf-p03-county", "ch-pf-p04-juv", "ch-pf-p04-county")
MODEL_CHARTS = ("ch-md-board", "ch-md-trend", "ch-md-county", "ch-md-funnel", "ch-md-domain")
COUNTY_CHARTS = ("ch-county-trend",)
CHART_IDS: tuple[str, ...] = OVERVIEW_CHARTS + PLATFORM_CHARTS + MODEL_CHARTS + COUNTY_CHARTS
MAP_CHARTS = ("ch-map",)

PF_COUNTY_METRIC = {"P02": "checkin_rate", "P03": "plea_rate", "P04": "conditional_non_prosecution_rate"}
CACHE_PREFIX = "screen:payload"


def snapshot_key(store: MetricStore) -> str:
    """The cache key of a store's data: its snapshot id and publication time (two databases
    sharing one Redis — staging and production — may both be at snapshot 12)."""
    published = store.published_at.strftime("%Y%m%d%H%M%S%f") if store.published_at else "-"
    return f"{store.snapshot}@{published}"


def _cache_get(key):
    return sources._cache_get(key)


def _cache_set(key, value):
    sources._cache_set(key, value)


def static_part(store: MetricStore, engine, offline: bool = False) -> dict:
    """(cached) the snapshot's headline, panels, models, funnel and feed. `complete` is False when
    a record look-up failed or was skipped (database down): such a part is not cached."""
    key = f"{CACHE_PREFIX}:static:{snapshot_key(store)}"
    hit = _cache_get(key)
    if hit is not None:
        return hit
    part = _build_static(store, engine, offline)
    if part["complete"]:
        _cache_set(key, part)
    return part


def _build_static(store: MetricStore, engine, offline: bool = False) -> dict:
    snap = snapshot_key(store)
    period = S.screen_period(store)
    registry, ok1 = sources.model_registry(engine, snap, offline)
    bands = S.risk_bands(store, period)
    warnings, ok2 = sources.latest_warnings(engine, snap, offline=offline, month=store.data_month)

    charts: dict[str, dict] = {}
    blocks: dict[str, object] = {}

    # --- headline and the overview's platform panels
    blocks["headline"] = S.headline(store)
    panels = {pid: S.platform_panel(store, pid, period) for pid in ("P01", "P02", "P03", "P04")}
    panels_more = {pid: S.platform_panel(store, pid, period, more=True) for pid in ("P01", "P02", "P03", "P04")}
    blocks["panels"] = panels
    blocks["panels_more"] = panels_more

    t = {mid: S.trend(store, mid, 24) for mid in (
        "non_arrest_rate", "pretrial_detention_rate", "nc_warnings", "warning_handled_rate",
        "recording_coverage", "remote_hearing_share", "juv_concluded", "conditional_non_prosecution_rate",
        "clues", "clue_verification_rate")}
    t12 = {k: _last(v, 12) for k, v in t.items()}

    band_rows = S.risk_band_rows(bands)
    band_total = sum(r["value"] for r in band_rows if r["value"] is not None)
    band_colors = [c for _, c in T.RISK_BANDS]
    bands_opt = C.donut_option(band_rows, band_colors, f"{band_total:,}" if band_total else "—", "已评估(人)",
                               name="评估等级", compact=True)
    bands_big = C.donut_option(band_rows, band_colors, f"{band_total:,}" if band_total else "—", "已评估(人)",
                               name="评估等级")

    charts["ch-p01-trend"] = C.dual_trend_option(t12["non_arrest_rate"], t12["pretrial_detention_rate"])
    charts["ch-p01-bands"] = bands_opt
    charts["ch-p02-warn"] = C.bar_line_option(t12["nc_warnings"], t12["warning_handled_rate"])
    ring_ids = ("plea_rate", "recording_coverage", "remote_hearing_share", "efp_return_rate")
    rings = [next(f for f in panels_more["P03"]["kpis"] if f["id"] == mid) for mid in ring_ids]
    charts["ch-p03-rings"] = C.rings_option(rings)
    charts["ch-p04-juv"] = C.bar_line_option(t12["juv_concluded"], t12["conditional_non_prosecution_rate"],
                                             bar_color=T.VIOLET, line_color=T.GREEN)

    board = S.model_leaderboard(store, registry)
    funnel = S.suggestion_funnel(store)
    blocks["funnel_rates"] = funnel["rates"]
    charts["ch-models"] = C.leaderboard_option(board, top=8, label_width=150)
    charts["ch-funnel"] = C.funnel_option(funnel["stages"])
    blocks["feed"] = S.warning_rows(warnings)

    # --- the platforms screen
    charts["ch-pf-p01-trend"] = C.dual_trend_option(t["non_arrest_rate"], t["pretrial_detention_rate"],
                                                    national=True)
    charts["ch-pf-p01-bands"] = bands_big
    charts["ch-pf-p02-warn"] = C.bar_line_option(t["nc_warnings"], t["warning_handled_rate"])
    charts["ch-pf-p03-trend"] = C.dual_trend_option(t["recording_coverage"], t["remote_hearing_share"],
                                                    colors=(T.GREEN, T.GOLD))
    charts["ch-pf-p04-juv"] = C.bar_line_option(t["juv_concluded"], t["conditional_non_prosecution_rate"],
                                                bar_color=T.VIOLET, line_color=T.GREEN)
    blocks["pf_county_titles"] = {}
    for pid, mid in PF_COUNTY_METRIC.items():
        cdata = S.by_county(store, mid, period)
        charts[f"ch-pf-{pid.lower()}-county"] = C.county_hbar_option(cdata)
        city = cdata.get("city") or {}
        blocks["pf_county_titles"][pid] = (f"各院{METRIC_BY_ID[mid].name}（虚线：全市 {city.get('text', '—')}"
                                           f"{city.get('unit', '')}）")

    # --- the models screen
    charts["ch-md-board"] = C.leaderboard_option(board, label_width=230)
    charts["ch-md-trend"] = C.bar_line_option(t["clues"], t["clue_verification_rate"], bar_color=T.BLUE,
                                              line_color=T.GOLD)
    clue_county = S.by_county(store, "clues", period)
    charts["ch-md-county"] = C.county_bar_option(clue_county)
    charts["ch-md-funnel"] = C.funnel_option(funnel["stages"])
    charts["ch-md-domain"] = C.rose_option(S.clues_by_domain(board))
    blocks["model_kpis"] = [S.current_figure(store, mid, period) for mid in S.MODEL_KPIS]

    return {"snapshot": store.snapshot, "period": period.label, "complete": bool(ok1 and ok2),
            "charts": {k: C.packed(v) for k, v in charts.items()}, "blocks": blocks}


def map_part(store: MetricStore, metric_id: str) -> dict:
    key = f"{CACHE_PREFIX}:map:{snapshot_key(store)}:{metric_id}"
    hit = _cache_get(key)
    if hit is not None:
        return hit
    period = S.screen_period(store)
    data = S.by_county(store, metric_id, period)
    figures = _county_figures(store)
    part = {"metric": metric_id, "data": data, "chart": C.packed(C.map_option(data, figures))}
    _cache_set(key, part)
    return part


def _county_figures(store: MetricStore) -> dict:
    key = f"{CACHE_PREFIX}:figures:{snapshot_key(store)}"
    hit = _cache_get(key)
    if hit is None:
        hit = S.county_figures(store, S.screen_period(store))
        _cache_set(key, hit)
    return hit


def county_part(store: MetricStore, code: str, metric_id: str) -> dict | None:
    if code not in U.UNIT_BY_CODE:
        return None
    key = f"{CACHE_PREFIX}:county:{snapshot_key(store)}:{code}:{metric_id}"
    hit = _cache_get(key)
    if hit is not None:
        return hit
    figures = _county_figures(store).get(code, [])
    m = METRIC_BY_ID[metric_id]
    trend_c = S.trend(store, metric_id, 12, unit=code)
    trend_city = S.trend(store, metric_id, 12)
    if m.unit == "%":
        option = C.county_trend_option(trend_c, trend_city, U.label(code))
    else:  # a count: the county alone (the city's total would dwarf it)
        option = C.bars_option(dict(trend_c, name=f"{U.label(code)} {m.name}"), color=T.GOLD)
    part = {"code": code, "metric": metric_id, "figures": figures, "title": f"{m.name} · 近12个月",
            "chart": C.packed(option)}
    _cache_set(key, part)
    return part


def _last(trend: dict, n: int) -> dict:
    out = dict(trend)
    for k in ("months", "values", "status"):
        out[k] = trend[k][-n:]
    nl = [m for m, s in zip(out["months"], out["status"]) if s == "not_live"]
    out["not_live_until"] = nl[-1] if nl else None
    return out
