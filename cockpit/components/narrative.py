"""Sentences and cells about numbers that more than one place writes: the metric page's
变动分解, the county page's 与全市比较 and the monthly pack (cockpit.report) say the same
thing in the same words. Pure functions of the metric layer's frames (no Dash), every number
formatted by cockpit.components.formatting."""
from __future__ import annotations

from cockpit.components import formatting as F
from cockpit.metrics.catalog import Metric
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, month_ordinal
from cockpit.metrics.query import OK


def change_decimals(m: Metric) -> int:
    """The decimals of a change or a contribution: at least one for a rate."""
    return max(1, m.decimals) if m.is_ratio else m.decimals


def moved_text(m: Metric, change) -> str:
    """上升 2.3 个百分点 / 下降 120人 / 持平 (a rate rises or falls, a count grows or shrinks)."""
    dec = change_decimals(m)
    r = round(float(change), dec)
    if r == 0:
        return "持平"
    verb = ("上升" if r > 0 else "下降") if m.is_ratio else ("增加" if r > 0 else "减少")
    unit = " 个百分点" if m.unit == "%" else m.unit
    return f"{verb} {F.number(abs(r), dec)}{unit}"


def largest_contributors(m: Metric, frame, n: int = 2) -> list[dict]:
    """The `n` units of an explain_change frame with the largest contributions in size (named,
    not ranked), leaving out those that round to 0."""
    dec = change_decimals(m)
    units = frame.iloc[:-1]
    big = sorted(units.to_dict("records"), key=lambda r: (-abs(float(r["contribution"])), r["unit"]))[:n]
    return [r for r in big if round(float(r["contribution"]), dec) != 0]


def change_sentence(m: Metric, frame, against: str, base_label: str) -> str:
    """不捕率较上期（2024年4月）上升 2.3 个百分点，其中盐湖区贡献 +0.8（比率效应 +0.5，结构效应 +0.3）……
    Every number from the frame of MetricStore.explain_change; the units named are the two with
    the largest contributions in size (named, not ranked)."""
    total = frame.iloc[-1]
    dec = change_decimals(m)
    when = "较上期" if against == "previous" else "较上年同期"
    text = f"{m.name}{when}（{base_label}）{moved_text(m, total['contribution'])}"
    if round(float(total["contribution"]), dec) != 0:
        parts = []
        for r in largest_contributors(m, frame):
            part = f"{r['unit_label']}贡献 {F.signed(r['contribution'], dec)}"
            if m.is_ratio:
                part += f"（比率效应 {F.signed(r['rate_effect'], dec)}，结构效应 {F.signed(r['mix_effect'], dec)}）"
            parts.append(part)
        if parts:
            text += "，其中" + "，".join(parts)
    text += "。"
    if m.is_ratio:
        num = MEASURE_BY_ID[m.numerator]
        text += f"分子{num.name}{F.number(total['num_base'])}→{F.number(total['num_current'])}" \
                f"（{F.signed(float(total['num_current']) - float(total['num_base']), 0)}）"
        if m.denominator:
            den = MEASURE_BY_ID[m.denominator]
            text += f"，分母{den.name}{F.number(total['den_base'])}→{F.number(total['den_current'])}" \
                    f"（{F.signed(float(total['den_current']) - float(total['den_base']), 0)}）"
        else:
            text += "，分母常住人口不变"
        text += "。"
    return text


def base_label(frame, period: Period, against: str, data_month: str | None) -> str:
    """The compared period of an explain_change frame as a sentence names it: 2024年4月, or for a
    period still in progress 2023年第2季度（截至5月） / 2024年第1季度（前2个月）."""
    label = Period.parse(frame.attrs["base_period"]).label
    if data_month and not period.is_complete(data_month):   # compared like for like
        months = month_ordinal(data_month) - period.start_ordinal + 1
        label += f"（截至{int(data_month[5:])}月）" if against == "year" else f"（前{months}个月）"
    return label


def decomposition_note(m: Metric) -> str:
    """How to read a 变动分解 table."""
    if m.is_ratio:
        return ("比率效应：各单位自身比率变化的影响；结构效应：各单位在全市分母中占比变化的影响"
                "（占比上升的单位比率高于全市平均时拉高全市，低于平均时拉低全市）。"
                "两者之和为该单位的贡献，各单位贡献之和等于全市的变动。")
    return "各单位的贡献为其自身的增减，之和等于全市的变动；数量类指标不评优劣。"


def pair_text(a, b, decimals: int = 0) -> str:
    """``120 → 135（+15）``: a count in the base and the current period."""
    if F.is_missing(a) and F.is_missing(b):
        return F.DASH
    diff = None if F.is_missing(a) or F.is_missing(b) else float(b) - float(a)
    return f"{F.number(a, decimals)} → {F.number(b, decimals)}（{F.signed(diff, decimals)}）"


def versus_city(m: Metric, r) -> tuple[str, str]:
    """(text, tone) of a unit's 与全市比较 cell from its by_unit row: a rate's gap to the city
    (a flagged value is shown, not compared); a count's share of it."""
    if r["status"] != OK:
        return F.DASH, "flat"
    if m.is_ratio:
        if r["flag"]:                          # 样本少 / 核查中: shown, not compared
            return F.no_change_text(m, r["flag"]), "flat"
        gap = r["gap_to_city"]
        return F.gap_text(m, gap), F.gap_tone(m, gap)
    return F.share_text(r["share_of_city"]), "flat"


def change_cell(m: Metric, r, kind: str = "yoy") -> tuple[float | None, str]:
    """(signed change for the tone, text) of a 同比 (`yoy`) or 环比 (`pop`) cell of a query or
    by_unit row; the reason when the value is not compared (核查中 / 样本少)."""
    change, pct = r[f"{kind}_change"], r[f"{kind}_pct"]
    if F.is_missing(change):
        return None, F.no_change_text(m, r["flag"])
    return F.change_parts(m, change, pct)
