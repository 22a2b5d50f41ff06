"""县区对比 `/compare`: the units × indicators matrix, two to four units side by side, the
references a county is compared with (city, county median, spread), and the export of this
view. With ranking on (cockpit.config.ranking_enabled) the matrix is coloured by each county's
standing on the comparable metrics, a radar and the ranking table appear, and `sort` orders the
counties by rank.

URL: `/compare?period=2024Q2&group=core&units=140802,140821,CITY&sort=<metric id>`
    group  the indicator set (cockpit.components.catalog_groups.GROUPS)
    units  the 2–4 units compared side by side (CITY allowed)
    sort   order the counties by their rank on one indicator of the set
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html, no_update

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components import compare_view as V
from cockpit.components.cached_queries import by_unit_rows
from cockpit.components.catalog_groups import GROUP_LABELS, GROUPS
from cockpit.components.params import PageContext, href, parse_choice, parse_units
from cockpit.components.plain_html import el, link as plain_link
from cockpit.components.pickers import choice_picker, period_picker, unit_options, unit_picker
from cockpit.components.sections import graph, grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import Period
from cockpit import exports
from cockpit.config import ranking_enabled

dash.register_page(__name__, path="/compare", name="县区对比", title=f"县区对比 · {TITLE}", order=5)

DEFAULT_UNITS = [U.CITY, "140802", "140821"]


@safe_layout
def layout(period=None, group=None, units=None, sort=None, **_other):
    ctx = PageContext.build("/compare", {"period": period})
    grp, n1 = parse_choice(group, GROUP_LABELS, "core", "指标组")
    chosen, n2 = parse_units(units, DEFAULT_UNITS, min_n=2, max_n=4)
    ctx.notices += n1 + n2
    rankable = [m for m in GROUPS[grp][1] if F.ranks_shown(METRIC_BY_ID[m])]
    srt = sort if sort in rankable else None
    if sort and srt is None:
        ctx.notices.append(V_notice(sort))
    if group is not None:
        ctx.query["group"] = grp
    if units is not None:
        ctx.query["units"] = chosen
    if srt:
        ctx.query["sort"] = srt
    subtitle = f"统计期间：{V.period_label(ctx.period, ctx.latest)} · 指标组：{GROUP_LABELS[grp]}"
    ranking = ranking_enabled()
    legend = [
        html.Span([html.Span(className="sw", style={"background": "#d7efdd"}), "位次靠前"]),
        html.Span([html.Span(className="sw", style={"background": "#f5d3d3"}), "位次靠后"]),
        html.Span([html.Span(className="sw", style={"background": "#d6e6f8"}), "政策导向指标位次靠前"]),
        html.Span([html.Span(className="sw", style={"background": "#f6e0bd"}), "政策导向指标位次靠后"]),
        html.Span("点击比率指标名按该指标排序；点击单位进入该院页面。"),
    ] if ranking else [
        html.Span("县区按单位编码排列，不排名次、不评优劣；比率指标与全市、县区中位数和四分位范围比较（见下表），"
                  "数量类指标不作比较。“样本少”“核查中”的数值不参与比较。点击单位进入该院页面。"),
    ]
    side_panels = [panel("分指标对比", placeholder("cmp-bars", 400))]
    if ranking:
        side_panels.insert(0, panel("综合位次（雷达图）", graph("cmp-radar", 400),
                                    note="各指标按13个县区的最好值（100）至最差值（0）换算，方向已统一：越靠外越好。"))
    else:
        side_panels.insert(0, html.Div(graph("cmp-radar", 10), hidden=True))
    return browser_page(
        section("指标矩阵", html.Div([
            html.Div(legend, className="matrix-legend"),
            placeholder("cmp-matrix", 420),
        ]), id="cmp-matrix-section", extra=html.Div([
            dbc.Button("导出 Excel", id="cmp-export-xlsx", size="sm", color="primary"),
            dbc.Button("导出 CSV", id="cmp-export-csv", size="sm", color="secondary", outline=True),
            dcc.Download(id="cmp-download"),
        ], className="export-buttons")),
        section("单位并列对比", html.Div([
            html.Div(unit_picker("units", chosen, "对比单位（2—4个）", multi=True, options=unit_options(True, True)),
                     className="cmp-units"),
            grid(side_panels, "g-5-7" if ranking else "g-1"),
        ])),
        section("县区排名表" if ranking else "比较基准", placeholder("cmp-ranking", 300),
                extra=html.Span("1 = 最好（按指标方向）；平均名次仅供参考，各指标权重相同。" if ranking else
                                "比率指标的全市值、县区中位数和县区四分位范围（中间一半县区的取值范围）。",
                                className="panel-note")),
        dcc.Store(id="cmp-params", data=ctx.params(group=grp, units=chosen, sort=srt)),
        ctx=ctx, active="compare", title="县区对比", subtitle=subtitle,
        controls=[choice_picker("group", "指标组", GROUP_LABELS, grp), period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("县区对比", None)],
    )


def V_notice(sort):
    from cockpit.components.params import Notice
    if not ranking_enabled():
        return Notice("县区按单位编码排列，不按指标排名次（排名功能未启用）。")
    return Notice(f"无法按“{sort}”排序（不是当前指标组中参与排名的比率指标），已按单位顺序排列。")


def _view(params) -> V.CompareView:
    store = data.current().store
    return V.build(Period.parse(params["period"]), params["group"], store.data_month, params.get("sort"))


def matrix_table(view: V.CompareView, params) -> dict:
    q = params["query"]
    heads = [el("Th", "单位")]
    for mid in view.metrics:
        m = METRIC_BY_ID[mid]
        if mid in view.rank_metrics:
            link = href("/compare", {**q, "sort": None if view.sort == mid else mid})
            arrow = " ▾" if view.sort == mid else ""
            name = plain_link(m.name + arrow, link, title=f"{m.definition}（点击按此指标排序）")
        else:
            name = el("Span", m.name, title=m.definition)
        heads.append(el("Th", [name, el("Div", f"（{m.unit}）", className="status-text")],
                        className="metric-col", title=f"{m.kind_label} · {F.direction_text(m)}", **{"data-kind": m.kind}))
    body = []
    for row in view.rows:
        name = (plain_link(row.label, href(f"/county/{row.unit}", {"period": q.get("period")}))
                if row.unit in U.UNIT_BY_CODE else row.label)
        cells = [el("Td", name, className="unit-cell")]
        for cell in row.cells:
            # a flagged value: the number, its mark drawn beside it (CSS, like the XLSX's number format)
            text = cell.text if not cell.mark else cell.text[: -len(cell.mark) - 2]
            cells.append(el("Td", text, className="cell" + ("" if cell.value is not None else " status-text") +
                            (f" flagged flag-{cell.flag}" if cell.mark else ""),
                            **({"data-flag": cell.mark} if cell.mark else {}),
                            style={"background": cell.color} if cell.color else None,
                            title=f"第{cell.rank}名/{cell.of}" if cell.rank else None))
        cls = {"city": "row-city", "group": "row-group", "office": "row-group"}.get(row.kind)
        body.append(el("Tr", cells, className=cls, **{"data-unit": row.unit}))
    table = el("Table", [el("Thead", el("Tr", heads)), el("Tbody", body)],
               className="table table-sm table-hover table-bordered cockpit-table matrix-table", id="cmp-matrix-table")
    return el("Div", table, className="table-scroll")


@callback(Output("cmp-matrix", "children"), Input("cmp-params", "data"))
@guarded("children")
@cached_output
def matrix(params):
    return matrix_table(_view(params), params)


@callback(Output("cmp-ranking", "children"), Input("cmp-params", "data"))
@guarded("children")
@cached_output
def ranking(params):
    view = _view(params)
    if not view.ranking_on:
        return references_table(view)
    if not view.rank_metrics:
        return html.Div("该指标组没有参与排名的比率指标。", className="panel-note")
    q = params["query"]
    head = [el("Th", "名次"), el("Th", "单位")] + [el("Th", METRIC_BY_ID[m].name, className="num")
                                               for m in view.rank_metrics] + [el("Th", "平均名次", className="num")]
    body = []
    for i, r in enumerate(view.ranking, start=1):
        cells = [el("Td", i), el("Td", plain_link(r.label, href(f"/county/{r.unit}", {"period": q.get("period")})))]
        for mid, rank in zip(view.rank_metrics, r.ranks):
            m = METRIC_BY_ID[mid]
            of = int(by_unit_rows(params["period"], [mid])[mid][U.CITY]["rank_of"] or 13)
            cells.append(el("Td", el("Span", str(rank), className=f"rank-badge tone-{F.rank_tone(m, rank, of)}")
                            if rank is not None else "—", className="num"))
        cells.append(el("Td", F.number(r.mean_rank, 1), className="num"))
        body.append(el("Tr", cells))
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", body)],
               className="table table-sm table-hover cockpit-table ranking-table", id="cmp-ranking-table")
    return el("Div", table, className="table-scroll")


def references_table(view: V.CompareView):
    """Ranking off: what a county is compared with — each rate's city value, county median and
    spread (q1–q3)."""
    if not view.references:
        return html.Div("该指标组没有比率指标；数量类指标只显示数值和占全市的比例，不作比较。", className="panel-note")
    head = [el("Th", h, className=None if i == 0 else "num")
            for i, h in enumerate(("指标", "全市", "县区中位数", "县区四分位范围"))]
    body = [el("Tr", [el("Td", name)] + [el("Td", v, className="num") for v in (city, med, spread)])
            for name, city, med, spread in view.references]
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", body)],
               className="table table-sm cockpit-table reference-table", id="cmp-reference-table")
    return el("Div", table, className="table-scroll")


@callback(Output("cmp-radar", "figure"), Output("cmp-bars", "children"), Input("cmp-params", "data"))
@guarded("figure", "children")
@cached_output
def side_by_side(params):
    metrics = list(GROUPS[params["group"]][1])
    frames = by_unit_rows(params["period"], metrics)
    units = params["units"]
    radar_metrics = [m for m in metrics if F.ranks_shown(METRIC_BY_ID[m])]
    series = []
    for u in units:
        vals = []
        for mid in radar_metrics:
            f = frames[mid]
            county_vals = [float(r["value"]) for r in f.values()
                           if r["tier"] == "county" and r["status"] == "ok" and not r["flag"]]
            r = f[u]
            vals.append(C.standing_score(METRIC_BY_ID[mid], r["value"] if r["status"] == "ok" and not r["flag"]
                                         else None, county_vals))
        series.append((U.label(u), vals))
    radar = C.radar_figure([METRIC_BY_ID[m].name for m in radar_metrics], series, 400) if radar_metrics else \
        C.empty_figure("该指标组没有参与排名的比率指标" if ranking_enabled() else "排名功能未启用", height=400)
    panels = []
    labels = [U.label(u) for u in units]
    for mid in metrics:
        m = METRIC_BY_ID[mid]
        f = frames[mid]
        vals = [f[u] for u in units]
        values = [r["value"] if r["status"] == "ok" else None for r in vals]
        colors = [C.PALETTE[i % len(C.PALETTE)] if not r["flag"] else "rgba(255,255,255,0)"
                  for i, r in enumerate(vals)]
        lines = [C.PALETTE[i % len(C.PALETTE)] for i in range(len(units))]
        if all(v is None for v in values):
            statuses = {r["status"] for r in vals}
            from cockpit.components.states import status_figure
            fig = status_figure("not_live" if statuses == {"not_live"} else "no_data", None, 150)
        else:
            fig = {"data": [{"type": "bar", "x": [C.plot_text(x) for x in labels], "y": values,
                             "marker": {"color": colors, "line": {"color": lines, "width": 1.5}},
                             "text": [F.value_text(m, r["value"], r["status"], r["flag"], unit=False)
                                      if v is not None else "" for v, r in zip(values, vals)],
                             "textposition": "outside", "cliponaxis": False,
                             "hovertemplate": f"%{{x}}：%{{y:,.{m.decimals}f}}{m.unit}<extra></extra>"}],
                   "layout": C.base_layout(150, showlegend=False, margin={"l": 36, "r": 8, "t": 12, "b": 24},
                                           bargap=0.35)}
            med = f[U.CITY]["county_median"]
            if not F.is_missing(med):
                fig["layout"]["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": med, "y1": med,
                                            "line": {"color": C.MEDIAN_COLOR, "dash": "dot", "width": 1}}]
            fig["layout"]["yaxis"].update({"rangemode": "tozero", "showticklabels": False})
            fig["layout"]["xaxis"].update({"tickfont": {"size": 10}})
        panels.append(html.Div([html.Div(f"{m.name}（{m.unit}）" + ("" if m.is_ratio else f" · {m.kind_label}"),
                                         className="panel-title mini"),
                                dcc.Graph(figure=fig, config=C.GRAPH_CONFIG, style={"height": "150px"})],
                               className="mini-bar"))
    return radar, html.Div([grid(panels, "g-3"),
                            html.Div("虚线为县区中位数（比率指标）；空心柱为样本少或核查中的数值，不参与比较。",
                                     className="panel-note")])


@callback(Output("cmp-download", "data"), Input("cmp-export-xlsx", "n_clicks"), Input("cmp-export-csv", "n_clicks"),
          State("cmp-params", "data"), prevent_initial_call=True)
@guarded(no_update)
def export(_x, _c, params):
    from cockpit.auth import audit, current_principal
    view = _view(params)
    stem = exports.file_stem(view)
    kind = "csv" if dash.ctx.triggered_id == "cmp-export-csv" else "xlsx"
    principal = current_principal()
    if principal is not None and getattr(principal, "kind", "open") != "open":   # signed in: who took what
        audit.record("export", {"page": "/compare", "format": kind, "period": str(view.period), "group": view.group,
                                "rows": len(view.rows)}, subject=f"{stem}.{kind}", actor=principal)
    if kind == "csv":
        return dcc.send_bytes(exports.to_csv(view), f"{stem}.csv")
    return dcc.send_bytes(exports.to_xlsx(view), f"{stem}.xlsx")
