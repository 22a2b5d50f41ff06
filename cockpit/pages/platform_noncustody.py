"""非羁押诉讼 `/platform/noncustody`: people under supervision, check-ins, summons, warnings and
absconding; warnings by type and how they were handled; the warning list."""
from __future__ import annotations

import dash
from dash import Input, Output, callback

from cockpit import data
from cockpit.components import charts as C
from cockpit.components.memo import cached_output, memoized
from cockpit.components.platform_page import PlatformSpec, live, platform_layout, register
from cockpit.components.sections import graph, grid, panel, section
from cockpit.components.shell import TITLE, safe_layout
from cockpit.components.states import guarded, status_figure
from cockpit.metrics import records as R
from cockpit.metrics.periods import Period, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

dash.register_page(__name__, path="/platform/noncustody", name="非羁押诉讼",
                   title=f"非羁押诉讼数字监督 · {TITLE}", order=11)

SPEC = PlatformSpec(
    prefix="pn", path="/platform/noncustody", title="非羁押诉讼数字监督", platform="P02",
    description="对取保候审、监视居住人员实时定位、在线传唤、在线打卡，越界、未打卡、脱管自动预警，"
                "由执行机关（公安）线下核实处置；保证金提存在线管理。",
    group="noncustody",
    record_views=("warning", "nc_person"), default_view="warning",
)
register(SPEC)

LAUNCH = month_label(PLATFORM_BY_ID["P02"].launch)
HANDLING_COLORS = {"核实正常": "#2a9d8f", "核实违规": "#e0a100", "核实脱管": "#c62828", "处置中": "#8a94a3",
                   "未处置": "#5b6675"}


@safe_layout
def layout(period=None, unit=None, rank=None, **query):
    extra = [section("监管预警", grid([
        panel("预警类型与处置结果", graph("pn-warnings", 300), note="按预警发生月份统计；处置时限为24小时。"),
        panel("预警处置时长", graph("pn-handling", 300), note="从预警发生到处置的时长分布。"),
    ], "g-2"))]
    return platform_layout(SPEC, extra, period, unit, rank, query)


@memoized
def _warnings(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "nc_event", ["warning_type", "handling"], list(units), period,
                          measure_id="nc_warnings")


@memoized
def _handle_minutes(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "nc_event", ["handle_minutes"], list(units), period,
                          measure_id="nc_warnings")


@callback(Output("pn-warnings", "figure"), Output("pn-handling", "figure"), Input("pn-params", "data"))
@guarded("figure", "figure")
@cached_output
def warnings(params):
    period = Period.parse(params["period"])
    if not live(SPEC, period):
        return status_figure("not_live", LAUNCH, 300), status_figure("not_live", LAUNCH, 300)
    snap = data.current().store.snapshot
    units = (params["unit"],)
    w = _warnings(snap, units, params["period"])
    if w.empty:
        f1 = status_figure("no_data", None, 300)
    else:
        w = w.fillna({"handling": "未处置"})
        types = ["越界预警", "未打卡预警", "脱管预警"]
        series = []
        for h, color in HANDLING_COLORS.items():
            sub = w[w["handling"] == h].set_index("warning_type")["n"]
            if sub.sum() == 0:
                continue
            series.append((h, [int(sub.get(t, 0)) for t in types], color))
        f1 = C.bars_figure(types, series, 300, stacked=True, unit="条")
    hm = _handle_minutes(snap, units, params["period"])
    if hm.empty:
        f2 = status_figure("no_data", None, 300)
    else:
        edges = [(0, 60, "1小时内"), (60, 240, "1—4小时"), (240, 720, "4—12小时"), (720, 1440, "12—24小时"),
                 (1440, 10**9, "超过24小时")]
        counts = []
        for lo, hi, _ in edges:
            sel = hm[(hm["handle_minutes"].notna()) & (hm["handle_minutes"] >= lo) & (hm["handle_minutes"] < hi)]
            counts.append(int(sel["n"].sum()))
        pending = int(hm[hm["handle_minutes"].isna()]["n"].sum())
        cats = [e[2] for e in edges] + ["尚未处置"]
        colors = ["#2a9d8f", "#2a9d8f", "#2a9d8f", "#e0a100", "#c62828", "#8a94a3"]
        f2 = C.bars_figure(cats, [("预警数", counts + [pending], "#1f5fae")], 300, unit="条")
        f2["data"][0]["marker"] = {"color": colors}
    return f1, f2
