"""县区 `/county/<code>`: one office's indicators beside the city, the county median and the
spread, its own trend, and the records behind the numbers; its rank among the 13 counties only
when ranking is on (cockpit.config.ranking_enabled) and only for comparable, unflagged values.

URL: `/county/140802?period=2024Q2` + the records section's parameters (`rec`, `measure`, `page`,
`sort`, `desc`, `q`, `f_<col>`; see cockpit.components.records_table). `/county/140800` is the
city office (市院本级): shown beside the city, not ranked among the counties.
"""
from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import formatting as F
from cockpit.components import narrative as N
from cockpit.components.cached_queries import by_unit_rows
from cockpit.components.catalog_groups import DOMAINS, GROUPS
from cockpit.components.params import PageContext, href
from cockpit.components.plain_html import el, link as plain_link
from cockpit.components.pickers import county_switcher, period_picker
from cockpit.components.cards import flagged
from cockpit.components.records_table import drill_link, parse_state, records_section, records_title, visible_scope
from cockpit.config import ranking_enabled
from cockpit.components.sections import core_trends, placeholder, section
from cockpit.components.shell import TITLE, browser_page, not_found, safe_layout
from cockpit.components.memo import cached_output
from cockpit.components.states import guarded
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import Period
from cockpit.metrics.query import OK


def _title(code=None, **_):
    u = U.UNIT_BY_CODE.get(code or "")
    return f"{u.short} · {TITLE}" if u else f"页面未找到 · {TITLE}"


# warm: the paths the cache warm-up opens (cockpit.warm): every unit's page
dash.register_page(__name__, path_template="/county/<code>", name="县区", title=_title, order=2,
                   warm=[f"/county/{u.code}" for u in U.UNITS])

RECORD_VIEWS = ("clue", "suggestion", "warning", "arrest")
TREND_MONTHS = 24


@safe_layout
def layout(code=None, period=None, **query):
    # Dash builds its validation layout by calling layout() without arguments: give it the
    # full page (a real request always has a code).
    unit = U.UNIT_BY_CODE.get(code if code is not None else U.COUNTY_CODES[0])
    if unit is None:
        return not_found(f"没有编码为“{code}”的检察院。运城市两级检察院的编码为 140800（市院本级）及 13 个县（市、区）院编码，"
                         "请从导航栏“县区”菜单选择。", "未找到该检察院")
    path = f"/county/{unit.code}"
    ctx = PageContext.build(path, {"period": period})
    rec_state, notes = parse_state(query, RECORD_VIEWS, "clue")
    ctx.notices += notes
    subtitle = [f"统计期间：{ctx.period.label}"]
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        subtitle.append(f"（数据截至{int(ctx.latest[5:])}月）")
    if unit.population:
        subtitle.append(f" · 常住人口 {unit.population:.2f} 万")
    if unit.tier == "city":
        subtitle.append(" · 市院本级不与县区比较")
    note = ("排名为13个县（市、区）院中的位次，按指标方向排列（1 = 最好），只排可比的比率指标；" if ranking_enabled() else
            "本院与全市、县区中位数比较；数量类指标（工作量、存量、累计）显示占全市的比例，不评优劣；")
    return browser_page(
        placeholder("cty-summary", 40),
        section("指标一览", placeholder("cty-table", 400),
                extra=html.Span(note + "“样本少”“核查中”的数值不参与比较；“明细”列出计入该数的记录。",
                                className="panel-note"), id="cty-indicators"),
        section(f"核心指标趋势（{unit.short}与全市，近24个月）", placeholder("cty-trends", 300)),
        records_section(path, ctx.query, unit.code, ctx.period, rec_state, RECORD_VIEWS,
                        title=records_title(unit.code)),
        dcc.Store(id="cty-params", data=ctx.params(code=unit.code, drill=may_drill(unit.code))),
        ctx=ctx, active="county", title=unit.name, subtitle="".join(subtitle),
        controls=[county_switcher(unit.code), period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), (unit.short, None)],
    )


def _rank_badge(metric, rank, of):
    rank = F.shown_rank(metric, rank)
    if rank is None:
        return el("Span", "—", className="rank-badge")
    return el("Span", f"{rank}/{int(of)}", className=f"rank-badge tone-{F.rank_tone(metric, rank, of)}")


def indicator_rows(code: str, period: str, period_q: str | None, drills: bool = True):
    """(table rows, summary) of every indicator for one unit — from the metric layer.

    The summary counts only comparable metrics with an unflagged value: with ranking off the
    metrics below the county median (in the metric's direction), with ranking on those in the
    first and the last three (`F.in_top_three` / `F.in_bottom_three`, as the pills say)."""
    frames = by_unit_rows(period)
    ranking = ranking_enabled()
    rows, top, bottom, ranked, below, compared = [], [], [], 0, [], 0
    path = f"/county/{code}"
    for d in DOMAINS:
        rows.append(el("Tr", el("Td", GROUPS[d][0], colSpan=8 if ranking else 7), className="group-row"))
        for mid in GROUPS[d][1]:
            m = METRIC_BY_ID[mid]
            r = frames[mid][code]
            city = frames[mid][U.CITY]
            status = r["status"]
            link = href(f"/metric/{mid}", {"period": period_q, "units": code})
            yoy_signed, yoy_text = N.change_cell(m, r, "yoy")
            versus, versus_tone = N.versus_city(m, r)
            rank, of = F.shown_rank(m, r["rank"]), r["rank_of"]
            if rank is not None:
                ranked += 1
                if F.in_top_three(rank, of):
                    top.append(m.short)
                if F.in_bottom_three(rank, of):
                    bottom.append(m.short)
            median = r["county_median"]
            usable = m.comparable and status == OK and not r["flag"] and not F.is_missing(median)
            if usable and U.UNIT_BY_CODE[code].tier == "county":
                compared += 1
                if F.below_median(m, r["value"], median):
                    below.append(m.short)
            drill = drill_link(path, period_q, m.numerator, Period.parse(period).end) if drills else None
            cells = [
                el("Td", plain_link(m.name, link, title=m.definition)),
                el("Td", flagged(m, r["value"], status, r["flag"]), className="num"),
                el("Td", flagged(m, city["value"], city["status"], city["flag"]), className="num"),
                el("Td", F.fmt_value(m, median) if not F.is_missing(median) else "—", className="num"),
                el("Td", versus, className=f"num tone-{versus_tone}"),
            ]
            if ranking:
                cells.append(el("Td", _rank_badge(m, r["rank"], of), className="num"))
            cells += [
                el("Td", yoy_text, className=f"num tone-{F.tone(m, yoy_signed)}"),
                el("Td", plain_link("明细", drill) if drill and status == OK else "", className="num"),
            ]
            rows.append(el("Tr", cells, **{"data-metric": mid, "data-kind": m.kind}))
    return rows, {"top": top, "bottom": bottom, "ranked": ranked, "below": below, "compared": compared}


def may_drill(code: str) -> bool:
    """Whether the signed-in user may open this unit's records (a county user: its own only)."""
    return bool(visible_scope(code))


@callback(Output("cty-table", "children"), Output("cty-summary", "children"), Input("cty-params", "data"))
@guarded("children", "")
@cached_output
def indicator_table(params):
    code = params["code"]
    ranking = ranking_enabled()
    # the 明细 links: only to records the user may open (decided per request in the layout)
    rows, counts = indicator_rows(code, params["period"], params["query"].get("period"), params.get("drill", True))
    heads = [el("Th", "指标"), el("Th", "本院", className="num"), el("Th", "全市", className="num"),
             el("Th", "县区中位数", className="num"),
             el("Th", "与全市比较", className="num", title="比率：与全市之差；数量：占全市的比例")]
    if ranking:
        heads.append(el("Th", "排名", className="num"))
    heads += [el("Th", "同比", className="num"), el("Th", "", className="num")]
    head = el("Thead", el("Tr", heads))
    table = el("Table", [head, el("Tbody", rows)], className="table table-sm table-hover cockpit-table county-table",
               id="cty-indicator-table")
    if U.UNIT_BY_CODE[code].tier != "county":
        summary = html.Div("市院本级办理重大案件和上诉、抗诉案件，案件结构与基层院不同，不与县区比较。",
                           className="county-head-stats")
    elif ranking:
        parts = ["比率指标中 ", html.B(len(counts["top"])), " 项位列全市前三",
                 f"（{'、'.join(counts['top'])}）" if counts["top"] else "", "，",
                 html.B(len(counts["bottom"])), " 项位列后三",
                 f"（{'、'.join(counts['bottom'])}）" if counts["bottom"] else "",
                 "（共 ", html.B(counts["ranked"]), " 项参与排名；样本少、核查中的不参与）"]
        summary = html.Div(html.Span(parts), className="county-head-stats")
    else:
        below = counts["below"]
        parts = [html.B(len(below)), " 项低于县区中位数（按指标方向）",
                 f"：{'、'.join(below)}" if below else "",
                 "（共 ", html.B(counts["compared"]), " 项可比的比率指标；样本少、核查中的不参与比较）"]
        summary = html.Div(html.Span(parts, className="below-median-summary"), className="county-head-stats")
    return el("Div", table, className="table-scroll"), summary


@callback(Output("cty-trends", "children"), Input("cty-params", "data"))
@guarded("children")
@cached_output
def trends(params):
    return core_trends(data.current().store, params["code"], params["period"], params["query"].get("period"),
                       TREND_MONTHS)
