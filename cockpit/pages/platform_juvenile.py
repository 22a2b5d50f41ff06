"""未检 `/platform/juvenile`: the “指南针” juvenile-prosecution cloud platform — outcomes,
conditional non-prosecution and social surveys."""
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

dash.register_page(__name__, path="/platform/juvenile", name="未检云平台", title=f"“指南针”未检云平台 · {TITLE}",
                   order=13)

SPEC = PlatformSpec(
    prefix="pj", path="/platform/juvenile", title="运城“指南针”未检云平台", platform="P04",
    description="未成年人检察业务统一集中办理：附条件不起诉、社会调查、强制报告、控辍保学等线上协同。",
    group="juvenile",
    record_views=("juvenile",), default_view="juvenile",
)
register(SPEC)
LAUNCH = month_label(PLATFORM_BY_ID["P04"].launch)


@safe_layout
def layout(period=None, unit=None, rank=None, **query):
    extra = [section("审结情况", grid([
        panel("未成年人审查起诉审结情况", graph("pj-outcomes", 300), note="按审结日期统计的人数。"),
        panel("社会调查开展情况", graph("pj-survey", 300)),
    ], "g-2"))]
    return platform_layout(SPEC, extra, period, unit, rank, query)


@memoized
def _outcomes(_snapshot, units, period):
    return R.group_counts(data.read_engine(), "juvenile", ["outcome", "social_survey"], list(units), period)


@callback(Output("pj-outcomes", "figure"), Output("pj-survey", "figure"), Input("pj-params", "data"))
@guarded("figure", "figure")
@cached_output
def outcomes(params):
    period = Period.parse(params["period"])
    if not live(SPEC, period):
        return status_figure("not_live", LAUNCH, 300), status_figure("not_live", LAUNCH, 300)
    df = _outcomes(data.current().store.snapshot, (params["unit"],), params["period"])
    if df.empty:
        return status_figure("no_data", None, 300), status_figure("no_data", None, 300)
    cats = ["提起公诉", "不起诉", "附条件不起诉"]
    counts = [int(df[df["outcome"] == c]["n"].sum()) for c in cats]
    f1 = C.bars_figure(cats, [("人数", counts, "#1f5fae")], 300, unit="人")
    f1["data"][0]["marker"] = {"color": ["#8a94a3", "#2a9d8f", "#1f5fae"]}
    survey = [int(df[df["social_survey"] == v]["n"].sum()) for v in (1, 0)]
    f2 = C.bars_figure(["已开展社会调查", "未开展"], [("人数", survey, "#2a9d8f")], 300, unit="人")
    f2["data"][0]["marker"] = {"color": ["#2a9d8f", "#c9d1dc"]}
    return f1, f2
