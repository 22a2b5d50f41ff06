"""Static charts of the monthly pack: PNG images drawn with matplotlib (Agg, no pyplot, no
global state) in the Chinese font found on this machine (fonts-noto-cjk), nothing fetched.

Deterministic: a fixed size and dpi and no "Software" metadata, so the same data gives the same
bytes. The trends read like the pages' (cockpit.components.charts.trend_figure): the months
before the metric's launch a grey 未上线 band, the months still being processed (核查中 / 办理中)
dashed and hollow, the national reference dotted red, the target dashed, and the annotations
(大事记) that apply as dotted lines labelled with their kind (cockpit.metrics.annotations)."""
from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from functools import lru_cache

import matplotlib
from matplotlib import font_manager
from matplotlib.ticker import FuncFormatter
from PIL import Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cockpit.components import formatting as F
from cockpit.metrics.annotations import KIND_SHORT, Annotation
from cockpit.metrics.catalog import Metric
from cockpit.metrics.periods import month_ordinal
from cockpit.metrics.query import OK
from cockpit.report.errors import ReportError

DPI = 130
PALETTE_COLOURS = 96
CM = 1 / 2.54
# Fonts tried in order: Noto Sans CJK (Debian's fonts-noto-cjk), its Adobe twin, then others
# a Chinese desktop may have.
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Droid Sans Fallback")
PALETTE = ("#1f4e9c", "#e07b00", "#2a9d8f", "#8e44ad")
NATIONAL = "#c62828"
TARGET = "#2a9d8f"
NOT_LIVE_BAND = "#eef1f5"
NOTE_COLOR = {"launch": "#7a869a", "campaign": "#b5651d", "definition": "#6a1b9a", "data_gap": "#c62828",
              "other": "#37474f"}


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """The name of a Chinese font installed here; ReportError when there is none."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FAMILIES:
        if name in names:
            return name
    raise ReportError("未找到中文字体，图表和PDF无法显示中文：请安装 fonts-noto-cjk"
                      "（Debian/Ubuntu：apt-get install fonts-noto-cjk）。"
                      "No CJK font found: install fonts-noto-cjk.")


# rc_context changes matplotlib's process-wide settings while a chart is drawn: one chart at a
# time, so two packs built in threads of one process (the /reports page) never mix fonts.
_DRAWING = threading.Lock()


def _rc() -> dict:
    return {"font.family": "sans-serif", "font.sans-serif": [cjk_family(), "DejaVu Sans"],
            "axes.unicode_minus": False, "font.size": 8, "axes.titlesize": 9,
            "svg.hashsalt": "cockpit", "path.simplify": True}


def _png(fig: Figure) -> bytes:
    """Draw once and store as an 8-bit palette PNG (a chart has few colours: a third of the
    bytes of RGB, so the Word file, the PDF and WeasyPrint's re-encoding are lighter). Pillow
    writes no date or software chunk: the same figure gives the same bytes."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    w, h = canvas.get_width_height(physical=True)
    img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    img = img.quantize(colors=PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(DPI, DPI))
    return buf.getvalue()


@dataclass(frozen=True)
class TrendPanel:
    """One small multiple: a metric, its lines (label, series frame of MetricStore.series), the
    national reference (latest year up to the chart's end) and the annotations to draw."""
    metric: Metric
    series: tuple[tuple[str, object], ...]
    annotations: tuple[Annotation, ...] = field(default=())
    national: bool = True


def _tick_label(month: str) -> str:
    return f"{month[2:4]}年{int(month[5:])}月"


def _national(metric: Metric, last_month: str) -> tuple[int, float] | None:
    year = int(last_month[:4])
    years = [y for y in metric.national if y <= year]
    return (max(years), metric.national[max(years)]) if years else None


def _panel(ax, p: TrendPanel, narrow: bool = False) -> None:
    m = p.metric
    months = [str(x) for x in p.series[0][1]["month"]]
    n = len(months)
    xs = list(range(n))
    launch = month_ordinal(m.launch) - month_ordinal(months[0])
    if launch > 0:
        ax.axvspan(-0.5, min(launch, n) - 0.5, color=NOT_LIVE_BAND, zorder=0, lw=0)
        ax.text(0, 0.5, "未上线", transform=ax.get_xaxis_transform(), color="#8a94a3", fontsize=7, va="center")
    drawn = False
    for i, (label, df) in enumerate(p.series):
        color = PALETTE[i % len(PALETTE)]
        values = [float(v) if st == OK and v is not None else math.nan for v, st in zip(df["value"], df["status"])]
        immature = [f == "immature" for f in df["flag"]]
        mature = [math.nan if imm else v for v, imm in zip(values, immature)]
        ax.plot(xs, mature, color=color, lw=1.8 if i == 0 else 1.3, label=label, marker="o" if n <= 13 else None,
                ms=2.5)
        if any(imm and not math.isnan(v) for v, imm in zip(values, immature)):
            first = immature.index(True)
            ys = [v if imm else math.nan for v, imm in zip(values, immature)]
            if first > 0 and not immature[first - 1]:
                ys[first - 1] = values[first - 1]
            ax.plot(xs, ys, color=color, lw=1.1, ls="--", marker="o", ms=3, mfc="white",
                    label=f"{label}（{m.immature_label}）" if i == 0 else None)
        drawn = drawn or any(not math.isnan(v) for v in values)
    if p.national and m.is_ratio:
        nat = _national(m, months[-1])
        if nat is not None:
            ax.axhline(nat[1], color=NATIONAL, lw=0.9, ls=":", label=f"全国（{nat[0]}年）")
    if m.target is not None:
        ax.axhline(m.target, color=TARGET, lw=0.9, ls="--", label="法定期限" if m.unit == "天" else "目标值")
    for a in p.annotations:
        o = month_ordinal(max(a.month, months[0])) - month_ordinal(months[0])
        if 0 <= o < n:
            color = NOTE_COLOR.get(a.kind, NOTE_COLOR["other"])
            ax.axvline(o, color=color, lw=0.8, ls=":")
            if not narrow:     # a narrow panel has no room for the labels: the caption explains
                ax.text(o, 0.98, KIND_SHORT.get(a.kind, a.title[:2]), transform=ax.get_xaxis_transform(),
                        color=color, fontsize=6.5, va="top", ha="left" if o < 0.75 * n else "right")
    if not drawn:
        ax.text(0.5, 0.5, "无数据", transform=ax.transAxes, ha="center", va="center", color="#8a94a3")
    step = (12 if narrow else 6) if n > 12 else 3
    ticks = [i for i in xs if (month_ordinal(months[i]) % step) == 0] or [0]
    ax.set_xticks(ticks, [_tick_label(months[i]) for i in ticks])
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_title(f"{m.name}（{m.unit}）", loc="left")
    ax.grid(axis="y", color="#e3e7ee", lw=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    if not m.is_ratio:
        ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: F.number(v, 0 if abs(v) >= 10 else 1)))
    if not narrow:     # narrow panels share one legend under the grid (`trend_grid`)
        ax.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncol=3,
                  borderaxespad=0.1, handlelength=1.6, columnspacing=0.8)


def trend_grid(panels: list[TrendPanel], columns: int = 2, width_cm: float = 17.0, row_cm: float = 5.0) -> bytes:
    """The panels as small multiples in a grid (`columns` across, `row_cm` high each) — one PNG."""
    rows = max(1, math.ceil(len(panels) / columns))
    with _DRAWING, matplotlib.rc_context(_rc()):
        height = rows * row_cm * CM
        fig = Figure(figsize=(width_cm * CM, height), dpi=DPI)
        # fixed margins (not constrained layout: that draws the figure twice)
        bottom = (0.75 if columns > 2 else 0.35) / height      # inches: the shared legend below
        fig.subplots_adjust(left=0.035 * columns, right=0.985, bottom=bottom, top=1 - 0.3 / height,
                            wspace=0.2, hspace=0.55)
        axes = fig.subplots(rows, columns, squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k < len(panels):
                _panel(ax, panels[k], narrow=columns > 2)
            else:
                ax.set_visible(False)
        if columns > 2:
            handles: dict[str, object] = {}
            for ax in axes.flat:
                for h, label in zip(*ax.get_legend_handles_labels()):
                    handles.setdefault(label, h)
            fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=min(6, len(handles) or 1),
                       fontsize=7, frameon=False)
        return _png(fig)


def contribution_chart(metric: Metric, frame, width_cm: float = 16.0) -> bytes:
    """The units' contributions of an explain_change frame (totals row last) as horizontal bars,
    in unit-code order (not ranked); positive to the right. Neutral colours: a contribution is
    not better or worse."""
    units = frame.iloc[:-1]
    labels = list(units["unit_label"])[::-1]
    values = [float(v) for v in units["contribution"]][::-1]
    with _DRAWING, matplotlib.rc_context(_rc()):
        height = max(4.0, 0.45 * len(labels) + 1.2) * CM
        fig = Figure(figsize=(width_cm * CM, height), dpi=DPI)
        fig.subplots_adjust(left=0.14, right=0.97, bottom=0.45 / height, top=1 - 0.1 / height)
        ax = fig.subplots()
        ax.barh(range(len(values)), values, color=["#5b7fb8" if v >= 0 else "#b0b8c4" for v in values], height=0.6)
        ax.set_yticks(range(len(labels)), labels)
        ax.axvline(0, color="#5b6675", lw=0.8)
        unit = "个百分点" if metric.unit == "%" else metric.unit
        ax.set_xlabel(f"贡献（{unit}）")
        ax.grid(axis="x", color="#e3e7ee", lw=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        return _png(fig)
