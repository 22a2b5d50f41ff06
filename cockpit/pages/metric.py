"""指标 `/metric/<id>`: the 口径 box (formula, kind, direction, maturity, minimum sample), the
trend for the city and chosen units with the national reference (immature months dashed), the
counties compared (ranked only with ranking on, comparable metrics), the map and the per-unit
table. A click on a unit opens it.

URL: `/metric/non_arrest_rate?period=2024&units=140802,140821&against=year` (units: the trend's
extra lines, up to 4; the city is always drawn; against: the change explained in 变动分解 —
`previous` 环比, the default, or `year` 同比, the only one for a year-to-date).

变动分解 (MetricStore.explain_change, cockpit.metrics.decompose): the city's change split into
each unit's contribution — for a rate into the rate and the mix effect — in unit-code order,
with the numerator's and the denominator's own changes; hidden with a note where the change is
not compared (immature, small sample, no value).
"""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components import narrative as N
from cockpit.components.cards import flagged
from cockpit.components.catalog_groups import GROUPS, domain_of
from cockpit.components.county_map import county_links, county_map
from cockpit.components.navigation import nav_graph
from cockpit.components.params import trend_end, PageContext, href, parse_choice, parse_units
from cockpit.components.plain_html import el, link as plain_link
from cockpit.components.pickers import choice_picker, period_picker, unit_options, unit_picker
from cockpit.components.sections import graph, grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, not_found, safe_layout
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.query import OK, STATUS_LABEL


def _title(metric_id=None, **_):
    m = METRIC_BY_ID.get(metric_id or "")
    return f"{m.name} · {TITLE}" if m else f"页面未找到 · {TITLE}"


# warm: the paths the cache warm-up opens (cockpit.warm): every indicator's page
dash.register_page(__name__, path_template="/metric/<metric_id>", name="指标", title=_title, order=3,
                   warm=[f"/metric/{m}" for m in METRIC_BY_ID])

TREND_YEARS = 3
AGAINST = {"previous": "环比（较上期）", "year": "同比（较上年同期）"}


def definition_card(m) -> html.Div:
    platform = PLATFORM_BY_ID[m.platform]
    rows = [("口径", html.Span(m.definition, className="def-text"))]
    if m.is_ratio:
        rows.append(("计算公式", f"{m.formula}（分子、分母分别按单位和月份求和后相除，不对比率求平均）"))
        num = MEASURE_BY_ID[m.numerator]
        den = f"{MEASURE_BY_ID[m.denominator].name}（{MEASURE_BY_ID[m.denominator].unit}）" if m.denominator else \
            "常住人口（2020年第七次人口普查）"
        rows.append(("分子 / 分母", f"{num.name}（{num.unit}） / {den}"))
    else:
        meas = MEASURE_BY_ID[m.numerator]
        agg = {"sum": "期内各月合计", "last": "取期末月（存量）", "cumulative": "截至期末累计"}[meas.time_agg]
        rows.append(("统计方式", f"{meas.name}，{agg}"))
    rows.append(("类型", m.kind_label))
    rows.append(("方向", m.direction_label if m.is_ratio else F.direction_text(m)))
    rows.append(("成熟期", m.maturity_text or "无（数值在统计期结束后即为最终值）"))
    rows.append(("最小样本", m.min_sample_text or "—"))
    rows.append(("比较方式", ("按13个县（市、区）院排名（仅可比、无标注的数值）" if F.ranks_shown(m) else
                          "与全市值、县区中位数和县区四分位范围比较，不排名次") if m.comparable else
                 "与全市值、县区中位数比较，不评优劣" if m.is_ratio else "显示数值和占全市的比例，不排名次、不评优劣"))
    rows.append(("单位", m.unit))
    rows.append(("数据来源", f"{platform.name}（{month_label(platform.launch)}起有数据，此前显示“未上线”）"))
    if m.national:
        rows.append(("全国参考值", F.national_text(m)))
    if m.target is not None:
        rows.append(("目标 / 期限", f"{F.number(m.target, m.decimals)}{m.unit}"))
    items = []
    for k, v in rows:
        items += [html.Dt(k), html.Dd(v)]
    return html.Div(html.Dl(items), className="definition-card", id="metric-definition")


@safe_layout
def layout(metric_id=None, period=None, units=None, against=None, **_other):
    # called without arguments for Dash's validation layout: the full page of a default metric
    m = METRIC_BY_ID.get(metric_id if metric_id is not None else "non_arrest_rate")
    if m is None:
        return not_found(f"没有编号为“{metric_id}”的指标。请从导航栏“指标”菜单或“全部指标及口径”中选择。",
                         "未找到该指标")
    path = f"/metric/{m.id}"
    ctx = PageContext.build(path, {"period": period})
    chosen, notes = parse_units(units, [], max_n=4, what="趋势对比单位", min_n=0)
    ctx.notices += notes
    if chosen:
        ctx.query["units"] = chosen
    default_against = "year" if ctx.period.kind == "ytd" else "previous"
    vs, notes = parse_choice(against, AGAINST, default_against, "对比方式")
    ctx.notices += notes
    if against is not None:
        ctx.query["against"] = vs
    domain = domain_of(m.id)
    subtitle = f"统计期间：{ctx.period.label}"
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        subtitle += f"（数据截至{int(ctx.latest[5:])}月）"
    subtitle += f" · {GROUPS[domain][0]} · {F.direction_text(m)}"
    trend_opts = [o for o in unit_options(True, True) if o["value"] != U.CITY]
    return browser_page(
        definition_card(m),
        placeholder("met-summary", 80),
        panel(f"{m.name} · 月度趋势", graph("met-trend", 340),
              extra=unit_picker("units", chosen, "对比单位", multi=True, options=trend_opts,
                                placeholder="全市之外再选最多4个单位"),
              note=("红色虚线为全国参考值（按年份）；" if m.national else "") +
                   ("绿色虚线为" + ("法定期限" if m.unit == "天" else "目标值") + "；" if m.target is not None else "") +
                   "灰色区域为平台上线前（未上线）；点击图例可隐藏曲线。"),
        html.Div(style={"height": "0.85rem"}),
        grid([
            panel("县区排名" if F.ranks_shown(m) else "县区对比", graph(nav_graph("met-rank"), 440),
                  note="点击柱条进入该院页面；" + ("实线为全市值，虚线为县区中位数，灰色带为县区四分位范围；" if m.is_ratio else
                                               "数量类指标不排名次，柱旁为占全市的比例；") +
                       "空心柱为样本少或核查中的数值。"),
            panel("县区分布", graph(nav_graph("met-map"), 440, geo=True), note="点击县区进入该院页面。"),
        ], "g-2"),
        section("变动分解", placeholder("met-decompose", 200), id="met-decomposition",
                extra=choice_picker("against", "对比", AGAINST, vs)),
        section("各单位明细", placeholder("met-table", 300), id="met-units"),
        dcc.Store(id="met-params", data=ctx.params(metric=m.id, units=chosen, against=vs)),
        ctx=ctx, active="metric", title=m.name, subtitle=subtitle,
        controls=[period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("指标", ctx.link("/metrics")), (m.name, None)],
    )


def _summary_item(label, value, sub=None, tone="flat"):
    return html.Div([html.Div(label, className="summary-label"), html.Div(value, className="summary-value"),
                     html.Div(sub, className=f"summary-sub tone-{tone}") if sub else None], className="summary-item")


@callback(Output("met-summary", "children"), Input("met-params", "data"))
@guarded("children")
@cached_output
def summary(params):
    m = METRIC_BY_ID[params["metric"]]
    store = data.current().store
    f = store.by_unit(m.id, params["period"])
    city = f[f["unit"] == U.CITY].iloc[0]
    counties = f[(f["tier"] == "county") & (f["status"] == OK)]
    items = []
    flag = city["flag"]
    yoy_s, yoy_t = F.change_parts(m, city["yoy_change"], city["yoy_pct"])
    pop_s, pop_t = F.change_parts(m, city["pop_change"], city["pop_pct"])
    if F.is_missing(city["yoy_change"]):
        yoy_t = F.no_change_text(m, flag)
    if F.is_missing(city["pop_change"]):
        pop_t = F.no_change_text(m, flag)
    items.append(_summary_item("全市", F.value_text(m, city["value"], city["status"], flag), f"同比 {yoy_t}",
                               F.tone(m, yoy_s)))
    items.append(_summary_item("环比", pop_t if Period.parse(params["period"]).kind != "ytd" else "—", None,
                               F.tone(m, pop_s)))
    if m.is_ratio:
        items.append(_summary_item("分子 / 分母", f"{F.number(city['numerator'])} / {F.number(city['denominator'])}"
                                   if city["status"] == OK else STATUS_LABEL.get(city["status"], "—")))
    if not counties.empty and m.is_ratio:
        items.append(_summary_item("县区中位数", F.fmt_value(m, city["county_median"])))
        items.append(_summary_item("县区四分位范围", F.spread_text(m, city["county_q1"], city["county_q3"])))
    ranked = counties[[not F.is_missing(r) for r in counties["rank"]]] if not counties.empty else counties
    if F.ranks_shown(m) and not ranked.empty:
        ranked = ranked.assign(_r=ranked["rank"].astype(float)).sort_values(["_r", "unit"])
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        items.append(_summary_item("最好", f"{best['unit_label']} {F.fmt_value(m, best['value'])}", None,
                                   "policy-good" if m.direction == "policy" else "good"))
        items.append(_summary_item("最差", f"{worst['unit_label']} {F.fmt_value(m, worst['value'])}", None,
                                   "policy-bad" if m.direction == "policy" else "bad"))
    if m.national:
        y, v = sorted(m.national.items())[-1]
        items.append(_summary_item(f"全国（{y}年）", f"{F.number(v, m.decimals)}{m.unit}"))
    return html.Div(items, className="summary-strip")


@callback(Output("met-trend", "figure"), Input("met-params", "data"))
@guarded("figure")
@cached_output
def trend(params):
    m = METRIC_BY_ID[params["metric"]]
    store = data.current().store
    end = trend_end(params["period"], store)
    first = store.first_month
    start = f"{int(end[:4]) - TREND_YEARS + 1}-01"
    if first and start < first:
        start = first
    units = [U.CITY] + [u for u in params.get("units") or [] if u != U.CITY]
    series = [(U.label(u), store.series(m.id, u, start, end)) for u in units]
    q = params["query"].get("period")
    hrefs = [None] + [href(f"/county/{u}", {"period": q}) if u in U.UNIT_BY_CODE else None for u in units[1:]]
    return C.trend_figure(m, series, height=340, hrefs=hrefs, annotations=data.annotations(m.id, units))


@callback(Output(nav_graph("met-rank"), "figure"), Output(nav_graph("met-map"), "figure"), Input("met-params", "data"))
@guarded("figure", "figure")
@cached_output
def ranking_and_map(params):
    m = METRIC_BY_ID[params["metric"]]
    store = data.current().store
    frame = store.by_unit(m.id, params["period"])
    q = params["query"].get("period")
    links = county_links(q)
    return C.ranking_figure(m, frame, links, 440), county_map(m, F.shown_frame(m, frame), q, 440,
                                                               with_landmarks=False, links=links)


@callback(Output("met-table", "children"), Input("met-params", "data"))
@guarded("children")
@cached_output
def unit_table(params):
    m = METRIC_BY_ID[params["metric"]]
    store = data.current().store
    frame = store.by_unit(m.id, params["period"])
    q = params["query"].get("period")
    has_pop = Period.parse(params["period"]).kind != "ytd"
    head = [el("Th", "单位"), el("Th", f"{m.name}{F.unit_suffix(m)}", className="num")]
    if m.is_ratio:
        head += [el("Th", MEASURE_BY_ID[m.numerator].name, className="num"),
                 el("Th", MEASURE_BY_ID[m.denominator].name if m.denominator else "常住人口", className="num")]
    ranking = F.ranks_shown(m)
    head += [el("Th", "同比", className="num"), el("Th", "环比", className="num"),
             el("Th", "与全市差" if m.is_ratio else "占全市", className="num")]
    if ranking:
        head.append(el("Th", "排名", className="num"))
    by_unit = {r["unit"]: r for r in frame.to_dict("records")}
    if ranking:
        counties = sorted(U.COUNTY_CODES, key=lambda c: (F.is_missing(by_unit[c]["rank"]), by_unit[c]["rank"] or 99, c))
    else:
        counties = list(U.COUNTY_CODES)   # a fixed order: a table of units, not a league table
    order = [U.CITY] + counties + [U.CITY_OFFICE, U.COUNTIES]
    rows = []
    for u in order:
        r = by_unit[u]
        status, flag = r["status"], r["flag"]
        name = U.label(u)
        cell_name = plain_link(name, href(f"/county/{u}", {"period": q})) if u in U.UNIT_BY_CODE else name
        ys, yt = F.change_parts(m, r["yoy_change"], r["yoy_pct"])
        ps, pt = F.change_parts(m, r["pop_change"], r["pop_pct"])
        if F.is_missing(r["yoy_change"]):
            yt = F.no_change_text(m, flag)
        if F.is_missing(r["pop_change"]):
            pt = F.no_change_text(m, flag)
        if m.is_ratio:
            gap = r["gap_to_city"]
            versus = "—" if status != OK or u == U.CITY else \
                F.no_change_text(m, flag) if flag else F.gap_text(m, gap)   # a flagged value is not compared
            versus_tone = F.gap_tone(m, gap) if u != U.CITY and status == OK and not flag else "flat"
        else:
            versus = "—" if status != OK or u == U.CITY else F.share_text(r["share_of_city"])
            versus_tone = "flat"
        cells = [el("Td", cell_name), el("Td", flagged(m, r["value"], status, flag, unit=False), className="num")]
        if m.is_ratio:
            cells += [el("Td", F.number(r["numerator"]), className="num"),
                      el("Td", F.number(r["denominator"]), className="num")]
        cells += [el("Td", yt, className=f"num tone-{F.tone(m, ys)}"),
                  el("Td", pt if has_pop else "—", className=f"num tone-{F.tone(m, ps) if has_pop else 'flat'}"),
                  el("Td", versus, className=f"num tone-{versus_tone}")]
        if ranking:
            rank = F.shown_rank(m, r["rank"])
            cells.append(el("Td", el("Span", f"{rank}/{int(r['rank_of'])}",
                                     className=f"rank-badge tone-{F.rank_tone(m, rank, r['rank_of'])}")
                            if rank is not None else "—", className="num"))
        cls = "row-city" if u == U.CITY else "row-group" if u in (U.COUNTIES, U.CITY_OFFICE) else None
        rows.append(el("Tr", cells, className=cls, **{"data-unit": u}))
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", rows)],
               className="table table-sm table-hover cockpit-table unit-table", id="met-unit-table")
    return el("Div", table, className="table-scroll")


def decomposition_table(m, frame) -> html.Div:
    dec = N.change_decimals(m)
    change_unit = "个百分点" if m.unit == "%" else m.unit
    head = [el("Th", "单位"), el("Th", f"对比期{F.unit_suffix(m)}", className="num"),
            el("Th", f"本期{F.unit_suffix(m)}", className="num"),
            el("Th", f"贡献（{change_unit}）", className="num")]
    if m.is_ratio:
        head += [el("Th", "比率效应", className="num"), el("Th", "结构效应", className="num"),
                 el("Th", f"分子：{MEASURE_BY_ID[m.numerator].name}", className="num"),
                 el("Th", f"分母：{MEASURE_BY_ID[m.denominator].name}" if m.denominator else "分母：常住人口",
                    className="num")]
    rows = []
    def val(v):
        return F.fmt_value(m, v, unit=False) if not F.is_missing(v) else "—"

    for i, r in enumerate(frame.to_dict("records")):
        total = i == len(frame) - 1
        cells = [el("Td", r["unit_label"]), el("Td", val(r["base_value"]), className="num"),
                 el("Td", val(r["current_value"]), className="num"),
                 el("Td", F.signed(r["contribution"], dec), className="num")]
        if m.is_ratio:
            cells += [el("Td", F.signed(r["rate_effect"], dec), className="num"),
                      el("Td", F.signed(r["mix_effect"], dec), className="num"),
                      el("Td", N.pair_text(r["num_base"], r["num_current"]), className="num"),
                      el("Td", N.pair_text(r["den_base"], r["den_current"]), className="num")]
        rows.append(el("Tr", cells, className="row-city" if total else None, **{"data-unit": r["unit"]}))
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", rows)],
               className="table table-sm cockpit-table decomposition-table", id="met-decomposition-table")
    return el("Div", table, className="table-scroll")


@callback(Output("met-decompose", "children"), Input("met-params", "data"))
@guarded("children")
@cached_output
def decomposition(params):
    m = METRIC_BY_ID[params["metric"]]
    store = data.current().store
    against = params.get("against") or "previous"
    frame = store.explain_change(m.id, params["period"], against)
    if frame.attrs["refused"]:
        return html.Div(f"本期变动不作分解：{frame.attrs['reason']}", className="panel-note decomposition-note",
                        id="met-decomposition-note")
    base_label = N.base_label(frame, Period.parse(params["period"]), against, store.data_month)
    note = N.decomposition_note(m)
    fig = C.contribution_figure(m, frame)
    return html.Div([
        html.P(N.change_sentence(m, frame, against, base_label), className="decomposition-sentence",
               id="met-decomposition-sentence"),
        dcc.Graph(id="met-decomposition-chart", figure=fig, config=C.GRAPH_CONFIG,
                  style={"height": f"{fig['layout']['height']}px"}, className="cockpit-graph"),
        html.Div(note, className="panel-note"),
        decomposition_table(m, frame),
    ])
