"""模型与线索 `/models`: the platform and model registry, the clue funnel per model and the
outcomes of procuratorial suggestions.

URL: `/models?period=2023&unit=CITY` + the records parameters (clue / suggestion / registry lists).
"""
from __future__ import annotations

import dash
import numpy as np
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.cards import card_row, indicator_card
from cockpit.components.memo import cached_output, memoized
from cockpit.components.params import PageContext, href, parse_unit
from cockpit.config import ranking_enabled
from cockpit.components.plain_html import el, link
from cockpit.components.pickers import period_picker, unit_options, unit_picker
from cockpit.components.records_table import parse_state, records_section, records_title
from cockpit.components.sections import graph, grid, panel, placeholder, section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.components.states import guarded, status_figure
from cockpit.metrics import model_worth as W
from cockpit.metrics import records as R
from cockpit.metrics import units as U
from cockpit.metrics.catalog import GROUPS, METRIC_BY_ID
from cockpit.metrics.periods import Period, month_label, month_ordinal
from cockpit.metrics.platforms import PLATFORM_BY_ID

dash.register_page(__name__, path="/models", name="模型与线索", title=f"模型与线索 · {TITLE}", order=20)

# the catalog's models group, in catalog order (cockpit.metrics.catalog)
CARDS = GROUPS["models"]
PRECISION = METRIC_BY_ID[W.PRECISION]
DROP_RATE = METRIC_BY_ID["clue_drop_rate"]
MIN_COMPARED = 3        # a median of fewer models compares a model with itself
RECORD_VIEWS = ("clue", "suggestion", "registry")
LAUNCH = month_label(PLATFORM_BY_ID["models"].launch)


@safe_layout
def layout(period=None, unit=None, **query):
    if period is None:   # a model's worth needs a matured cohort: the 12 months to the data month
        from cockpit.pages.model import default_period
        period = default_period(data.current().store)
    ctx = PageContext.build("/models", {"period": period})
    u, n1 = parse_unit(unit)
    rec_state, n2 = parse_state(query, RECORD_VIEWS, "clue")
    ctx.notices += n1 + n2
    if unit is not None:
        ctx.query["unit"] = u
    subtitle = f"统计期间：{ctx.period.label}"
    if ctx.latest and not ctx.period.is_complete(ctx.latest):
        subtitle += f"（数据截至{int(ctx.latest[5:])}月）"
    subtitle += f" · 单位：{U.label(u)}"
    return browser_page(
        section("数字检察监督成效", placeholder("mod-cards", 140),
                extra=dcc.Link("监督案件来源（依程序移送 · 依申请 · 主动发现）→", href=ctx.link("/cases"),
                               id="mod-cases-link", className="panel-note")),
        grid([
            panel("线索漏斗", graph("mod-funnel", 330),
                  note="按线索发现月份统计：发现 → 已核查 → 核查属实；右侧为属实线索的处理结果。" +
                       METRIC_BY_ID["clue_verification_rate"].maturity_text),
            panel("属实线索处理结果", graph("mod-outcomes", 330)),
        ], "g-2"),
        section("各模型成效对比", placeholder("mod-compare", 300), id="mod-compare-section"),
        grid([
            panel("各模型线索（发现 / 核查 / 属实）", graph("mod-per-model", 560),
                  note="按期内发现线索数排序；期末尚未上线的模型不列出。“属实”为核查属实的线索，其中立为监督案件的才算成案"
                       "（线索成案率 = 成案 ÷ 已核查，见上表）。"),
            panel("检察建议制发与采纳（按模型）", graph("mod-sugg", 560),
                  note="按发出日期统计；回复率按回复期限（发出后2个月）统计，见上方卡片。"),
        ], "g-2"),
        section("平台和模型台账", placeholder("mod-registry", 300), id="mod-registry-section"),
        records_section("/models", ctx.query, u, ctx.period, rec_state, RECORD_VIEWS, title=records_title(u)),
        dcc.Store(id="mod-params", data=ctx.params(unit=u)),
        ctx=ctx, active="models", title="数字检察监督模型与线索", subtitle=subtitle,
        controls=[unit_picker("unit", u, "单位", options=unit_options(True, True)), period_picker(ctx.period, ctx.store)],
        crumbs=[("全市", ctx.link("/")), ("模型与线索", None)],
    )


@memoized
def registry(_snapshot) -> list[dict]:
    page = R.list_records(data.read_engine(), "registry", U.CITY, None, sort="item_id", descending=False, page_size=500)
    return [r._asdict() for r in page.rows.itertuples(index=False)]


@memoized
def _clue_outcomes(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "clue", ["status", "outcome"], list(units), period)


def _live(period: Period) -> bool:
    return period.end_ordinal >= month_ordinal(PLATFORM_BY_ID["models"].launch)


@callback(Output("mod-cards", "children"), Input("mod-params", "data"))
@guarded("children")
@cached_output
def cards(params):
    store = data.current().store
    df = store.query(CARDS, [params["unit"]], params["period"])
    q = params["query"].get("period")
    return card_row([indicator_card(METRIC_BY_ID[r.metric_id], r, href(f"/metric/{r.metric_id}", {"period": q}),
                                    "mod", compact=True) for r in df.itertuples()], "cards-compact")


def _model_values(store, measure, period, unit) -> dict[str, float]:
    df = store.by_model(measure, period, unit)
    return {r.model_id: (r.value or 0.0) for r in df.itertuples()}


@callback(Output("mod-funnel", "figure"), Output("mod-outcomes", "figure"), Output("mod-per-model", "figure"),
          Output("mod-sugg", "figure"), Input("mod-params", "data"))
@guarded("figure", "figure", "figure", "figure")
@cached_output
def charts(params):
    period = Period.parse(params["period"])
    if not _live(period):
        return tuple(status_figure("not_live", LAUNCH, h) for h in (330, 330, 560, 560))
    state = data.current()
    store = state.store
    unit = params["unit"]
    q = store.query(["clues"], [unit], period).iloc[0]
    found = _model_values(store, "clue_found", period, unit)
    verified = _model_values(store, "clue_verified", period, unit)
    subst = _model_values(store, "clue_substantiated", period, unit)
    total = [sum(found.values()), sum(verified.values()), sum(subst.values())]
    if q["status"] != "ok" or total[0] == 0:
        f1 = status_figure("no_data", None, 330)
    else:
        f1 = {"data": [{"type": "funnel", "y": ["发现线索", "已核查", "核查属实"], "x": total,
                        "textinfo": "value+percent initial", "marker": {"color": ["#1f5fae", "#4f86c6", "#2a9d8f"]},
                        "hovertemplate": "%{y}：%{x:,}条<extra></extra>"}],
              "layout": C.base_layout(330, margin={"l": 80, "r": 20, "t": 20, "b": 20})}
        del f1["layout"]["xaxis"]
    oc = _clue_outcomes(state.store.snapshot, (unit,), str(period))
    oc = oc[oc["status"] == "属实"]
    if oc.empty:
        f2 = status_figure("no_data", None, 330)
    else:
        oc = oc.fillna({"outcome": "处理中"}).groupby("outcome")["n"].sum().sort_values(ascending=False)
        f2 = C.bars_figure(list(oc.index), [("线索数", [int(v) for v in oc.values], "#2a9d8f")], 330,
                           horizontal=True, unit="条")
        f2["layout"]["margin"] = {"l": 20, "r": 40, "t": 20, "b": 30}
    reg = {r["item_id"]: r for r in registry(store.snapshot)}
    models = [m for m in found if m in reg and str(reg[m]["launch_date"])[:7] <= period.end]
    models.sort(key=lambda m: (-found.get(m, 0), m))
    labels = [f"{m} {reg[m]['item_name']}" if m in reg else m for m in models]
    if not models or sum(found.get(m, 0) for m in models) == 0:
        f3 = status_figure("no_data", None, 560)
    else:
        f3 = C.bars_figure(labels, [("发现", [found.get(m, 0) for m in models], "#1f5fae"),
                                    ("已核查", [verified.get(m, 0) for m in models], "#7ea6d8"),
                                    ("属实", [subst.get(m, 0) for m in models], "#2a9d8f")],
                           560, horizontal=True, unit="条", text=False)
        f3["layout"]["margin"] = {"l": 20, "r": 20, "t": 30, "b": 30}
        f3["layout"]["yaxis"]["tickfont"] = {"size": 10}
        f3["layout"]["bargap"] = 0.2
    issued = _model_values(store, "sugg_issued", period, unit)
    adopted = _model_values(store, "sugg_adopted", period, unit)
    sm = [m for m in issued if issued.get(m, 0) > 0]
    sm.sort(key=lambda m: (-issued.get(m, 0), m))
    if not sm:
        f4 = status_figure("no_data", None, 560)
    else:
        f4 = C.bars_figure([f"{m} {reg[m]['item_name']}" if m in reg else m for m in sm],
                           [("制发", [issued[m] for m in sm], "#1f5fae"), ("被采纳", [adopted.get(m, 0) for m in sm],
                                                                          "#2a9d8f")], 560, horizontal=True, unit="件")
        f4["layout"]["margin"] = {"l": 20, "r": 30, "t": 30, "b": 30}
        f4["layout"]["yaxis"]["tickfont"] = {"size": 10}
    return f1, f2, f3, f4


@callback(Output("mod-registry", "children"), Input("mod-params", "data"))
@guarded("children")
@cached_output
def registry_table(params):
    store = data.current().store
    period = Period.parse(params["period"])
    unit = params["unit"]
    reg = registry(store.snapshot)
    measures = [("records_collected", "采集数据（条）"), ("clue_found", "发现线索"), ("clue_substantiated", "属实"),
                ("sugg_issued", "检察建议"), ("sugg_adopted", "被采纳")]
    values = {mid: _model_values(store, mid, period, unit) for mid, _ in measures}
    head = [el("Th", h) for h in ("编号", "名称", "类别", "业务领域", "建设单位", "上线日期", "状态")] + \
           [el("Th", label, className="num") for _, label in measures]
    rows = []
    for r in reg:
        launched = str(r["launch_date"])[:7] <= period.end
        is_model = r["category"] == "法律监督模型"
        cells = [el("Td", r["item_id"]), el("Td", r["item_name"]), el("Td", r["category"]), el("Td", r["domain"]),
                 el("Td", U.label(r["unit_code"]) if r["unit_code"] in U.UNIT_BY_CODE else r["unit_code"]),
                 el("Td", str(r["launch_date"])[:10]), el("Td", r["state"] if launched else "未上线")]
        for mid, _ in measures:
            if not is_model:
                cells.append(el("Td", "", className="num"))
            elif not launched:
                cells.append(el("Td", "未上线", className="num status-text"))
            else:
                cells.append(el("Td", F.number(values[mid].get(r["item_id"], 0)), className="num"))
        rows.append(el("Tr", cells, className=None if launched else "row-group"))
    note = html.Div(f"统计期间：{period.label}；单位：{U.label(unit)}。平台的运行数据见各平台页面。", className="panel-note")
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", rows)],
               className="table table-sm table-hover cockpit-table registry-table")
    return html.Div([el("Div", table, className="table-scroll"), note])


@memoized
def _days(_snapshot, unit, period, data_month):
    return W.all_days_to_case(data.read_engine(), [unit], period, data_month)


def _rate_cell(metric, r, compared: bool, median):
    """A model's rate: the value, 核查中 / 样本少, and (compared only) its gap to the median."""
    if r is None or r["flag"] == "immature":
        return [el("Td", metric.immature_label, className="num status-text"), el("Td", "", className="num")]
    if r["status"] != "ok":
        return [el("Td", F.fmt_value(metric, None, r["status"]), className="num status-text"),
                el("Td", "", className="num")]
    text = F.fmt_value(metric, r["value"])
    if r["flag"] == "small":
        return [el("Td", [text, el("Span", "样本少", className="flag-mark flag-small")], className="num"),
                el("Td", "不比较", className="num status-text")]
    gap = F.gap_text(metric, r["value"] - median) if compared and median is not None else ""
    return [el("Td", text, className="num"), el("Td", gap, className="num")]


@callback(Output("mod-compare", "children"), Input("mod-params", "data"))
@guarded("children")
@cached_output
def compare_table(params):
    """The models side by side: counts (never ranked), precision and 不属实率 over the matured
    cohort (样本少 / 核查中 shown and not compared), the median days to case. Model id order;
    ranked by precision only with ranking on."""
    store = data.current().store
    period = Period.parse(params["period"])
    unit = params["unit"]
    reg = registry(store.snapshot)
    counts = {mid: _model_values(store, mid, period, unit) for mid in ("clue_found", "clue_cased", "clue_documented")}
    prec = {r.model_id: r._asdict() for r in store.model_metric(W.PRECISION, period, unit).itertuples()}
    drop = {r.model_id: r._asdict() for r in store.model_metric(DROP_RATE.id, period, unit).itertuples()}
    days = _days(store.snapshot, unit, str(period), store.data_month)
    models = [r for r in reg if r["category"] == "法律监督模型" and str(r["launch_date"])[:7] <= period.end]
    if not models:
        return html.Div("期末尚无上线的监督模型。", className="status-text")

    def ok(row):
        return row is not None and row["status"] == "ok" and not row["flag"]

    median = {}
    for metric, rows in ((PRECISION, prec), (DROP_RATE, drop)):
        vals = [rows[m["item_id"]]["value"] for m in models if ok(rows.get(m["item_id"]))]
        median[metric.id] = float(np.median(vals)) if len(vals) >= MIN_COMPARED else None
    ranked = ranking_enabled() and PRECISION.comparable
    if ranked:
        models.sort(key=lambda m: (-(prec[m["item_id"]]["value"]) if ok(prec.get(m["item_id"])) else 1, m["item_id"]))
    q = params["query"].get("period")
    head = ([el("Th", "排名")] if ranked else []) + [el("Th", "模型")] + \
        [el("Th", h, className="num") for h in ("发现线索（条）", "成案（条）", "监督文书（份）", "精准率", "与中位数比",
                                                "发现到成案（天，中位数）", "不属实率")]
    body = []
    for i, m in enumerate(models, 1):
        mid = m["item_id"]
        p, d = prec.get(mid), drop.get(mid)
        days_text = F.DASH
        if p is not None and p["flag"] == "immature":
            days_text = PRECISION.immature_label
        elif mid in days:
            days_text = F.number(days[mid][0])
        cells = ([el("Td", str(i) if ok(p) else F.DASH, className="num")] if ranked else []) + [
            el("Td", link(f"{mid} {m['item_name']}", href(f"/models/{mid}", {"period": q, "unit": params["query"].get("unit")}))),
            *[el("Td", F.number(counts[c].get(mid, 0)), className="num")
              for c in ("clue_found", "clue_cased", "clue_documented")],
            *_rate_cell(PRECISION, p, ok(p), median[PRECISION.id]),
            el("Td", days_text, className="num"),
            _rate_cell(DROP_RATE, d, False, None)[0],
        ]
        body.append(el("Tr", cells, **{"data-model": mid}))
    table = el("Table", [el("Thead", el("Tr", head)), el("Tbody", body)],
               className="table table-sm table-hover cockpit-table models-compare")
    med = median[PRECISION.id]
    note = (f"统计期间：{period.label}；单位：{U.label(unit)}。精准率 = {PRECISION.formula}；不属实率 = {DROP_RATE.formula}；"
            f"均按线索发现月份统计，{W.immature_text(PRECISION.maturity_months)}"
            f"已核查线索不足{PRECISION.min_sample}条的模型标注“样本少”，不参与比较；近期上线、线索全部在核查中的模型标注“核查中”。"
            + (f"参与比较的模型精准率中位数为{F.fmt_value(PRECISION, med)}。" if med is not None else
               f"参与比较的模型不足{MIN_COMPARED}个，不计算中位数。")
            + ("" if ranked else "按模型编号排列，不排名次；线索、成案、文书数量取决于模型的应用范围，不评优劣。"))
    return html.Div([el("Div", table, className="table-scroll"), html.Div(note, className="panel-note")])
