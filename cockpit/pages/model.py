"""模型 `/models/<model_id>`: what one supervision model is worth (issue 12 item 3).

The registry facts; the funnel 线索 → 已核查 → 成案 → 制发监督文书 → 已整改 (measures by model);
the precision 成案 ÷ 已核查 (`clue_case_rate`, over the matured cohort); the median days from
clue to case and the reasons clues were dropped (`cockpit.metrics.model_worth`); where the
clues stand now; what each unit running it got; clues found per month. Every figure links to
its clues on /clues (`/clues?model=M01&unit=140802&stage=verify&period=2024`) when the user
may see those clues' details; counts are for everyone.

URL: `/models/M01?period=2024-06:r12&unit=CITY` (default period: the 12 months to the data month).
"""
from __future__ import annotations

import dash
from dash import dcc, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.memo import memoized
from cockpit.components.params import PageContext, href, parse_unit
from cockpit.components.pickers import period_picker, unit_options, unit_picker
from cockpit.components.plain_html import el, link
from cockpit.components.sections import grid, panel, section
from cockpit.components.shell import TITLE, browser_page, not_found, safe_layout
from cockpit.metrics import model_worth as W
from cockpit.metrics import records as R
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import Period, month_label
from cockpit.metrics.query import OK


def _title(model_id=None, **_):
    return f"模型 {model_id} · {TITLE}" if model_id else f"模型 · {TITLE}"


dash.register_page(__name__, path_template="/models/<model_id>", name="模型", title=_title, order=21)

PRECISION = METRIC_BY_ID[W.PRECISION]
# the funnel: (measure, label, the clue list's stage filter for "its clues" — None: the cohort)
FUNNEL = (("clue_found", "发现线索"), ("clue_verified", "已核查"), ("clue_cased", "成案"),
          ("clue_documented", "制发监督文书"), ("clue_rectified", "已整改"))
UNIT_MEASURES = (("clue_found", "线索"), ("clue_verified", "已核查"), ("clue_cased", "成案"),
                 ("clue_documented", "监督文书"))


@memoized
def registry(_snapshot) -> dict[str, dict]:
    page = R.list_records(data.read_engine(), "registry", U.CITY, None, sort="item_id", descending=False, page_size=500)
    return {r.item_id: r._asdict() for r in page.rows.itertuples(index=False)}


def models(snapshot) -> dict[str, dict]:
    """The supervision models of the registry (platforms left out), by id."""
    return {k: r for k, r in registry(snapshot).items() if r["category"] == "法律监督模型"}


def running_units(row: dict) -> list[str]:
    """The owner and the units applying a model (unit-code order, known codes only)."""
    text = str(row.get("units_running") or "")
    for sep in (",", "，", ";", "；", " "):
        text = text.replace(sep, "、")
    codes = {c.strip() for c in text.split("、") if c.strip()} | {str(row.get("unit_code") or "")}
    return [c for c in U.UNIT_CODES if c in codes]


def default_period(store) -> str | None:
    """The 12 months up to the data month: long enough for a model's matured cohort."""
    return f"{store.data_month}:r12" if store.data_month else None


def clue_link(model_id: str, unit: str, period: str, stage: str | None = None) -> str | None:
    """The /clues address of a figure's clues, or None when the user may not see every one of
    them (a county user: only its own unit's clues)."""
    from cockpit.auth import context, roles
    wanted = roles.expand_units(unit)
    if not wanted or roles.allowed_record_units(context.current_principal(), unit) != wanted:
        return None
    return href("/clues", {"model": model_id, "unit": unit, "stage": stage, "period": period})


def _count(value, to: str | None, unit: str = "条"):
    text = F.number(value) if value is not None else F.DASH
    if to is None or not value:
        return html.Span(text, className="mw-count")
    return dcc.Link(text, href=to, className="mw-count", title=f"查看这{text}{unit}线索")


@memoized
def _stats(_snapshot, model_id, unit, period, data_month):
    return W.model_stats(data.read_engine(), model_id, [unit], period, data_month)


def _facts(row: dict) -> html.Div:
    owner = row["unit_code"]
    units = running_units(row)
    items = [("编号", row["item_id"]), ("名称", row["item_name"]), ("监督点", row.get("supervision_point") or F.DASH),
             ("业务领域", row["domain"]), ("建设单位", U.label(owner) if owner in U.UNIT_BY_CODE else owner),
             ("上线日期", str(row["launch_date"])[:10]), ("状态", "上架" if row["state"] == "运行中" else row["state"]),
             ("应用单位", "、".join(U.label(u) for u in units) or F.DASH)]
    dl = []
    for k, v in items:
        dl += [html.Dt(k), html.Dd(v)]
    return html.Div(html.Dl(dl), className="definition-card", id="model-facts")


def _funnel(store, model_id, unit, period: Period) -> html.Div:
    values = {mid: store.by_model(mid, period, unit) for mid, _ in FUNNEL}
    rows, first = [], None
    for mid, label in FUNNEL:
        df = values[mid]
        hit = df[df["model_id"] == model_id]
        v = float(hit["value"].iloc[0] or 0) if len(hit) else (0.0 if len(df) and df["status"].iloc[0] == OK else None)
        first = v if first is None else first
        share = F.DASH if not first or v is None else f"{F.number(v / first * 100, 1)}%"
        width = 0 if not first or v is None else max(2.0, v / first * 100)
        rows.append(el("Tr", [el("Th", label, scope="row"),
                              el("Td", _count(v, clue_link(model_id, unit, str(period))), className="num"),
                              el("Td", el("Div", el("Div", None, className="mw-bar", style={"width": f"{width:.1f}%"}),
                                          className="mw-track"), className="mw-bar-cell"),
                              el("Td", share, className="num status-text")], **{"data-measure": mid}))
    table = el("Table", [el("Thead", el("Tr", [el("Th", "环节"), el("Th", "线索（条）", className="num"), el("Th", ""),
                                               el("Th", "占发现线索", className="num")])), el("Tbody", rows)],
               className="table table-sm cockpit-table mw-funnel")
    return html.Div(el("Div", table, className="table-scroll"), id="model-funnel")


def _precision(store, model_id, unit, period: Period, stats) -> html.Div:
    df = store.model_metric(W.PRECISION, period, unit)
    hit = df[df["model_id"] == model_id]
    r = hit.iloc[0] if len(hit) else None
    if r is None or r["flag"] == "immature":
        value, sub = PRECISION.immature_label, "全部线索仍在核查中"
    elif r["status"] != OK:
        value, sub = F.fmt_value(PRECISION, None, r["status"]), ""
    else:
        value = F.fmt_value(PRECISION, r["value"])
        sub = f"成案{F.number(r['numerator'])}条 ÷ 已核查{F.number(r['denominator'])}条"
        if r["flag"] == "small":
            value = [value, html.Span("样本少", className="flag-mark flag-small")]
    window = ""
    if r is not None and r["first_month"]:
        window = f"计入{month_label(r['first_month'])}至{month_label(r['last_month'])}发现的线索。"
    days = F.DASH if stats.median_days is None else f"{F.number(stats.median_days)}天"
    days_sub = f"{F.number(stats.median_n)}条已成案线索的中位数" if stats.median_n else "期内尚无已成案线索"
    tiles = [
        html.Div([html.Div("模型精准率（线索成案率）", className="mw-tile-label"), html.Div(value, className="mw-tile-value",
                                                                          id="model-precision"),
                  html.Div(sub, className="mw-tile-sub")], className="mw-tile"),
        html.Div([html.Div("发现到成案用时", className="mw-tile-label"),
                  html.Div(days, className="mw-tile-value", id="model-median-days"),
                  html.Div(days_sub, className="mw-tile-sub")], className="mw-tile"),
    ]
    note = (f"精准率 = {PRECISION.formula}，按线索发现月统计；用时 = 成案日期 − 发现日期，取中位数。"
            f"{W.immature_text(PRECISION.maturity_months)}{window}"
            f"已核查线索不足{PRECISION.min_sample}条的，标注“样本少”。")
    return html.Div([html.Div(tiles, className="mw-tiles"), html.Div(note, className="panel-note")])


def _reasons(stats) -> html.Div:
    df = stats.drop_reasons
    if df.empty:
        return html.Div("期内没有核查不属实的线索。", className="status-text")
    total = int(df["n"].sum())
    rows = [el("Tr", [el("Td", r.reason), el("Td", F.number(r.n), className="num"),
                      el("Td", f"{F.number(r.n / total * 100, 1)}%", className="num status-text")])
            for r in df.itertuples()]
    return html.Div([el("Div", el("Table", [el("Thead", el("Tr", [el("Th", "不属实原因"), el("Th", "线索（条）", className="num"),
                                                                  el("Th", "占不属实", className="num")])),
                                            el("Tbody", rows)],
                                  className="table table-sm cockpit-table", id="model-reasons"), className="table-scroll"),
                     html.Div(f"共{total}条线索核查不属实（按发现月份统计）。", className="panel-note")])


def _stages(model_id, unit, period: Period, stats) -> html.Div:
    df = stats.stages
    if df.empty:
        return html.Div("期内没有发现线索。", className="status-text")
    p = str(period)
    rows = [el("Tr", [el("Td", r.stage_label),
                      el("Td", _count(r.n, clue_link(model_id, unit, p, r.stage)), className="num"),
                      el("Td", _count(r.overdue, None) if r.stage != W.CLOSED else F.DASH, className="num")])
            for r in df.itertuples()]
    over = stats.open_overdue
    rows.append(el("Tr", [el("Td", "其中：逾期未办结"), el("Td", _count(over, clue_link(model_id, unit, p, "overdue")),
                                                     className="num"), el("Td", "")], className="row-group"))
    return html.Div([el("Div", el("Table", [el("Thead", el("Tr", [el("Th", "当前环节"), el("Th", "线索（条）", className="num"),
                                                                  el("Th", "已逾期", className="num")])),
                                            el("Tbody", rows)],
                                  className="table table-sm cockpit-table", id="model-stages"), className="table-scroll"),
                     html.Div("期内发现的线索截至数据日期所处的环节；期限见线索办理期限规则。", className="panel-note")])


def _units(store, model_id, row, period: Period) -> html.Div:
    df = store.model_by_unit(model_id, [m for m, _ in UNIT_MEASURES], period)
    shown = set(running_units(row)) | {r.unit_code for r in df.itertuples() if (r.clue_found or 0) > 0}
    p = str(period)
    body = []
    for r in df.itertuples():
        if r.unit_code not in shown:
            continue
        to = clue_link(model_id, r.unit_code, p)
        cells = [el("Td", r.unit_label)] + [el("Td", _count(getattr(r, m), to), className="num")
                                            for m, _ in UNIT_MEASURES]
        body.append(el("Tr", cells, **{"data-unit": r.unit_code}))
    head = el("Tr", [el("Th", "单位")] + [el("Th", f"{label}（条）", className="num") for _, label in UNIT_MEASURES])
    table = el("Table", [el("Thead", head), el("Tbody", body)], className="table table-sm cockpit-table",
               id="model-units")
    return html.Div([el("Div", table, className="table-scroll"),
                     html.Div("按单位编码排列；各单位的线索数取决于辖区和案件量，不排名次、不评优劣。", className="panel-note")])


def _trend(store, model_id, unit, period: Period) -> html.Div:
    s = store.model_series(model_id, "clue_found", unit, end=min(period.end, store.data_month or period.end))
    s = s[s["value"].notna()]
    row = registry(store.snapshot).get(model_id) or {}
    launch = str(row.get("launch_date") or "")[:7]
    if launch:
        s = s[s["month"] >= launch]
    if s.empty:
        return html.Div("尚无线索数据。", className="status-text")
    fig = C.bars_figure([month_label(m) for m in s["month"]], [("发现线索", [float(v) for v in s["value"]], "#1f5fae")],
                        260, unit="条", text=False)
    return html.Div([dcc.Graph(figure=fig, config={"displayModeBar": False}, id="model-trend",
                               style={"height": "260px"}),
                     html.Div(["按发现月份统计。", _link_or_text("查看期内全部线索", clue_link(model_id, unit, str(period)))],
                              className="panel-note")])


def _link_or_text(text, to):
    return dcc.Link(text, href=to) if to else ""


@safe_layout
def layout(model_id=None, period=None, unit=None, **_query):
    state = data.current()
    known = models(state.store.snapshot)
    if model_id not in known:
        return not_found(f"没有编号为“{model_id or ''}”的法律监督模型。请从“模型与线索”页面的模型列表中选择。",
                         title="未找到该模型")
    row = known[model_id]
    raw = {"period": period if period is not None else default_period(state.store)}
    ctx = PageContext.build(f"/models/{model_id}", raw)
    u, n1 = parse_unit(unit)
    ctx.notices += n1
    if unit is not None:
        ctx.query["unit"] = u
    store, p = ctx.store, ctx.period
    stats = _stats(store.snapshot, model_id, u, str(p), store.data_month)
    subtitle = f"统计期间：{p.label}（按线索发现月份） · 单位：{U.label(u)}"
    return browser_page(
        section("模型概况", _facts(row)),
        grid([panel("线索漏斗", _funnel(store, model_id, u, p),
                    note="同一批线索（按发现月份）走到各环节的条数；点击数字查看线索。"),
              panel("精准率和成案用时", _precision(store, model_id, u, p, stats))], "g-2", "mw-grid"),
        grid([panel("核查不属实的原因", _reasons(stats)),
              panel("线索所处环节", _stages(model_id, u, p, stats))], "g-2", "mw-grid"),
        grid([panel("应用单位及成效", _units(store, model_id, row, p)),
              panel("每月发现线索（上线以来）", _trend(store, model_id, u, p))], "g-2", "mw-grid"),
        ctx=ctx, active="models", title=f"{row['item_name']}", subtitle=subtitle,
        controls=[unit_picker("unit", u, "单位", options=unit_options(True, True)), period_picker(p, store)],
        crumbs=[("全市", ctx.link("/")), ("模型与线索", ctx.link("/models")), (model_id, None)],
    )
