"""The pack's sentences and cells: every number from the metric layer (the by_unit rows of the
month, explain_change, the alerts), formatted by cockpit.components.formatting and, where the
pages write the same words, cockpit.components.narrative. No rank and no 优劣 word for a count:
counts grow or shrink; a unit is set against the city, the county median and spread, and its
own 同比."""
from __future__ import annotations

from cockpit.components import formatting as F
from cockpit.components import narrative as N
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID, METRICS, Metric
from cockpit.metrics.query import OK
from cockpit.report.context import Context


def value_cell(m: Metric, r) -> str:
    """``46.5%``, ``33.3%（样本少）``, ``未上线`` — the value as the pages show it."""
    return F.value_text(m, r["value"], r["status"], r["flag"])


def national_cell(m: Metric, month: str) -> str:
    """The latest national reference published by the month's year: ``43.4%（2022年）``."""
    years = [y for y in m.national if y <= int(month[:4])]
    if not years:
        return F.DASH
    y = max(years)
    return f"{F.number(m.national[y], m.decimals)}{m.unit}（{y}年）"


def median_cell(m: Metric, r) -> str:
    if not m.is_ratio or F.is_missing(r["county_median"]):
        return F.DASH
    return F.fmt_value(m, r["county_median"])


def change_phrase(m: Metric, change, pct) -> str:
    """上升 2.3 个百分点 (a rate); 增加 5.2% / 减少 3人 (a count: relative when its base allows)."""
    if m.is_ratio or F.is_missing(pct):
        return N.moved_text(m, change)
    r = round(float(pct), 1)
    if r == 0:
        return "持平"
    return f"{'增加' if r > 0 else '减少'} {F.number(abs(r), 1)}%"


def _not_compared(m: Metric, r, what: str) -> str:
    mark = F.flag_text(m, r["flag"])
    if mark:
        return f"{mark}，不作{what}"
    return f"无可比数值，不作{what}"


def contributors_phrase(m: Metric, frame) -> str:
    """主要来自盐湖区（+1.2）、临猗县（+0.6）: the units of an explain_change frame whose
    contributions go the way of the total, the largest in size first (named, not ranked)."""
    total = float(frame.iloc[-1]["contribution"])
    dec = N.change_decimals(m)
    if round(total, dec) == 0:
        return ""
    same = [r for r in N.largest_contributors(m, frame, 3) if (float(r["contribution"]) > 0) == (total > 0)][:2]
    if not same:
        return ""
    unit = "个百分点" if m.unit == "%" else m.unit
    parts = [f"{r['unit_label']}（{F.signed(r['contribution'], dec)}{unit}）" for r in same]
    return "，主要来自" + "、".join(parts)


def indicator_sentence(ctx: Context, m: Metric, unit: str) -> str:
    """不捕率 46.5%，同比上升 2.3 个百分点，主要来自盐湖区（+1.2个百分点）；环比下降 0.4 个百分点。
    全国（2022年）43.4%。 — for the city; for a unit, beside the city and the county median."""
    r = ctx.row(m.id, unit)
    if r["status"] != OK:
        return f"{m.name}：{value_cell(m, r)}。"
    text = f"{m.name} {value_cell(m, r)}"
    if F.is_missing(r["yoy_change"]):
        text += f"，{_not_compared(m, r, '同比')}"
    else:
        text += f"，同比{change_phrase(m, r['yoy_change'], r['yoy_pct'])}"
        if unit == U.CITY:
            frame = ctx.store.explain_change(m.id, ctx.period, "year", U.UNIT_CODES)
            if not frame.attrs["refused"]:
                text += contributors_phrase(m, frame)
    if not F.is_missing(r["pop_change"]):
        text += f"；环比{change_phrase(m, r['pop_change'], r['pop_pct'])}"
    text += "。"
    if unit == U.CITY:
        if m.is_ratio and m.national:
            nat = national_cell(m, ctx.month)
            if nat != F.DASH:
                text += f"全国参考值 {nat}。"
        if m.is_ratio and not F.is_missing(r["county_median"]):
            text += (f"县区中位数 {F.fmt_value(m, r['county_median'])}，"
                     f"中间一半县区在 {F.spread_text(m, r['county_q1'], r['county_q3'])} 之间")
            text += outside_spread(ctx, m) + "。"
        elif not m.is_ratio:
            text += "数量类指标，只说增减，不评优劣。"
    else:
        city = ctx.row(m.id, U.CITY)
        text += f"全市 {value_cell(m, city)}"
        if m.is_ratio:
            if not F.is_missing(r["county_median"]) and U.UNIT_BY_CODE[unit].tier == "county":
                text += f"，县区中位数 {F.fmt_value(m, r['county_median'])}"
            if r["flag"]:                  # shown, not compared
                text += f"，本院数值{F.flag_text(m, r['flag'])}，不与全市比较"
            else:
                text += f"，与全市相差 {N.versus_city(m, r)[0]}"
        else:
            text += f"，本院{N.versus_city(m, r)[0]}"
        text += "。"
    return text


def alerts_sentence(ctx: Context) -> str:
    """本月预警 3 条（不捕率、…），异常波动 2 条，详见“预警清单”。 — the indicators named once each,
    in the order the list gives them (most serious first)."""
    alerts = ctx.alerts()
    if not alerts:
        return f"{ctx.period.label}{'全市及各院' if ctx.unit is None else ctx.who_label}没有触发预警或异常波动的指标。"
    parts = []
    for severity in (A.WARNING, A.FLUCTUATION):
        these = [a for a in alerts if a.severity == severity]
        if these:
            names = list(dict.fromkeys(a.metric.short for a in these))
            shown = "、".join(names[:5]) + ("等" if len(names) > 5 else "")
            parts.append(f"{A.SEVERITY_LABEL[severity]} {len(these)} 条（{shown}）")
    who = "全市及各院共有" if ctx.unit is None else f"{ctx.who_label}有"
    return f"{ctx.period.label}{who}{'，'.join(parts)}，详见“预警清单”。"


def outside_spread(ctx: Context, m: Metric) -> str:
    """；高于该范围的有 A、B，低于的有 C — the counties outside the county spread (q1–q3) at the
    displayed precision, in unit-code order; flagged values are left out (not compared)."""
    r = ctx.row(m.id, U.CITY)
    q1, q3 = F.rounded(m, r["county_q1"]), F.rounded(m, r["county_q3"])
    if q1 is None or q3 is None:
        return ""
    above, below = [], []
    for code in U.COUNTY_CODES:
        u = ctx.row(m.id, code)
        v = F.rounded(m, u["value"])
        if u["status"] != OK or u["flag"] or v is None:
            continue
        if v > q3:
            above.append(U.label(code))
        elif v < q1:
            below.append(U.label(code))
    parts = []
    if above:
        parts.append(f"高于该范围的有{'、'.join(above)}")
    if below:
        parts.append(f"低于该范围的有{'、'.join(below)}")
    return "；" + "，".join(parts) if parts else ""


def below_median(ctx: Context, unit: str) -> tuple[list[str], int]:
    """(the comparable indicators whose unflagged value is worse than the county median, how many
    were compared) — the county page's summary, without ranks."""
    below, compared = [], 0
    for m in METRICS:
        if not m.comparable:
            continue
        r = ctx.row(m.id, unit)
        if r["status"] != OK or r["flag"] or F.is_missing(r["county_median"]):
            continue
        compared += 1
        if F.below_median(m, r["value"], r["county_median"]):
            below.append(m.short)
    return below, compared


def county_summary(ctx: Context, code: str) -> str:
    """The county page's written lines: its core rates outside the county spread (the two
    ends, PRACTICE §7) and its own 同比 — every figure from the by_unit rows."""
    above, below, up, down = [], [], [], []
    for mid in CORE_METRICS:
        m = METRIC_BY_ID[mid]
        r, city = ctx.row(mid, code), ctx.row(mid, U.CITY)
        if r["status"] != OK:
            continue
        if m.is_ratio and not r["flag"]:
            v, q1, q3 = (F.rounded(m, x) for x in (r["value"], city["county_q1"], city["county_q3"]))
            if None not in (v, q1, q3):
                (above if v > q3 else below if v < q1 else []).append(f"{m.name}（{value_cell(m, r)}）")
        if not F.is_missing(r["yoy_change"]):
            signed, text = F.change_parts(m, r["yoy_change"], r["yoy_pct"])
            if signed:
                (up if signed > 0 else down).append(f"{m.name}（{text}）")
    parts = []
    if above or below:
        parts.append("与县区比较：" + "；".join(
            x for x in (f"高于县区四分位范围的有{'、'.join(above)}" if above else "",
                        f"低于县区四分位范围的有{'、'.join(below)}" if below else "") if x) + "。")
    else:
        parts.append("与县区比较：核心比率指标均在县区四分位范围之内（或不参与比较）。")
    trend = [x for x in (f"上升（增加）的有{'、'.join(up)}" if up else "",
                         f"下降（减少）的有{'、'.join(down)}" if down else "") if x]
    parts.append("同比：" + ("；".join(trend) if trend else "无可比的变动") + "。")
    return "".join(parts)
