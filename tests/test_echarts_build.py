"""The cockpit's ECharts build holds every part the wall's charts use.

cockpit/components/echarts/echarts.min.js is built from build/entry.js with only the chart
types and components the wall needs. ECharts ignores an option whose part is not in the build
(a chart simply misses its legend or its marked area), so this test reads every option the wall
can send — all screens, every map indicator, a county panel — and checks each series type and
each option component against the parts imported in entry.js, and that the built file is the
one entry.js describes.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cockpit.metrics.engine import make_engine
from cockpit.metrics.query import MetricStore
from cockpit.screen import payload
from cockpit.screen.params import MAP_CYCLE

BUILD = Path(__file__).resolve().parent.parent / "cockpit" / "components" / "echarts"

# option keys that are settings, not parts to import
SETTINGS = {"animation", "animationDelay", "animationDelayUpdate", "animationDuration", "animationDurationUpdate",
            "animationEasing", "animationEasingUpdate", "animationThreshold", "backgroundColor", "color",
            "series", "textStyle", "useUTC", "darkMode", "stateAnimation", "blendMode"}
# option key → the part that draws it
COMPONENT_OF = {"title": "TitleComponent", "tooltip": "TooltipComponent", "legend": "LegendComponent",
                "grid": "GridComponent", "xAxis": "GridComponent", "yAxis": "GridComponent",
                "geo": "GeoComponent", "visualMap": "VisualMapComponent", "aria": "AriaComponent",
                "dataZoom": "DataZoomComponent", "graphic": "GraphicComponent", "toolbox": "ToolboxComponent",
                "dataset": "DatasetComponent", "polar": "PolarComponent", "radar": "RadarComponent",
                "axisPointer": "AxisPointerComponent", "timeline": "TimelineComponent",
                "calendar": "CalendarComponent", "brush": "BrushComponent", "singleAxis": "SingleAxisComponent",
                "parallel": "ParallelComponent"}
SERIES_PART = {"markLine": "MarkLineComponent", "markArea": "MarkAreaComponent", "markPoint": "MarkPointComponent",
               "labelLayout": "LabelLayout"}


def imported_parts() -> set[str]:
    entry = (BUILD / "build" / "entry.js").read_text(encoding="utf-8")
    used = re.search(r"echarts\.use\(\[(.*?)\]\)", entry, re.S).group(1)
    return set(re.findall(r"\w+", used))


@pytest.fixture(scope="module")
def wall_options(demo_db_url) -> list[dict]:
    engine = make_engine(demo_db_url)
    store = MetricStore.load(engine)
    static = payload.static_part(store, engine)
    options = [v["o"] for v in static["charts"].values()]
    options += [payload.map_part(store, m)["chart"]["o"] for m in MAP_CYCLE]
    options.append(payload.county_part(store, "140802", MAP_CYCLE[0])["chart"]["o"])
    engine.dispose()
    return options


def test_every_part_the_wall_uses_is_in_the_build(wall_options):
    parts = imported_parts()
    assert "CanvasRenderer" in parts
    needed: dict[str, str] = {}
    for option in wall_options:
        for key in option:
            if key in SETTINGS:
                continue
            assert key in COMPONENT_OF, f"option key {key!r}: add it to SETTINGS or COMPONENT_OF"
            needed[COMPONENT_OF[key]] = key
        for series in option["series"]:
            kind = series["type"]
            needed[kind[0].upper() + kind[1:] + "Chart"] = f"series type {kind}"
            for key, part in SERIES_PART.items():
                if key in series:
                    needed[part] = f"series {key}"
    missing = {part: why for part, why in needed.items() if part not in parts}
    assert not missing, f"not in build/entry.js: {missing}"
    # the series types seen are the wall's, so the check above did look at real options
    assert {"MapChart", "EffectScatterChart", "LineChart", "BarChart", "PieChart"} <= set(needed)


def test_the_built_file_is_the_slim_build():
    built = (BUILD / "echarts.min.js").read_text(encoding="utf-8")
    assert built.startswith("/*! Apache ECharts 5.6.0")
    assert "window.echarts=" in built
    assert '"production"' not in built and "process.env" not in built  # development checks dropped
    assert len(built) < 800_000  # the full ECharts is 1 MB; dash-echarts' bundle was 2.4 MB
    for notice in ("echarts.LICENSE.txt", "echarts.NOTICE.txt"):
        assert (BUILD / notice).is_file()
