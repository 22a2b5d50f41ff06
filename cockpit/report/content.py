"""The monthly pack's content (研判会商材料, PRACTICE §7): a `blocks.Document` built from the
metric layer only (what it reads: `context.Context`; its sentences: `sentences`) — MetricStore (values, 同比/环比, the county median and spread,
explain_change), alerts, annotations, quality, ledger and the model figures. Every number in a
sentence or a cell comes from those calls and is formatted by cockpit.components.formatting
(through cockpit.components.narrative where the pages write the same sentence), so the pack
says what the pages say.

What the pack obeys, from each metric's declaration (cockpit.metrics.catalog):
- a value flagged immature (核查中 / 办理中) or small (样本少) is shown with its mark and never
  compared; a month before the metric's platform went live is 未上线, never 0;
- counts, stocks and cumulative figures are said to grow or shrink, with no 优劣 word, and are
  compared with the city by their share of it, never by a gap or a median;
- a unit is compared with the city, the county median and spread, and its own trend — no rank,
  whatever COCKPIT_RANKING says (a meeting document is the place PRACTICE §1 says ranks left);
- no personal data: counts and rates only (no names, ID numbers or clue summaries).

City pack: cover and 说明, then the chapters numbered in order — 总体态势 (core indicators,
the written analysis, trends), 变动分解, 预警清单, 分平台指标, 数字检察监督模型, 线索与检察建议,
大事记 — 附录一 数据质量 and 附录二 one page per county. County pack: the same for one unit
(no 变动分解, no county pages), compared with the city and the median.
"""
from __future__ import annotations

from typing import Callable

from cockpit.components import formatting as F
from cockpit.components import narrative as N
from cockpit.metrics import alerts as A
from cockpit.metrics import ledger as L
from cockpit.metrics import quality as Q
from cockpit.metrics import units as U
from cockpit.metrics.annotations import applicable
from cockpit.metrics.catalog import CORE_METRICS, GROUPS, METRIC_BY_ID, METRICS, Metric
from cockpit.metrics.contracts import SOURCES
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.model_worth import PRECISION, immature_text
from cockpit.metrics.periods import Period, month_label, month_ordinal
from cockpit.metrics.platforms import PLATFORMS
from cockpit.metrics.records import group_counts, list_records
from cockpit.report import charts as C
from cockpit.report.blocks import Cover, Document, Figure, Heading, PageBreak, Paragraph, Table
from cockpit.report.context import TREND_MONTHS, Context
from cockpit.report.sentences import (alerts_sentence, below_median, county_summary, indicator_sentence, median_cell,
                                      national_cell, value_cell)

TITLE = "运城市检察机关业务数据分析研判会商材料"
MAX_ALERTS = 60          # rows of the alert list; the rest are counted
MODEL_PERIOD = "r12"     # the model figures cover the last 12 months (a month is too few clues)
CITY_NAME = "运城市人民检察院（全市两级院）"

NUMERALS = "一二三四五六七八九十"

Progress = Callable[[str], None]


# --------------------------------------------------------------------------- tables

def city_table(ctx: Context, metric_ids) -> Table:
    """The city's indicators: value, 环比, 同比, the national reference, the county median and
    spread (rates only)."""
    rows = []
    for mid in metric_ids:
        m = METRIC_BY_ID[mid]
        r = ctx.row(mid, U.CITY)
        rows.append((m.name, value_cell(m, r), N.change_cell(m, r, "pop")[1], N.change_cell(m, r, "yoy")[1],
                     national_cell(m, ctx.month),
                     median_cell(m, r),
                     F.spread_text(m, r["county_q1"], r["county_q3"]) if m.is_ratio else F.DASH))
    return Table(("指标", "本月", "环比", "同比", "全国参考", "县区中位数", "县区范围（中间一半）"), tuple(rows),
                 numeric=(1, 2, 3, 4, 5, 6), widths=(2.9, 1.7, 2.45, 2.45, 2.5, 1.6, 2.4))


def unit_table(ctx: Context, unit: str, metric_ids) -> Table:
    """One unit's indicators beside the city and the county median: 与全市比较 is a rate's
    gap or a count's share of the city; no rank."""
    rows = []
    for mid in metric_ids:
        m = METRIC_BY_ID[mid]
        r, city = ctx.row(mid, unit), ctx.row(mid, U.CITY)
        rows.append((m.name, value_cell(m, r), value_cell(m, city), median_cell(m, r), N.versus_city(m, r)[0],
                     N.change_cell(m, r, "pop")[1], N.change_cell(m, r, "yoy")[1]))
    return Table(("指标", "本院", "全市", "县区中位数", "与全市比较", "环比", "同比"), tuple(rows),
                 numeric=(1, 2, 3, 4, 5, 6), widths=(2.9, 2.2, 2.2, 1.6, 2.7, 2.7, 2.7))


def metric_table(ctx: Context, metric_ids) -> Table:
    return city_table(ctx, metric_ids) if ctx.unit is None else unit_table(ctx, ctx.unit, metric_ids)


def trend_figure(ctx: Context, unit: str, caption: str, columns: int = 2) -> Figure:
    """The core indicators over the last 24 months: the unit's line and, for a unit, the city's
    on the rates; the annotations that apply drawn on each."""
    start, end = ctx.trend_start(), ctx.month
    panels = []
    for mid in CORE_METRICS:
        m = METRIC_BY_ID[mid]
        series = [("全市" if unit == U.CITY else U.label(unit), ctx.store.series(mid, unit, start, end))]
        if m.is_ratio and unit != U.CITY:
            series.append(("全市", ctx.store.series(mid, U.CITY, start, end)))
        units = [unit] if unit == U.CITY or not m.is_ratio else [unit, U.CITY]
        notes = applicable(ctx.annotations(), mid, units, (start, end))
        panels.append(C.TrendPanel(m, tuple(series), tuple(notes), national=unit == U.CITY))
    if columns > 2:
        return Figure(C.trend_grid(panels, columns, row_cm=4.1), caption)
    return Figure(C.trend_grid(panels), caption)


# --------------------------------------------------------------------------- sections

def cover(ctx: Context) -> list:
    unit_label = CITY_NAME if ctx.unit is None else U.UNIT_BY_CODE[ctx.unit].name
    lines = (f"统计期间：{ctx.period.label}",
             f"数据截至：{ctx.as_of.year}年{ctx.as_of.month}月{ctx.as_of.day}日",
             "数据来源：检察业务应用系统导出及四个综合分析平台、数字检察监督模型台账（数据驾驶舱指标层）",
             f"生成时间：{ctx.generated_at:%Y-%m-%d %H:%M}")
    note = ("说明：比率指标按各单位分子之和 ÷ 分母之和计算（不是比率的平均）。数量类指标（工作量、存量、累计）"
            "只说增减，不评优劣，与全市比较时看占全市的比例。标注“核查中”“办理中”的数值仍在办理期内，"
            "标注“样本少”的分母过小，均照常显示但不作同比、环比和比较；平台上线前的月份显示“未上线”。"
            "本材料将各院与全市、县区中位数和自身趋势比较，不排名"
            + ("；附录二为各县（市、区）院，每院一页" if ctx.unit is None else "") + "。材料只含汇总数和比率，不含个人信息。")
    return [Cover(TITLE, unit_label, ctx.period.label, lines), PageBreak(), Paragraph(note, "note")]


def overview(ctx: Context) -> list:
    """总体态势: the core indicators, the written analysis, the trends."""
    who = ctx.who
    out: list = [Heading("总体态势"), Heading("（一）核心指标", 2), metric_table(ctx, CORE_METRICS)]
    out.append(Heading("（二）分析", 2))
    if ctx.unit is not None and U.UNIT_BY_CODE[ctx.unit].tier == "county":
        below, compared = below_median(ctx, ctx.unit)
        out.append(Paragraph(f"{ctx.who_label}可比的比率指标 {compared} 项中，{len(below)} 项低于县区中位数（按指标方向）"
                             + (f"：{'、'.join(below)}。" if below else "。")
                             + "样本少、核查中的不参与比较。", "lead"))
    for mid in CORE_METRICS:
        out.append(Paragraph(indicator_sentence(ctx, METRIC_BY_ID[mid], who)))
    out.append(Paragraph(alerts_sentence(ctx)))
    out.append(trend_figure(ctx, who, f"图1 核心指标趋势（{ctx.who_label}{'与全市' if ctx.unit else ''}，近{TREND_MONTHS}个月）"
                                      "。虚线空心点为仍在办理期的月份，灰色为平台上线前，竖虚线为大事记。"))
    return out


def decomposition(ctx: Context) -> list:
    """变动分解 (city pack): each core indicator's 同比 and 环比 split into the units'
    contributions (MetricStore.explain_change), as the metric page reads them."""
    out: list = [Heading("变动分解")]
    out.append(Paragraph("各核心指标全市的同比、环比变动分解到各单位：" + N.decomposition_note(METRIC_BY_ID["non_arrest_rate"])
                         + "数量类指标的贡献即各单位自身的增减。", "note"))
    for mid in CORE_METRICS:
        m = METRIC_BY_ID[mid]
        out.append(Heading(m.name, 3))
        shown = None
        for against in ("year", "previous"):
            frame = ctx.store.explain_change(mid, ctx.period, against, U.UNIT_CODES)
            what = "同比" if against == "year" else "环比"
            if frame.attrs["refused"]:
                out.append(Paragraph(f"{what}不作分解：{frame.attrs['reason']}", "note"))
                continue
            label = N.base_label(frame, ctx.period, against, ctx.store.data_month)
            out.append(Paragraph(N.change_sentence(m, frame, against, label)))
            shown = shown or (frame, what)
        if shown is not None:
            frame, what = shown
            out.append(Figure(C.contribution_chart(m, frame, width_cm=12.0),
                              f"{m.name}{what}变动：各单位的贡献（单位按编码排列）", width_cm=12.0))
            out.append(contribution_table(m, frame, what))
    return out


def contribution_table(m: Metric, frame, what: str) -> Table:
    dec = N.change_decimals(m)
    unit = "个百分点" if m.unit == "%" else m.unit
    cols = ["单位", f"对比期{F.unit_suffix(m)}", f"本期{F.unit_suffix(m)}", f"贡献（{unit}）"]
    if m.is_ratio:
        cols += ["比率效应", "结构效应", "分子", "分母"]
    rows = []

    def val(v):
        return F.fmt_value(m, v, unit=False) if not F.is_missing(v) else F.DASH

    for r in frame.to_dict("records"):
        row = [r["unit_label"], val(r["base_value"]), val(r["current_value"]), F.signed(r["contribution"], dec)]
        if m.is_ratio:
            row += [F.signed(r["rate_effect"], dec), F.signed(r["mix_effect"], dec),
                    N.pair_text(r["num_base"], r["num_current"]), N.pair_text(r["den_base"], r["den_current"])]
        rows.append(tuple(row))
    widths = (1.3, 1.4, 1.4, 1.6) + ((1.3, 1.3, 2.7, 2.7) if m.is_ratio else ())
    return Table(tuple(cols), tuple(rows), numeric=tuple(range(1, len(cols))), total_rows=(len(rows) - 1,),
                 widths=widths, small=True, note=f"{what}变动分解（单位按编码排列，不排名）。")


def alert_list(ctx: Context) -> list:
    """预警清单: the month's alerts (alerts.evaluate with the stored thresholds)."""
    alerts = ctx.alerts()
    out: list = [Heading("预警清单")]
    if not alerts:
        out.append(Paragraph(f"{ctx.period.label}没有触发预警或异常波动的指标。", "body"))
        return out
    warnings = sum(1 for a in alerts if a.severity == A.WARNING)
    out.append(Paragraph(f"{ctx.period.label}共 {len(alerts)} 条：预警（指标向不利方向越过目标、阈值或控制限）{warnings} 条，"
                         f"异常波动（政策导向指标或数量类指标超出控制限、阈值，不评优劣）{len(alerts) - warnings} 条。"
                         "仍在办理期（核查中、办理中）和样本少的数值不预警。"))
    rows = tuple((a.severity_label, a.unit_label, a.metric.name, F.fmt_value(a.metric, a.value), a.rule_label, a.reason)
                 for a in alerts[:MAX_ALERTS])
    note = f"另有 {len(alerts) - MAX_ALERTS} 条未列出，见驾驶舱“预警清单”。" if len(alerts) > MAX_ALERTS else ""
    out.append(Table(("类型", "单位", "指标", "本月值", "依据", "原因"), rows, numeric=(3,),
                     widths=(1.2, 1.3, 2.8, 1.5, 1.4, 5.0), small=True, note=note))
    return out


def platforms(ctx: Context) -> list:
    """分平台指标: each data platform's indicators (the model platform has its own section); a platform
    not live in the month says 未上线."""
    out: list = [Heading("分平台指标")]
    for p in PLATFORMS:
        if p.id == "models":
            continue
        ids = [m.id for m in METRICS if m.platform == p.id]
        if not ids:
            continue
        out.append(Heading(f"{p.name}（{month_label(p.launch)}上线）", 2))
        if month_ordinal(ctx.month) < month_ordinal(p.launch):
            out.append(Paragraph(f"{ctx.period.label}该平台尚未上线：其指标为“未上线”，不是0。", "note"))
            continue
        if p.validation and p.validation[0] <= ctx.month <= p.validation[1]:
            out.append(Paragraph(f"{month_label(p.validation[0])}至{month_label(p.validation[1])}为试运行期。", "note"))
        out.append(metric_table(ctx, ids))
    return out


def _model_names(ctx: Context) -> dict[str, str]:
    if ctx.engine is None:
        return {}
    try:
        page = list_records(ctx.engine, "registry", U.CITY, None, sort="item_id", descending=False, page_size=500)
    except Exception:  # noqa: BLE001 - names only; a store without the registry lists ids
        return {}
    return {str(r.item_id): str(r.item_name) for r in page.rows.itertuples(index=False)}


def models(ctx: Context) -> list:
    """数字检察监督模型: the models group's indicators for the month, then each model's clues
    over the last 12 months with its precision (成案 ÷ 核查) over the matured cohort."""
    out: list = [Heading("数字检察监督模型"), metric_table(ctx, GROUPS["models"])]
    period = Period(MODEL_PERIOD, ctx.month)
    prec = ctx.store.model_metric(PRECISION, period, ctx.who)
    found = ctx.store.by_model("clue_found", period, ctx.who)
    if prec.empty and found.empty:
        out.append(Paragraph("所选期间没有模型线索数据。", "note"))
        return out
    names = _model_names(ctx)
    found_of = {r.model_id: r.value for r in found.itertuples()}
    m = METRIC_BY_ID[PRECISION]
    rows = []
    for r in prec.itertuples():
        cell = F.value_text(m, r.value, r.status, r.flag)
        rows.append((f"{r.model_id} {names.get(r.model_id, '')}".strip(), F.number(found_of.get(r.model_id)),
                     F.number(r.denominator), F.number(r.numerator), cell))
    out.append(Heading(f"各模型线索与精准率：{period.label}", 2))
    out.append(Table(("模型", "发现线索", "已核查（成熟批次）", "成案（成熟批次）", "精准率（成案÷核查）"), tuple(rows),
                     numeric=(1, 2, 3, 4), widths=(5.0, 1.6, 2.0, 2.0, 2.2), small=True,
                     note=immature_text() + "精准率按模型比较，不排名；样本少的不作比较。"))
    return out


def ledger(ctx: Context) -> list:
    """线索与检察建议: the clue ledger's counts as of the data date (open, overdue by stage)
    and the 检察建议 outcomes from the metric layer."""
    out: list = [Heading("线索与检察建议")]
    paths = ctx.clue_paths()
    if paths is not None:
        codes = U.members(ctx.who)
        mine = paths[paths["unit_code"].isin(codes)]
        values = L.indicator_values(mine, ctx.period)
        rows = tuple((ind.name, F.number(values[ind.id]) + ind.unit,
                      f"截至{ctx.as_of.isoformat()}" if ind.kind == "stock" else ctx.period.label)
                     for ind in L.LEDGER_INDICATORS)
        out.append(Heading("（一）线索台账", 2))
        out.append(Table(("项目", "数量", "时点或期间"), rows, numeric=(1,), widths=(4.0, 2.0, 3.0)))
        bl = L.backlog(mine)
        if not bl.empty:
            overdue = mine[mine["overdue"] & (mine["stage"] != L.CLOSED)].groupby("stage").size()
            stages = bl.groupby(["stage", "stage_label"], sort=False)["n"].sum()
            cells = bl.groupby(["stage", "bucket"])["n"].sum()
            brows = []
            for (stage, label), n in stages.items():
                counts = cells.loc[stage]
                brows.append((label, *(F.number(int(counts.get(b, 0))) for b in L.AGE_BUCKETS),
                              F.number(int(n)), F.number(int(overdue.get(stage, 0)))))
            out.append(Table(("在办环节", *L.AGE_BUCKETS, "合计", "其中逾期"), tuple(brows),
                             numeric=tuple(range(1, len(L.AGE_BUCKETS) + 3)), small=True,
                             note="账龄：当前环节自开始之日起至数据日期的天数。"))
    out += clue_outcomes(ctx)
    out.append(Heading("（二）检察建议", 2))
    ids = [mid for mid in ("suggestions", "suggestion_reply_rate", "suggestion_adoption_rate", "suggestion_revisit_rate")
           if mid in METRIC_BY_ID]
    out.append(metric_table(ctx, ids))
    return out


def clue_outcomes(ctx: Context) -> list:
    """Where the clues found in the last 12 months went: found, verified, substantiated (the
    declared measures) and the substantiated clues by outcome (as /models counts them)."""
    period = Period(MODEL_PERIOD, ctx.month)
    counts = [(MEASURE_BY_ID[mid].name, ctx.store.measure_total(mid, ctx.who, period.start, period.end))
              for mid in ("clue_found", "clue_verified", "clue_substantiated", "clue_cased")]
    if all(v is None for _, v in counts):
        return []
    rows = [(name, F.number(v) + "条" if v is not None else F.DASH) for name, v in counts]
    if ctx.engine is not None:
        oc = group_counts(ctx.engine, "clue", ["status", "outcome"], [ctx.who], period)
        oc = oc[oc["status"] == "属实"]
        if not oc.empty:
            by = oc.fillna({"outcome": "处理中"}).groupby("outcome")["n"].sum()
            rows += [(f"核查属实：{outcome}", F.number(int(n)) + "条")
                     for outcome, n in sorted(by.items(), key=lambda kv: (-kv[1], kv[0]))]
    return [Heading(f"线索去向：{period.label}发现的线索", 3),
            Table(("项目", "数量"), tuple(rows), numeric=(1,), widths=(6.0, 2.0),
                  note="近3个月发现的线索多数仍在核查中，数量还会增加。数量不评优劣。")]


def events(ctx: Context) -> list:
    """大事记: the annotations of the trends' months that apply to the unit."""
    start = ctx.trend_start()
    units = None if ctx.unit is None else [ctx.unit]
    items = applicable(ctx.annotations(), None, units, (start, ctx.month))
    out: list = [Heading("大事记")]
    if not items:
        out.append(Paragraph(f"{month_label(start)}至{ctx.period.label}没有记录的大事。", "note"))
        return out
    rows = tuple((a.when, a.kind_label, a.label(), a.scope, a.detail) for a in items)
    out.append(Table(("时间", "类型", "事件", "适用范围", "说明"), rows, widths=(2.2, 1.3, 2.6, 3.4, 4.5), small=True,
                     note=f"{month_label(start)}至{ctx.period.label}；趋势图上以竖虚线标出。"))
    return out


def data_quality(ctx: Context) -> list:
    """附录：数据质量 — what each unit submitted for the month, the error rates and the main
    reasons rows were quarantined (reasons without the values they quote)."""
    out: list = [PageBreak(), Heading("附录一：数据质量")]
    if ctx.engine is None:
        out.append(Paragraph("没有数据库连接，无法列出报送情况。", "note"))
        return out
    units = list(U.UNIT_CODES) if ctx.unit is None else [ctx.unit]
    subs = Q.submissions(ctx.engine, [ctx.month], units)
    got = {(r.unit_code, r.source): int(r.rows_loaded) for r in subs.itertuples()}
    sources = [s for s in SOURCES]
    rows = []
    for u in units:
        cells = [U.label(u)]
        for s in sources:
            if not Q.live(s.id, ctx.month):
                cells.append("未上线")
            elif (u, s.id) in got:
                cells.append(F.number(got[(u, s.id)]))
            else:
                cells.append("未报送")
        rows.append(tuple(cells))
    out.append(Heading(f"（一）报送进度（{ctx.period.label}，入库行数）", 2))
    out.append(Table(("单位", *(s.name for s in sources)), tuple(rows), numeric=tuple(range(1, len(sources) + 1)),
                     small=True, note="“未报送”：该月没有该数据源的文件；“未上线”：平台上线之前。数量不评优劣。"))
    er = Q.error_rates(ctx.engine, units, [ctx.month])
    by = {r.unit_code: r for r in er.itertuples()}
    erows = []
    for u in units:
        r = by.get(u)
        if r is None or not r.rows_read:
            erows.append((U.label(u), F.DASH, F.DASH, F.DASH))
        else:
            erows.append((U.label(u), F.number(int(r.rows_read)), F.number(int(r.rows_rejected)),
                          F.pct_text(100 * r.rate, 1)))
    out.append(Heading("（二）数据差错率（退回行数 ÷ 读取行数）", 2))
    out.append(Table(("单位", "读取行数", "退回行数", "差错率"), tuple(erows), numeric=(1, 2, 3), widths=(2, 2, 2, 2)))
    rej = Q.rejections(ctx.engine, units, [ctx.month], top=3)
    out.append(Heading("（三）主要退回原因", 2))
    if rej.empty:
        out.append(Paragraph("该月没有退回（隔离）的数据行。", "note"))
    else:
        rrows = tuple((U.label(r.unit_code) if r.unit_code in U.UNIT_BY_CODE else Q.UNKNOWN_LABEL,
                       F.number(int(r.total)), r.reason, F.number(int(r.rows))) for r in rej.itertuples())
        out.append(Table(("单位", "退回行数", "原因（同类合并，不含具体数值）", "行数"), rrows, numeric=(1, 3),
                         widths=(1.6, 1.4, 7.5, 1.2), small=True))
    stale = Q.stale_sources(ctx.engine, ctx.generated_at.date(), ctx.store.data_month)
    if not stale.empty:
        text = "；".join(f"{r.name}（最新 {month_label(r.newest_month) if isinstance(r.newest_month, str) else '无'}）"
                        for r in stale.itertuples())
        out.append(Paragraph(f"数据滞后的来源：{text}。", "note"))
    return out


def county_page(ctx: Context, code: str) -> list:
    """One county's page in the city pack: against the city, the median and its own trend."""
    unit = U.UNIT_BY_CODE[code]
    below, compared = below_median(ctx, code)
    head = f"常住人口 {unit.population:.2f} 万。" if unit.population else ""
    return [PageBreak(), Heading(f"{unit.name}", 2),
            Paragraph(head + f"可比的比率指标 {compared} 项中，{len(below)} 项低于县区中位数（按指标方向）"
                      + (f"：{'、'.join(below)}。" if below else "。") + "样本少、核查中的不参与比较。", "lead"),
            unit_table(ctx, code, CORE_METRICS),
            Paragraph(county_summary(ctx, code)),
            trend_figure(ctx, code, f"{unit.short}核心指标趋势（与全市，近{TREND_MONTHS}个月；竖虚线为大事记）", columns=3)]


def sections(ctx: Context) -> list[tuple[str, Callable[[Context], list]]]:
    """The sections of the pack before the county pages, in order: (what, builder)."""
    out = [("封面", cover), ("总体态势", overview)]
    if ctx.unit is None:
        out.append(("变动分解", decomposition))
    out += [("预警清单", alert_list), ("分平台指标", platforms), ("数字检察监督模型", models),
            ("线索与检察建议", ledger), ("大事记", events), ("数据质量", data_quality)]
    return out


def county_codes(ctx: Context) -> tuple[str, ...]:
    """The county pages of a city pack (none in a county pack)."""
    return U.COUNTY_CODES if ctx.unit is None else ()


def build_document(ctx: Context, progress: Progress | None = None) -> Document:
    """The whole pack as a Document; `progress(what)` after each section and county page."""
    who = "全市" if ctx.unit is None else U.UNIT_BY_CODE[ctx.unit].short
    doc = Document(f"{TITLE}（{ctx.period.label} · {who}）", f"{ctx.period.label} · {who}", ctx.month,
                   ctx.generated_at)
    number = 0
    for what, build in sections(ctx):
        blocks = build(ctx)
        for i, b in enumerate(blocks):     # the chapters are numbered in order: 一、二、…
            if isinstance(b, Heading) and b.level == 1 and not b.text.startswith("附录"):
                blocks[i] = Heading(f"{NUMERALS[number]}、{b.text}", 1)
                number += 1
        doc.add(*blocks)
        if progress:
            progress(what)
    codes = county_codes(ctx)
    if codes:
        doc.add(PageBreak(), Heading("附录二：各县（市、区）院"))   # one page each (说明 says how they compare)
        for i, code in enumerate(codes):
            blocks = county_page(ctx, code)
            doc.add(*(blocks[1:] if i == 0 else blocks))   # the first page follows the heading
            if progress:
                progress(U.label(code))
    return doc
