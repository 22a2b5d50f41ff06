"""总览 `/`: the city at a glance — core indicator cards, the 预警清单 (the month's alerts,
cockpit.components.alerts_panel), the county map with landmarks, the counties compared on
the map's indicator (against the city, the median and the spread; a ranking only when
ranking is on), the digital-supervision figures and the core indicators as small multiples. Administrators also get a notice of the stale data
sources (cockpit.components.data_quality), linking to /data-quality.

URL: `?period=2024-05` (any period form), `&map=<metric id>` (the map's indicator; ratios).
"""
from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.alerts_panel import alerts_panel
from cockpit.components.cards import card_row, indicator_card
from cockpit.components.catalog_groups import RATIO_METRICS
from cockpit.components.county_map import county_links, county_map
from cockpit.components.data_quality import admin_stale_notice
from cockpit.components.navigation import nav_graph
from cockpit.components.params import PageContext, href, parse_metric
from cockpit.components.pickers import metric_picker, period_picker
from cockpit.components.sections import core_trends, graph, grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded
from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, GROUPS, METRIC_BY_ID

dash.register_page(__name__, path="/", name="总览", title=TITLE, order=0)

DEFAULT_MAP_METRIC = "non_arrest_rate"
# the digital-supervision figures: the counts of the catalog's models group, in catalog order
DIGITAL = tuple(m for m in GROUPS["models"] if not METRIC_BY_ID[m].is_ratio)
TREND_MONTHS = 24


@safe_layout
def layout(period=None, map=None, **_other):
    ctx = PageContext.build("/", {"period": period})
    map_metric, notes = parse_metric(map, DEFAULT_MAP_METRIC, RATIO_METRICS, "地图指标")
    ctx.notices += notes
    if map is not None:
        ctx.query["map"] = map_metric
    map_options = [{"label": METRIC_BY_ID[m].name, "value": m} for m in RATIO_METRICS]
    controls = [period_picker(ctx.period, ctx.store)]
    ranked = F.ranks_shown(METRIC_BY_ID[map_metric])     # ranking on and a comparable metric
    return browser_page(
        html.Div(id="home-stale"),
        section("核心指标", placeholder("home-cards", 150), id="home-core"),
        grid([
            panel("县区分布", graph(nav_graph("home-map"), 460, geo=True),
                  extra=metric_picker("map", "", map_metric, map_options),
                  note=("颜色按指标方向着色（绿色较好、红色较差；政策导向指标为蓝色）；" if ranked else
                        "颜色深浅表示数值大小，不评优劣；") + "点击县区进入该院页面。★ 为标志性地标。"),
            panel("县区排名" if ranked else "县区对比", graph(nav_graph("home-rank"), 460),
                  note=("按指标方向排列，1 = 最好；" if ranked else "县区按单位编码排列；") +
                       "竖线为全市值（实线）和县区中位数（虚线），灰色带为县区四分位范围（中间一半县区）；"
                       "空心柱为样本少或核查中的数值，不参与比较；点击柱条进入该院页面。"),
        ], "g-7-5"),
        # below the map: a leader's first screen is the city and its counties
        section("预警清单", placeholder("home-alerts", 80), id="home-alerts-section"),
        section("数字检察", placeholder("home-digital", 110), id="home-digital-section"),
        section("核心指标趋势（全市，近24个月）", placeholder("home-multiples", 300), id="home-trends"),
        html.Div(id="home-params-holder", children=_params_store(ctx, map_metric)),
        ctx=ctx, active="overview", title="全市总览", subtitle=_subtitle(ctx), controls=controls,
        crumbs=[("全市", None)],
    )


def _subtitle(ctx: PageContext) -> str:
    text = f"统计期间：{ctx.period.label}"
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        text += f"（数据截至{int(ctx.latest[5:])}月）"
    return text


def _params_store(ctx: PageContext, map_metric: str):
    from dash import dcc
    return dcc.Store(id="home-params", data=ctx.params(map=map_metric))


@callback(Output("home-cards", "children"), Input("home-params", "data"))
@guarded("children")
@cached_output
def core_cards(params):
    store = data.current().store
    period = params["period"]
    df = store.query(CORE_METRICS, [U.CITY], period)
    q = params["query"].get("period")
    cards = [indicator_card(METRIC_BY_ID[r.metric_id], r, href(f"/metric/{r.metric_id}", {"period": q}), "home")
             for r in df.itertuples()]
    return card_row(cards, "cards-core")


@callback(Output("home-alerts", "children"), Input("home-params", "data"))
@guarded("children")
def alerts_list(params):
    """Not cached with the snapshot: the thresholds change without a new load. They come from
    the store provider (re-read every few seconds, as for the wall), not a query per request;
    the panel memoizes the evaluation per thresholds itself."""
    state = data.current()
    return alerts_panel(state.store, state.thresholds, params["period"])


@callback(Output("home-stale", "children"), Input("home-params", "data"))
@guarded("children")
def stale_sources(params):
    """Administrators only (the layout is shared by every role: decided here, per request)."""
    from cockpit.auth.context import current_principal
    return admin_stale_notice(current_principal(), data.read_engine(), data.current().store.data_month)


@callback(Output("home-digital", "children"), Input("home-params", "data"))
@guarded("children")
@cached_output
def digital_cards(params):
    store = data.current().store
    df = store.query(DIGITAL, [U.CITY], params["period"])
    q = params["query"].get("period")
    cards = [indicator_card(METRIC_BY_ID[r.metric_id], r, href(f"/metric/{r.metric_id}", {"period": q}), "homed",
                            compact=True)
             for r in df.itertuples()]
    return card_row(cards, "cards-compact")


@callback(Output(nav_graph("home-map"), "figure"), Output(nav_graph("home-rank"), "figure"), Input("home-params", "data"))
@guarded("figure", "figure")
@cached_output
def map_and_ranking(params):
    store = data.current().store
    metric = METRIC_BY_ID[params["map"]]
    frame = store.by_unit(metric.id, params["period"])
    q = params["query"].get("period")
    links = county_links(q)
    return county_map(metric, F.shown_frame(metric, frame), q, 460, links=links), \
        C.ranking_figure(metric, frame, links, 460)


@callback(Output("home-multiples", "children"), Input("home-params", "data"))
@guarded("children")
@cached_output
def multiples(params):
    return core_trends(data.current().store, U.CITY, params["period"], params["query"].get("period"), TREND_MONTHS)
