"""审查逮捕 `/platform/arrest`: arrest review and the 60-item social-danger assessment — the score
distribution, which items fire most, and assessment vs decision."""
from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from cockpit import data
from cockpit.components import charts as C
from cockpit.components import formatting as F
from cockpit.components.memo import cached_output, memoized
from cockpit.components.platform_page import PlatformSpec, live, platform_layout, register
from cockpit.components.sections import graph, grid, panel, section
from cockpit.components.shell import TITLE, safe_layout
from cockpit.components.states import guarded, status_figure
from cockpit.metrics import records as R
from cockpit.metrics.periods import Period, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

dash.register_page(__name__, path="/platform/arrest", name="审查逮捕", title=f"审查逮捕 · {TITLE}", order=10)

SPEC = PlatformSpec(
    prefix="pa", path="/platform/arrest", title="审查逮捕 · 社会危险性量化评估", platform="P01",
    description="社会危险性量化评估：犯罪性质、罪后表现、犯罪嫌疑人基本情况三部分共60项指标，另有7条附注；"
                "评估分值对应低、中、高三个等级，“高”建议羁押，“低”“中”建议非羁押。",
    group="arrest",
    record_views=("arrest",), default_view="arrest",
)
register(SPEC)

BAND_COLORS = {"低": "#2a9d8f", "中": "#e0a100", "高": "#c62828"}
LAUNCH = month_label(PLATFORM_BY_ID["P01"].launch)


@safe_layout
def layout(period=None, unit=None, rank=None, **query):
    notes = html.Details([html.Summary("评估附注（7条）"),
                          html.Ol([html.Li(n.split("：", 1)[-1]) for n in R.ASSESSMENT_NOTES])],
                         className="assessment-notes") if R.ASSESSMENT_NOTES else None
    extra = [section("社会危险性量化评估", grid([
        panel("评估分值分布", graph("pa-scores", 320), note="分值0—39为“低”、40—69为“中”、70—100为“高”；按审结月份统计已评估人员。"),
        panel("评估等级与逮捕决定", graph("pa-bands", 320), note="“高”建议羁押（批准逮捕），“低”“中”建议非羁押；一致率见上方卡片。"),
    ], "g-2"),
        panel("触发最多的评估指标（前20项）", graph("pa-items", 520),
              note="条形长度为触发该项的已评估人数，按逮捕决定分色；括号内为该项分值（+加重，−从轻）。"),
        notes, id="pa-assessment")]
    return platform_layout(SPEC, extra, period, unit, rank, query)


@memoized
def _scores(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "arrest", ["risk_score", "risk_band"], list(units), period,
                          measure_id="arrest_assessed")


@memoized
def _bands(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "arrest", ["risk_band", "decision"], list(units), period,
                          measure_id="arrest_assessed")


@memoized
def _items(_snapshot, units, period):
    return R.item_frequencies(data.read_engine(), list(units), period)


def _not_live_or_empty(period: Period, height: int):
    if not live(SPEC, period):
        return status_figure("not_live", LAUNCH, height)
    return status_figure("no_data", None, height)


@callback(Output("pa-scores", "figure"), Output("pa-bands", "figure"), Output("pa-items", "figure"),
          Input("pa-params", "data"))
@guarded("figure", "figure", "figure")
@cached_output
def assessment(params):
    state = data.current()
    period = Period.parse(params["period"])
    units = (params["unit"],)
    if not live(SPEC, period):
        return tuple(_not_live_or_empty(period, h) for h in (320, 320, 520))
    snap = state.store.snapshot
    scores = _scores(snap, units, params["period"])
    bands = _bands(snap, units, params["period"])
    items, assessed = _items(snap, units, params["period"])
    # score distribution: bins of 5 points, stacked by band
    if scores.empty:
        f1 = _not_live_or_empty(period, 320)
    else:
        scores = scores.assign(bin=(scores["risk_score"].astype(int).clip(0, 100) // 5 * 5).clip(upper=95))
        bins = list(range(0, 100, 5))
        cats = [f"{b}–{b + 4 if b < 95 else 100}" for b in bins]
        series = []
        for band in ("低", "中", "高"):
            sub = scores[scores["risk_band"] == band].groupby("bin")["n"].sum()
            series.append((f"评估等级：{band}", [int(sub.get(b, 0)) for b in bins], BAND_COLORS[band]))
        f1 = C.bars_figure(cats, series, 320, stacked=True, unit="人", text=False)
        f1["layout"]["xaxis"].update({"title": {"text": "评估分值", "font": {"size": 11}}, "tickangle": -45})
        f1["layout"]["yaxis"].update({"title": {"text": "人", "font": {"size": 11}}})
        f1["layout"]["bargap"] = 0.08
    # band vs decision
    if bands.empty:
        f2 = _not_live_or_empty(period, 320)
    else:
        cats = ["低", "中", "高"]
        series = []
        for decision, color in (("批准逮捕", "#c62828"), ("不批准逮捕", "#1f5fae")):
            sub = bands[bands["decision"] == decision].set_index("risk_band")["n"]
            series.append((decision, [int(sub.get(c, 0)) for c in cats], color))
        f2 = C.bars_figure([f"评估等级：{c}" for c in cats], series, 320, unit="人")
        totals = bands.groupby("risk_band")["n"].sum()
        consistent = sum(int(bands[(bands["risk_band"] == b) & (bands["decision"] == d)]["n"].sum())
                         for b, d in (("高", "批准逮捕"), ("低", "不批准逮捕"), ("中", "不批准逮捕")))
        total = int(totals.sum())
        f2["layout"]["annotations"] = [{"text": f"已评估 {total:,} 人，决定与评估等级一致 {consistent:,} 人"
                                                f"（{F.pct_text(100 * consistent / total if total else None)}）",
                                        "xref": "paper", "yref": "paper", "x": 1, "y": 1.02, "showarrow": False,
                                        "xanchor": "right", "yanchor": "bottom",
                                        "font": {"size": 11, "color": "#5b6675"}}]
        f2["layout"]["legend"].update({"x": 0, "xanchor": "left"})
        f2["layout"]["margin"]["t"] = 40
    # items
    if items.empty:
        f3 = _not_live_or_empty(period, 520)
    else:
        top = items.head(20)
        labels = [f"{r.code} {r.name}（{'+' if (r.weight or 0) > 0 else '−'}{abs(r.weight or 0)}）"
                  for r in top.itertuples()]
        f3 = C.bars_figure(labels, [("批准逮捕", list(top["approved"]), "#c62828"),
                                    ("不批准逮捕", list(top["not_approved"]), "#1f5fae")],
                           520, horizontal=True, stacked=True, unit="人", text=False)
        f3["layout"]["margin"] = {"l": 20, "r": 60, "t": 30, "b": 30}
        f3["data"].append({"type": "scatter", "mode": "text", "y": f3["data"][0]["y"], "x": list(top["n"]),
                           "text": [f"{n:,}人 · {s:.1f}%" for n, s in zip(top["n"], top["share"])],
                           "textposition": "middle right", "showlegend": False, "hoverinfo": "skip",
                           "textfont": {"size": 10, "color": "#5b6675"}, "cliponaxis": False})
        f3["layout"]["yaxis"]["tickfont"] = {"size": 11}
        f3["layout"]["xaxis"]["range"] = [0, float(top["n"].max()) * 1.25]
    return f1, f2, f3
