"""Everything the wall draws for one data snapshot, as plain data: chart options (packed with a
content version) and the data of the HTML blocks. Cached by snapshot (and map metric) in the
app's cache, so a refresh with nothing new costs a cache look-up.

What is drawn is the spec's (`cockpit/screen/spec.py`): each block of tiles with the metrics of
its catalog placements, each chart by its kind.

Four parts, so that a refresh recomputes only what changed:
- `static_part(snapshot)`  headline, platform panels, models, funnel, warnings feed — changes only
                           with a new ETL publish;
- `alerts_part(snapshot, thresholds)`  the 预警 panel (the data month's alerts) — changes with a
                           new publish or an administrator's thresholds (`data.StoreState.thresholds`,
                           re-read at each check; their stamp is part of the key);
- `map_part(snapshot, metric)`  the map, its caption and the county comparison — changes with the
                           map's indicator (it cycles on every refresh);
- `county_part(snapshot, code, metric)`  the county panel opened by a click on the map.

`map_delta(snapshot, old, new)` is what a tick sends when only the map's indicator moved on:
the changes from one map part to the next (cockpit/screen/delta.py), a few KiB instead of the
whole map option and ranking.
"""
from __future__ import annotations

import json
import logging

from plotly.io.json import to_json_plotly

from cockpit import flight
from cockpit.data import stamp
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.query import MetricStore
from cockpit.screen import charts as C
from cockpit.screen import delta
from cockpit.screen import layout as L
from cockpit.screen import shaping as S
from cockpit.screen import sources, spec
from cockpit.screen import theme as T

log = logging.getLogger(__name__)

CHART_IDS: tuple[str, ...] = spec.CHART_IDS
MAP_CHARTS = ("ch-map",)
CACHE_PREFIX = "screen:payload"


def snapshot_key(store: MetricStore) -> str:
    """The cache key of a store's data: its snapshot id and publication time (two databases
    sharing one Redis — staging and production — may both be at snapshot 12)."""
    published = store.published_at.strftime("%Y%m%d%H%M%S%f") if store.published_at else "-"
    return f"{store.snapshot}@{published}"


def _once(key, build, cacheable=lambda v: True):
    """The cached part, else built once for every thread and worker asking (cockpit.flight)."""
    return flight.once(key, build, timeout=sources.CACHE_TIMEOUT, cacheable=cacheable)


def notes_key(notes) -> str:
    """The part of a cache key that changes with the administrator's annotations (大事记)."""
    return stamp(notes)


def static_part(store: MetricStore, engine, offline: bool = False, notes=()) -> dict:
    """(cached) the snapshot's headline, panels, models, funnel and feed. `complete` is False when
    a record look-up failed or was skipped (database down): such a part is not cached. `notes`:
    the stored annotations drawn on the trends (the platform launches are always drawn)."""
    key = f"{CACHE_PREFIX}:static:{snapshot_key(store)}:{notes_key(notes)}"
    return _once(key, lambda: _build_static(store, engine, offline, notes), cacheable=lambda p: p["complete"])


def alerts_part(store: MetricStore, thresholds=()) -> dict:
    """(cached) the 预警 panel: the data month's alerts under the administrator's thresholds
    (`alerts.evaluate`, which obeys each indicator's maturity and minimum sample), shaped
    for the wall (`shaping.alert_rows`)."""
    thresholds = tuple(thresholds or ())
    key = f"{CACHE_PREFIX}:alerts:{snapshot_key(store)}:{stamp(thresholds)}"
    month = store.data_month
    return _once(key, lambda: S.alert_rows(A.evaluate(store, month, thresholds) if month else [], month))


def _build_static(store: MetricStore, engine, offline: bool = False, notes=()) -> dict:
    snap = snapshot_key(store)
    period = S.screen_period(store)
    registry, ok1 = sources.model_registry(engine, snap, offline)
    warnings, ok2 = sources.latest_warnings(engine, snap, offline=offline, month=store.data_month)
    as_of = S.as_of_date(store)
    ledger_counts, ok3 = sources.clue_ledger_counts(engine, snap, as_of, period, offline)

    blocks: dict[str, object] = {}
    # --- the tiles: one list of figures per block of the spec
    blocks["tiles"] = {t.id: S.tiles(store, t.id, period) for t in spec.TILES if t.style != "headline"}
    blocks["headline"] = S.headline(store)
    blocks["platforms"] = {pid: S.platform_panel(store, pid, period) for pid in spec.PLATFORMS}
    blocks["period"] = period.label
    blocks["feed"] = S.warning_rows(warnings)
    # the ledger's stocks as of the data date (counts only), beside the clue funnel
    blocks["ledger"] = [S.ledger_figure(i, ledger_counts.get(i), as_of) for i in spec.LEDGER_FIGURES]

    # --- the charts, each by its kind
    ctx = _Context(store, period, registry, notes)
    charts = {c.id: ctx.build(c) for c in spec.STATIC_CHARTS}
    blocks["county_titles"] = ctx.county_titles
    blocks["funnel_tag"] = ctx.funnel_tag
    blocks["board_tag"] = ctx.board_tag
    blocks["clue_funnel_tag"] = ctx.clue_funnel_tag

    return {"snapshot": store.snapshot, "period": period.label, "complete": bool(ok1 and ok2 and ok3),
            "charts": {k: C.packed(v) for k, v in charts.items()}, "blocks": blocks}


class _Context:
    """What the static charts share (trends, the model board, the funnel), computed once."""

    def __init__(self, store: MetricStore, period, registry: dict, notes=()):
        self.store, self.period, self.registry, self.notes = store, period, registry, tuple(notes or ())
        self._trends: dict[tuple[str, int], dict] = {}
        self._board = None
        self._funnel = None
        self._bands = None
        self.county_titles: dict[str, str] = {}
        self.funnel_tag = ""
        self.board_tag = ""
        self.clue_funnel_tag = ""

    def trend(self, mid: str, months: int) -> dict:
        key = (mid, months)
        if key not in self._trends:
            self._trends[key] = S.trend(self.store, mid, months, notes=self.notes)
        return self._trends[key]

    @property
    def board(self):
        if self._board is None:
            self._board = S.model_leaderboard(self.store, self.registry)
            span = S.cumulative_span(self.store, "clue_found")
            self.board_tag = f"累计发现线索（条）· {span}" if span else "累计发现线索（条）"
        return self._board

    @property
    def funnel(self):
        if self._funnel is None:
            self._funnel = S.suggestion_funnel(self.store)
            self.funnel_tag = f"累计 · {self._funnel['span']}" if self._funnel["span"] else "累计"
        return self._funnel

    def build(self, c: spec.Chart) -> dict:
        kind = c.kind
        if kind == "dual_trend":
            a, b = (self.trend(m, c.months) for m in c.metrics)
            return C.dual_trend_option(a, b, national=c.national, colors=c.colors or (T.CYAN, T.GOLD))
        if kind == "bar_line":
            a, b = (self.trend(m, c.months) for m in c.metrics)
            style = dict(zip(("bar_color", "line_color"), c.colors))
            return C.bar_line_option(a, b, **style)
        if kind == "bands":
            rows = S.risk_band_rows(self._risk_bands())
            total = sum(r["value"] for r in rows if r["value"] is not None)
            return C.donut_option(rows, [col for _, col in T.RISK_BANDS], f"{total:,}" if total else "—",
                                  "已评估(人)", name="评估等级", compact=c.compact)
        if kind == "rings":
            return C.rings_option([S.current_figure(self.store, m, self.period) for m in c.metrics])
        if kind == "leaderboard":
            return (C.leaderboard_option(self.board, top=5, label_width=150) if c.compact
                    else C.leaderboard_option(self.board, label_width=230))
        if kind == "funnel":
            return C.funnel_option(self.funnel["stages"])
        if kind == "clue_funnel":
            data = S.clue_funnel(self.store, self.period)
            self.clue_funnel_tag = data["tag"]
            return C.funnel_option(data["stages"], series="监督线索", unit="条", colors=C.CLUE_FUNNEL_COLORS,
                                   label="right")
        if kind == "domains":
            return C.rose_option(S.clues_by_domain(self.board))
        if kind == "county_bars":
            (mid,) = c.metrics
            data = S.by_county(self.store, mid, self.period)
            self.county_titles[c.id] = county_title(data, with_city_office=c.city_office)
            return C.county_bar_option(data, with_city_office=c.city_office, narrow=c.compact)
        raise ValueError(f"{c.id}: unknown chart kind {kind!r}")

    def _risk_bands(self):
        if self._bands is None:
            self._bands = S.risk_bands(self.store, self.period)
        return self._bands


def county_title(data: dict, with_city_office: bool = False) -> str:
    """A county chart's title: whose bars (基层院: the 13 counties; 各院 with 市院本级, said so) and
    whether they are ranked."""
    who = "各院" if with_city_office else "基层院"
    return f"{who}{data['short']}" + ("排名" if data["ranks_shown"] else "") + (
        "（含市院本级）" if with_city_office else "")


def map_part(store: MetricStore, metric_id: str) -> dict:
    key = f"{CACHE_PREFIX}:map:{snapshot_key(store)}:{metric_id}"
    return _once(key, lambda: _build_map(store, metric_id))


def _build_map(store: MetricStore, metric_id: str) -> dict:
    period = S.screen_period(store)
    data = S.by_county(store, metric_id, period)
    figures = _county_figures(store)
    chart = C.packed(C.map_option(data, figures))
    blocks = {bid: _plain(L.block(bid, data)) for bid in L.MAP_BLOCKS}
    # `v`: the part's content version; a wall holding this version can take a delta from it
    part = {"metric": metric_id, "data": data, "chart": chart, "blocks": blocks,
            "v": C.version({"chart": chart["v"], "blocks": blocks})}
    return part


def _plain(component) -> object:
    """A block's Dash components as the JSON the browser holds (what a Patch is applied to)."""
    return json.loads(to_json_plotly(component))


def map_delta(store: MetricStore, old_metric: str, new_metric: str) -> dict:
    """(cached) The changes from the map part of `old_metric` to that of `new_metric`:
    {"chart": [(location in the option, value)], "blocks": {block id: [(location, value)]},
    "v": the new part's version}."""
    key = f"{CACHE_PREFIX}:delta:{snapshot_key(store)}:{old_metric}:{new_metric}"

    def build():
        old, new = map_part(store, old_metric), map_part(store, new_metric)
        return {"chart": delta.changes(old["chart"]["o"], new["chart"]["o"]),
                "blocks": {bid: delta.changes(old["blocks"][bid], new["blocks"][bid]) for bid in L.MAP_BLOCKS},
                "chart_v": new["chart"]["v"], "from": old["v"], "v": new["v"]}
    return _once(key, build)


def _county_figures(store: MetricStore) -> dict:
    key = f"{CACHE_PREFIX}:figures:{snapshot_key(store)}"
    return _once(key, lambda: S.county_figures(store, S.screen_period(store)))


def county_part(store: MetricStore, code: str, metric_id: str, notes=()) -> dict | None:
    if code not in U.UNIT_BY_CODE:
        return None
    key = f"{CACHE_PREFIX}:county:{snapshot_key(store)}:{notes_key(notes)}:{code}:{metric_id}"
    return _once(key, lambda: _build_county(store, code, metric_id, notes))


def _build_county(store: MetricStore, code: str, metric_id: str, notes=()) -> dict:
    figures = _county_figures(store).get(code, [])
    m = METRIC_BY_ID[metric_id]
    months = spec.CHART_BY_ID["ch-county-trend"].months
    trend_c = S.trend(store, metric_id, months, unit=code, notes=notes)
    trend_city = S.trend(store, metric_id, months, notes=notes)
    if m.is_ratio:
        option = C.county_trend_option(trend_c, trend_city, U.label(code))
    else:  # a count: the county alone (the city's total would dwarf it)
        option = C.bars_option(dict(trend_c, name=f"{U.label(code)} {m.short}"), color=T.GOLD)
    part = {"code": code, "metric": metric_id, "figures": figures, "title": f"{m.name} · 近{months}个月",
            "chart": C.packed(option)}
    return part


def _last(trend: dict, n: int) -> dict:
    out = dict(trend)
    for k in ("months", "values", "status"):
        out[k] = trend[k][-n:]
    nl = [m for m, s in zip(out["months"], out["status"]) if s == "not_live"]
    out["not_live_until"] = nl[-1] if nl else None
    return out
