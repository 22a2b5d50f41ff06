"""The common frame of the platform pages (/platform/arrest, /noncustody, /plea, /juvenile):
platform banner, indicator cards, monthly trends, the counties compared on one of the
platform's rates (ranked only with ranking on), a per-unit table of the platform's rates,
page-specific sections and the records list (titled with what the user may see). The metric
lists come from the catalog's group (`PlatformSpec.group`).

A page module declares a `PlatformSpec`, calls `register(spec)` once (its callbacks, with ids
prefixed by `spec.prefix`) and returns `platform_layout(spec, ...)` from its `layout`.

URL: `?period=…&unit=<code|CITY|COUNTIES>&rank=<metric id>` + the records parameters.
Before the platform's launch every block says 未上线 instead of drawing empty axes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.cards import card_row, flagged, indicator_card
from cockpit.components.cached_queries import by_unit_rows
from cockpit.components.county_map import county_links
from cockpit.components.navigation import nav_graph
from cockpit.components.params import trend_end, PageContext, href, parse_metric, parse_unit
from cockpit.components.plain_html import el, link as plain_link
from cockpit.components.pickers import metric_picker, period_picker, unit_options, unit_picker
from cockpit.components.records_table import parse_state, records_section, records_title
from cockpit.components.sections import graph, grid, panel, placeholder, section
from cockpit.components.shell import browser_page
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded, not_live_block
from cockpit.metrics import units as U
from cockpit.config import ranking_enabled
from cockpit.metrics.catalog import GROUPS, METRIC_BY_ID
from cockpit.metrics.periods import Period, add_months, month_label, month_ordinal
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.query import OK

TREND_MONTHS = 24
TREND_PANELS = 4


@dataclass(frozen=True)
class PlatformSpec:
    """A platform page. Its metric lists are not typed here: they are the catalog's group
    (`Metric.group`, in catalog order `Metric.order`), so an indicator declared in the group —
    also one declared outside the catalog file (COCKPIT_EXTRA_METRICS) — appears on its page."""
    prefix: str                       # id prefix, e.g. "pa"
    path: str                         # /platform/arrest
    title: str                        # page title
    platform: str                     # cockpit.metrics.platforms id
    group: str                        # cockpit.metrics.catalog GROUP_LABEL key
    description: str
    record_views: tuple[str, ...]
    default_view: str
    features: tuple[str, ...] = field(default=())

    def id(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @property
    def cards(self) -> tuple[str, ...]:
        """Every metric of the group, in catalog order."""
        return GROUPS[self.group]

    @property
    def trends(self) -> tuple[str, ...]:
        """The group's first four metrics (catalog order)."""
        return GROUPS[self.group][:TREND_PANELS]

    @property
    def ranks(self) -> tuple[str, ...]:
        """The metrics the county comparison can show: the group's rates (first = default)."""
        return tuple(m for m in GROUPS[self.group] if METRIC_BY_ID[m].is_ratio)

    @property
    def table(self) -> tuple[str, ...]:
        """The per-unit table's metrics: the group's rates."""
        return self.ranks


def live(spec: PlatformSpec, period: Period) -> bool:
    """Does the period reach the platform's launch month?"""
    return period.end_ordinal >= month_ordinal(PLATFORM_BY_ID[spec.platform].launch)


def platform_layout(spec: PlatformSpec, extra_sections: list, period=None, unit=None, rank=None, query=None):
    query = query or {}
    ctx = PageContext.build(spec.path, {"period": period})
    u, n1 = parse_unit(unit)
    rk, n2 = parse_metric(rank, spec.ranks[0], spec.ranks, "排名指标" if ranking_enabled() else "对比指标")
    rec_state, n3 = parse_state(query, spec.record_views, spec.default_view)
    ctx.notices += n1 + n2 + n3
    if unit is not None:
        ctx.query["unit"] = u
    if rank is not None:
        ctx.query["rank"] = rk
    p = PLATFORM_BY_ID[spec.platform]
    subtitle = f"统计期间：{ctx.period.label}"
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        subtitle += f"（数据截至{int(ctx.latest[5:])}月）"
    subtitle += f" · 单位：{U.label(u)}"
    banner = html.Div([
        html.Div([html.B(p.name), html.Span(f"  {month_label(p.launch)}上线")]),
        html.Div(spec.description, className="panel-note"),
    ], className="definition-card platform-banner")
    rank_opts = [{"label": METRIC_BY_ID[m].name, "value": m} for m in spec.ranks]
    record_units = u
    return browser_page(
        banner,
        section("主要指标", placeholder(spec.id("cards"), 140)),
        section("月度趋势（近24个月）", placeholder(spec.id("trends"), 260)),
        grid([
            panel("县区排名" if F.ranks_shown(METRIC_BY_ID[rk]) else "县区对比", graph(nav_graph(spec.id("rank")), 430),
                  extra=metric_picker("rank", "", rk, rank_opts),
                  note=("按指标方向排列（1 = 最好）；" if F.ranks_shown(METRIC_BY_ID[rk]) else
                        "县区按单位编码排列，不排名次；") +
                       "实线为全市值，虚线为县区中位数，灰色带为县区四分位范围；空心柱为样本少或核查中的数值；"
                       "点击柱条进入该院页面。"),
            panel("各单位一览", placeholder(spec.id("table"), 400)),
        ], "g-5-7"),
        *extra_sections,
        records_section(spec.path, ctx.query, record_units, ctx.period, rec_state, spec.record_views,
                        title=records_title(u)),
        dcc.Store(id=spec.id("params"), data=ctx.params(unit=u, rank=rk)),
        ctx=ctx, active="platform", title=spec.title, subtitle=subtitle,
        controls=[unit_picker("unit", u, "单位", options=unit_options(True, True)), period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("平台", None), (spec.title, None)],
    )


# prefix → name → the callback functions of a platform page's common blocks (for tests and tools)
CALLBACKS: dict[str, dict] = {}


def register(spec: PlatformSpec) -> None:
    """The callbacks of a platform page's common blocks (also kept in `CALLBACKS[spec.prefix]`)."""
    launch_label = month_label(PLATFORM_BY_ID[spec.platform].launch)

    @callback(Output(spec.id("cards"), "children"), Input(spec.id("params"), "data"))
    @guarded("children")
    @cached_output
    def cards(params):
        store = data.current().store
        df = store.query(spec.cards, [params["unit"]], params["period"])
        q = params["query"].get("period")
        units = params["unit"] if params["unit"] != U.CITY else None
        return card_row([indicator_card(METRIC_BY_ID[r.metric_id], r,
                                        href(f"/metric/{r.metric_id}", {"period": q, "units": units}), spec.prefix)
                         for r in df.itertuples()])

    @callback(Output(spec.id("trends"), "children"), Input(spec.id("params"), "data"))
    @guarded("children")
    @cached_output
    def trends(params):
        store = data.current().store
        end = trend_end(params["period"], store)
        start = add_months(end, 1 - TREND_MONTHS)
        unit = params["unit"]
        panels = []
        q = params["query"].get("period")
        for mid in spec.trends:
            m = METRIC_BY_ID[mid]
            series = [(U.label(unit), store.series(mid, unit, start, end))]
            if unit != U.CITY and m.is_ratio:
                series.append(("全市", store.series(mid, U.CITY, start, end)))
            fig = C.trend_figure(m, series, height=230, compact=True,
                                 annotations=data.annotations(mid, [unit, U.CITY] if len(series) > 1 else unit))
            panels.append(panel(dcc.Link(m.name, href=href(f"/metric/{mid}", {"period": q})),
                                dcc.Graph(figure=fig, config=C.GRAPH_CONFIG, style={"height": "230px"}),
                                class_name="mini-panel"))
        return grid(panels, "g-4" if len(panels) >= 4 else "g-3")

    @callback(Output(nav_graph(spec.id("rank")), "figure"), Input(spec.id("params"), "data"))
    @guarded("figure")
    @cached_output
    def ranking(params):
        store = data.current().store
        m = METRIC_BY_ID[params["rank"]]
        frame = store.by_unit(m.id, params["period"])
        return C.ranking_figure(m, frame, county_links(params["query"].get("period")), 430)

    @callback(Output(spec.id("table"), "children"), Input(spec.id("params"), "data"))
    @guarded("children")
    @cached_output
    def table(params):
        frames = by_unit_rows(params["period"], spec.table)
        if all({r["status"] for r in frames[m].values()} == {"not_live"} for m in spec.table):
            return not_live_block(launch_label)
        q = params["query"].get("period")
        head = [el("Th", "单位")] + [el("Th", [METRIC_BY_ID[m].name, el("Div", f"（{METRIC_BY_ID[m].unit}）",
                                                                        className="status-text")], className="num")
                                     for m in spec.table]
        rows = []
        for u in (U.CITY,) + U.COUNTY_CODES + (U.CITY_OFFICE,):
            cells = [el("Td", plain_link(U.label(u), href(f"/county/{u}", {"period": q}))
                        if u in U.UNIT_BY_CODE else U.label(u))]
            for mid in spec.table:
                m = METRIC_BY_ID[mid]
                r = frames[mid][u]
                rank = F.shown_rank(m, r["rank"])
                color = F.standing_color(m, rank, r["rank_of"]) if U.UNIT_BY_CODE.get(u) and \
                    U.UNIT_BY_CODE[u].tier == "county" and rank is not None else None
                cells.append(el("Td", flagged(m, r["value"], r["status"], r["flag"], unit=False), className="num",
                                style={"background": color} if color else None))
            cls = "row-city" if u == U.CITY else "row-group" if u == U.CITY_OFFICE else ""
            if u == params["unit"]:
                cls += " row-self"
            rows.append(el("Tr", cells, className=cls.strip() or None))
        return el("Div", el("Table", [el("Thead", el("Tr", head)), el("Tbody", rows)],
                            className="table table-sm table-hover cockpit-table"), className="table-scroll")

    CALLBACKS[spec.prefix] = {"cards": cards, "trends": trends, "ranking": ranking, "table": table}


def status_of(store, metric_id: str, unit: str, period: str) -> str:
    return store.query([metric_id], [unit], period)["status"].iloc[0]


def is_ok(store, metric_id: str, unit: str, period: str) -> bool:
    return status_of(store, metric_id, unit, period) == OK
