"""认罪认罚同录 `/platform/plea`: plea statements recorded on video, remote hearings and
e-fingerprinted documents returned online."""
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
from cockpit.metrics import units as U
from cockpit.metrics.periods import Period, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

dash.register_page(__name__, path="/platform/plea", name="认罪认罚同录",
                   title=f"认罪认罚同步录音录像 · {TITLE}", order=12)

SPEC = PlatformSpec(
    prefix="pp", path="/platform/plea", title="认罪认罚同步录音录像", platform="P03",
    description="认罪认罚具结书签署全程同步录音录像；远程听取意见，电子捺印文书一键回传，全流程线上、无纸化。",
    group="plea",
    record_views=("plea",), default_view="plea",
)
register(SPEC)
LAUNCH = month_label(PLATFORM_BY_ID["P03"].launch)


@safe_layout
def layout(period=None, unit=None, rank=None, **query):
    extra = [section("听取意见方式", grid([
        panel("各单位远程与现场听取意见", graph("pp-modes", 320), note="按具结日期统计的具结书件数。"),
        panel("同步录音录像与电子捺印", graph("pp-flags", 320), note="未同录、未回传的具结书可在下方明细中筛选。"),
    ], "g-2"))]
    return platform_layout(SPEC, extra, period, unit, rank, query)


@memoized
def _modes(_snapshot, period):
    return R.group_counts(data.read_engine(), "plea", ["unit_code", "hearing_mode"], U.CITY, period)


@memoized
def _flags(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "plea", ["recorded", "efp_returned"], list(units), period)


@callback(Output("pp-modes", "figure"), Output("pp-flags", "figure"), Input("pp-params", "data"))
@guarded("figure", "figure")
@cached_output
def modes(params):
    period = Period.parse(params["period"])
    if not live(SPEC, period):
        return status_figure("not_live", LAUNCH, 320), status_figure("not_live", LAUNCH, 320)
    snap = data.current().store.snapshot
    df = _modes(snap, params["period"])
    if df.empty:
        f1 = status_figure("no_data", None, 320)
    else:
        codes = list(U.COUNTY_CODES) + [U.CITY_OFFICE]
        cats = [U.label(c) for c in codes]
        series = []
        for mode, color in (("远程", "#1f5fae"), ("现场", "#9fb6d8")):
            sub = df[df["hearing_mode"] == mode].set_index("unit_code")["n"]
            series.append((f"{mode}听取", [int(sub.get(c, 0)) for c in codes], color))
        f1 = C.bars_figure(cats, series, 320, stacked=True, unit="件", text=False)
        f1["layout"]["xaxis"]["tickangle"] = -35
    fl = _flags(snap, (params["unit"],), params["period"])
    if fl.empty:
        f2 = status_figure("no_data", None, 320)
    else:
        rec = [int(fl[fl["recorded"] == v]["n"].sum()) for v in (1, 0)]
        efp = [int(fl[fl["efp_returned"] == v]["n"].sum()) for v in (1, 0)]
        f2 = C.bars_figure(["同步录音录像", "电子捺印回传"], [("是", [rec[0], efp[0]], "#2a9d8f"),
                                                         ("否", [rec[1], efp[1]], "#c62828")], 320, stacked=True,
                           unit="件")
    return f1, f2
