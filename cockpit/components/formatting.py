"""Numbers as the cockpit shows them, and the colour a change deserves.

Display rules (one place, used by cards, tables, charts and the exports):
- a value is rounded to `Metric.decimals`; counts get thousands separators; the unit follows
  (``43.4%``, ``1,234人``, ``5.2天``, ``106.9万元``);
- a change of a % metric is in percentage points (个百分点); of any other metric it is the
  relative change in % (``+12.5%``), falling back to the absolute change when the base is 0;
- a missing value shows its status: 未上线 / 无数据 / —.

Colour ("tone") is direction-aware: a change or a standing in the metric's better direction is
`good` (green), against it `bad` (red). Policy metrics (不捕率, 不诉率, 附条件不起诉率 — higher is
the policy aim, not a score) use the muted `policy-good` (blue) / `policy-bad` (amber).
Workload counts (审结人数, 在管人数, 具结书数 …) are `neutral`: more cases is not "better".
"""
from __future__ import annotations

import math

from cockpit.metrics.catalog import HIGHER, LOWER, POLICY, Metric
from cockpit.metrics.query import NO_DATA, NOT_LIVE, OK, STATUS_LABEL

DASH = "—"

# Volume counts whose direction in the catalog is only the default (HIGHER): more arrests
# reviewed or more people under supervision is workload, not performance. Colour them neutral.
_NEUTRAL_PLATFORMS = {"case", "P01", "P02", "P03", "P04"}

TONE_COLOR = {
    "good": "#1b7f3b",
    "bad": "#c62828",
    "policy-good": "#1565c0",
    "policy-bad": "#b26a00",
    "neutral": "#5b6675",
    "flat": "#5b6675",
}
# Cell backgrounds for standings (best → worst), see `standing_color`.
_GOOD_SCALE = ("#d7efdd", "#eaf6ed", "#f7f9fb", "#fbeaea", "#f5d3d3")
_POLICY_SCALE = ("#d6e6f8", "#eaf1fb", "#f7f9fb", "#fbf0df", "#f6e0bd")


def is_neutral(metric: Metric) -> bool:
    return (not metric.is_ratio and metric.direction == HIGHER and metric.platform in _NEUTRAL_PLATFORMS)


def is_missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def rounded(metric: Metric, v) -> float | None:
    """The value as displayed (rounded to the metric's decimals); None when missing."""
    if is_missing(v):
        return None
    r = round(float(v), metric.decimals)
    return 0.0 if r == 0 else r   # no "-0.0"


def number(v, decimals: int = 0) -> str:
    if is_missing(v):
        return DASH
    r = round(float(v), decimals)
    if r == 0:
        r = 0.0
    return f"{r:,.{decimals}f}"


def fmt_number(metric: Metric, v) -> str:
    """The number alone, at the metric's precision (no unit)."""
    return number(v, metric.decimals)


def fmt_value(metric: Metric, v, status: str = OK, unit: bool = True) -> str:
    """``43.4%`` / ``1,234人``; 未上线 / 无数据 when the status says so."""
    if status in (NOT_LIVE, NO_DATA):
        return STATUS_LABEL[status]
    if is_missing(v):
        return DASH
    text = fmt_number(metric, v)
    return f"{text}{metric.unit}" if unit else text


def unit_suffix(metric: Metric) -> str:
    """The unit for a column header: ``（%）``."""
    return f"（{metric.unit}）"


def change_parts(metric: Metric, change, pct) -> tuple[float | None, str]:
    """(signed number used for colour, display text) of a 同比/环比 change."""
    if is_missing(change):
        return None, DASH
    if metric.unit == "%":
        r = round(float(change), max(1, metric.decimals))
        if r == 0:
            return 0.0, "持平"
        return r, f"{'+' if r > 0 else '−'}{abs(r):.{max(1, metric.decimals)}f}个百分点"
    if not is_missing(pct):
        r = round(float(pct), 1)
        if r == 0:
            return 0.0, "持平"
        return r, f"{'+' if r > 0 else '−'}{abs(r):.1f}%"
    r = round(float(change), metric.decimals)
    if r == 0:
        return 0.0, "持平"
    return r, f"{'+' if r > 0 else '−'}{number(abs(r), metric.decimals)}{metric.unit}"


def tone(metric: Metric, change) -> str:
    """good / bad / policy-good / policy-bad / neutral / flat for a signed change."""
    if is_missing(change) or change == 0:
        return "flat"
    if is_neutral(metric):
        return "neutral"
    up = change > 0
    better = up == metric.better_when_higher
    if metric.direction == POLICY:
        return "policy-good" if better else "policy-bad"
    return "good" if better else "bad"


def arrow(change) -> str:
    if is_missing(change) or change == 0:
        return "→"
    return "▲" if change > 0 else "▼"


def gap_tone(metric: Metric, gap) -> str:
    """Tone of a gap to a reference (city, median): positive = above the reference."""
    if is_missing(gap) or round(float(gap), metric.decimals) == 0:
        return "flat"
    return tone(metric, gap)


def rank_tone(metric: Metric, rank, of) -> str:
    """Top third good, bottom third bad (policy metrics: blue/amber); middle flat."""
    if is_missing(rank) or not of:
        return "flat"
    if is_neutral(metric):
        return "neutral"
    third = max(1, round(of / 3))
    if rank <= third:
        t = "good"
    elif rank > of - third:
        t = "bad"
    else:
        return "flat"
    return ("policy-" + t) if metric.direction == POLICY else t


def standing_color(metric: Metric, rank, of) -> str | None:
    """A background colour for a county's standing (rank 1 = best of `of`); None if unranked."""
    if is_missing(rank) or not of:
        return None
    if is_neutral(metric):
        return "#f7f9fb"
    scale = _POLICY_SCALE if metric.direction == POLICY else _GOOD_SCALE
    if of == 1:
        return scale[0]
    pos = (rank - 1) / (of - 1)  # 0 best … 1 worst
    return scale[min(len(scale) - 1, int(pos * len(scale)))]


def direction_text(metric: Metric) -> str:
    if is_neutral(metric):
        return "工作量指标（不评优劣）"
    return {HIGHER: "越高越好", LOWER: "越低越好", POLICY: "政策导向：宜高（少捕慎诉）"}[metric.direction]


def national_text(metric: Metric) -> str:
    if not metric.national:
        return ""
    return "；".join(f"{y}年 {number(v, metric.decimals)}{metric.unit}" for y, v in sorted(metric.national.items()))


def pct_text(v, decimals: int = 1) -> str:
    return DASH if is_missing(v) else f"{number(v, decimals)}%"


def plot_text(value) -> str:
    """Text from the data (names of units, models, outcomes …) made safe for a Plotly figure.

    Plotly draws its text fields — tick labels, hover text, legend names, annotations — as
    "pseudo-HTML": `<a href=…>` becomes a clickable link, `<span style=…>` is applied, `<br>`
    breaks the line. A name from the data must never be read as markup, so `&`, `<` and `>`
    become entities, which Plotly shows as the characters themselves. The chart builders
    (cockpit.components.charts) apply it to every label they are given; a page that builds a
    figure by hand must apply it to the labels it puts in."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
