"""The wall's URL parameters. A bad value falls back to the default silently: the wall is a
kiosk, nobody is there to read an error.

    /screen?metric=ID     pin the map to one indicator (any catalog metric; default: cycle
                          through MAP_CYCLE, one step per refresh)
    /screen?rotate=30     cycle the three screens every 30 s (5 … 3600; default 0 = no rotation)
    /screen?refresh=60    reload the data every N seconds without reloading the page
                          (1 … 3600; default 60)
    /screen?screen=models start on (or, without rotation, stay on) a screen:
                          overview | platforms | models
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID

DEFAULT_REFRESH = 60
MIN_REFRESH, MAX_REFRESH = 1, 3600
MIN_ROTATE, MAX_ROTATE = 5, 3600
SCREENS: tuple[tuple[str, str], ...] = (("overview", "总览"), ("platforms", "四大平台"), ("models", "模型与线索"))
SCREEN_IDS = tuple(s for s, _ in SCREENS)
# The indicators the map cycles through: the catalog's core indicators.
MAP_CYCLE: tuple[str, ...] = CORE_METRICS


@dataclass(frozen=True)
class ScreenParams:
    metric: str | None = None       # pinned map metric, None = cycle MAP_CYCLE
    rotate: int = 0                 # seconds per screen, 0 = no rotation
    refresh: int = DEFAULT_REFRESH  # seconds between data refreshes
    screen: str = "overview"        # the first screen

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> ScreenParams:
        return parse(d or {})


def _one(value):
    """A query value: ?a=1&a=2 may arrive as a list (the last one counts); text is stripped."""
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return value.strip() if isinstance(value, str) else value


def _int(value, lo: int, hi: int) -> int | None:
    """An integer in [lo, hi] from a query value ('30', '30.0', 30), else None."""
    value = _one(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    if f != f or not f.is_integer():
        return None
    n = int(f)
    return n if lo <= n <= hi else None


def parse(query: dict) -> ScreenParams:
    """ScreenParams from the query string's keyword arguments; anything else is ignored."""
    metric = _one(query.get("metric"))
    screen = _one(query.get("screen"))
    return ScreenParams(
        metric=metric if isinstance(metric, str) and metric in METRIC_BY_ID else None,
        rotate=_int(query.get("rotate"), MIN_ROTATE, MAX_ROTATE) or 0,
        refresh=_int(query.get("refresh"), MIN_REFRESH, MAX_REFRESH) or DEFAULT_REFRESH,
        screen=screen if screen in SCREEN_IDS else "overview",
    )


def map_metric(params: ScreenParams, tick: int) -> str:
    """The map's indicator at refresh number `tick` (0 = page load)."""
    if params.metric:
        return params.metric
    return MAP_CYCLE[int(tick or 0) % len(MAP_CYCLE)]
