"""Numbers as the cockpit shows them, and the colour a change deserves.

Display rules (one place, used by cards, tables, charts and the exports):
- a value is rounded to `Metric.decimals`; counts get thousands separators; the unit follows
  (``43.4%``, ``1,234人``, ``5.2天``, ``106.9万元``);
- a change of a % metric is in percentage points (个百分点); of any other metric it is the
  relative change in % (``+12.5%``), falling back to the absolute change when the base is 0;
- a missing value shows its status: 未上线 / 无数据 / —.

Everything here follows the metric's declaration (cockpit.metrics.catalog): its kind, direction,
maturity and minimum sample.

Colour ("tone") is direction-aware: a change of a comparable metric (a rate with a direction)
in its better direction is `good` (green), against it `bad` (red). Policy metrics (不捕率,
不诉率, 附条件不起诉率 — higher is the policy aim, not a score) use the muted `policy-good`
(blue) / `policy-bad` (amber). Counts, stocks and cumulative figures (审结人数, 在管人数,
具结书数 …) are always `neutral`: more cases is not "better". A flagged value (核查中, 样本少)
has no change at all.

Standing colours — a unit graded against the others (rank tone, standing background, the gap
to the city coloured) — are 优劣 colours: shown only when ranking is on
(`cockpit.config.ranking_enabled`, off by default), and never for a metric that is not
comparable.
"""
from __future__ import annotations

import math

from cockpit.config import ranking_enabled
from cockpit.metrics.catalog import POLICY, Metric
from cockpit.metrics.query import NO_DATA, NOT_APPLICABLE, NOT_LIVE, OK, STATUS_LABEL, flag_label

DASH = "—"

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
    """Not better or worse in either direction (counts, stocks, cumulative, neutral rates)."""
    return not metric.comparable


def ranks_shown(metric: Metric) -> bool:
    """Whether a page or the wall may show this metric's rank numbers and standing colours."""
    return metric.comparable and ranking_enabled()


def flag_text(metric: Metric, flag) -> str:
    """核查中 / 办理中 / 样本少 for a flagged value, "" otherwise."""
    return flag_label(metric, flag if isinstance(flag, str) else None)


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
    if status in (NOT_LIVE, NO_DATA, NOT_APPLICABLE):
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


def signed(v, decimals: int = 1) -> str:
    """``+0.8`` / ``−0.3`` / ``0.0`` (a contribution or a change, rounded; no "-0.0")."""
    if is_missing(v):
        return DASH
    r = round(float(v), decimals)
    if r == 0:
        return f"{0:.{decimals}f}"
    return f"{'+' if r > 0 else '−'}{abs(r):,.{decimals}f}"


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
    """Tone of a gap to a reference (city, median): positive = above the reference. An 优劣
    colour: neutral unless ranking is on."""
    if is_missing(gap) or round(float(gap), metric.decimals) == 0:
        return "flat"
    if not ranks_shown(metric):
        return "neutral"
    return tone(metric, gap)


def in_top_three(rank, of) -> bool:
    """位列前三: rank 1–3 among the ranked counties."""
    return not is_missing(rank) and bool(of) and rank <= 3


def in_bottom_three(rank, of) -> bool:
    """位列后三: among the last three of `of` ranked counties (rank > of − 3) and not also in
    the first three (a rank 1 of 2 is first, not last)."""
    return not is_missing(rank) and bool(of) and rank > max(3, of - 3)


def rank_tone(metric: Metric, rank, of) -> str:
    """前三 good, 后三 bad (policy metrics: blue/amber), exactly as the county page's summary
    counts them (`in_top_three` / `in_bottom_three`); everything else flat."""
    if is_missing(rank) or not of:
        return "flat"
    if not ranks_shown(metric):
        return "neutral"
    if in_top_three(rank, of):
        t = "good"
    elif in_bottom_three(rank, of):
        t = "bad"
    else:
        return "flat"
    return ("policy-" + t) if metric.direction == POLICY else t


def standing_color(metric: Metric, rank, of) -> str | None:
    """A background colour for a county's standing (rank 1 = best of `of`); None if unranked."""
    if is_missing(rank) or not of or not ranks_shown(metric):
        return None
    scale = _POLICY_SCALE if metric.direction == POLICY else _GOOD_SCALE
    if of == 1:
        return scale[0]
    pos = (rank - 1) / (of - 1)  # 0 best … 1 worst
    return scale[min(len(scale) - 1, int(pos * len(scale)))]


def direction_text(metric: Metric) -> str:
    """越高越好 / 越低越好 / 政策导向 for a comparable metric; its kind (不评优劣) otherwise."""
    if not metric.comparable:
        return f"{metric.kind_label}（不评优劣）" if metric.per_capita else metric.kind_label
    return metric.direction_label


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


def shown_rank(metric: Metric, rank):
    """The rank a page may show: None unless ranking is on and the metric is comparable (the
    query layer already leaves flagged values unranked)."""
    return None if is_missing(rank) or not ranks_shown(metric) else int(rank)


def value_text(metric: Metric, v, status: str = OK, flag=None, unit: bool = True) -> str:
    """The value with its flag: ``33.3%（样本少）``, ``51.0%（核查中）``; 不适用 / 未上线 / 无数据."""
    text = fmt_value(metric, v, status, unit)
    mark = flag_text(metric, flag) if status == OK else ""
    return f"{text}（{mark}）" if mark else text


def no_change_text(metric: Metric, flag=None) -> str:
    """What a 同比/环比 cell says when there is no comparison: the reason for a flagged value
    (核查中 / 样本少 values are not compared), a plain — otherwise."""
    mark = flag_text(metric, flag)
    return f"—（{mark}，不比较）" if mark else DASH


def share_text(share) -> str:
    """A count's part of the city: ``占全市 12.3%`` (counts are not compared by a gap)."""
    return DASH if is_missing(share) else f"占全市 {number(share, 1)}%"


def gap_text(metric: Metric, gap) -> str:
    """A rate's difference to a reference: ``+1.2个百分点`` / ``−0.3天`` / ``持平``."""
    if is_missing(gap):
        return DASH
    g = rounded(metric, gap)
    if g == 0:
        return "持平"
    text = f"{'+' if g > 0 else '−'}{number(abs(g), metric.decimals)}"
    return text + ("个百分点" if metric.unit == "%" else metric.unit)


def below_median(metric: Metric, value, median) -> bool:
    """Worse than the county median in the metric's direction (comparable metrics only; equal
    at the displayed precision is not below)."""
    if not metric.comparable or is_missing(value) or is_missing(median):
        return False
    v, m = rounded(metric, value), rounded(metric, median)
    return v < m if metric.better_when_higher else v > m


def spread_text(metric: Metric, q1, q3) -> str:
    """The county spread (q1–q3) of a rate: ``40.1%—52.3%``."""
    if is_missing(q1) or is_missing(q3):
        return DASH
    return f"{fmt_number(metric, q1)}—{fmt_number(metric, q3)}{metric.unit}"


def shown_frame(metric: Metric, frame):
    """A `by_unit` frame as a page may show it: ranks removed unless ranking is on and the
    metric is comparable (the map's hover, the tables)."""
    if ranks_shown(metric):
        return frame
    return frame.assign(rank=[None] * len(frame), rank_of=[None] * len(frame))
