"""/screen — the command-center wall (数据驾驶舱大屏), unattended, no browser chrome.

A 1920×1080 design canvas scaled to any 16:9 viewport (letterboxed, no scroll bars), in the
dark command-center look: clock, "数据更新至 …" from the last ETL publish, the city map in the
centre (counties coloured by a core indicator, rippling landmarks, the 13 county offices),
the headline strip, one panel per platform, the model leaderboard, the suggestion funnel, the
county comparison (基层院对比: each county against the city and the county median; a ranking
only when `COCKPIT_RANKING=on`), the live non-custody warnings and the 预警 panel (the data
month's alerts, `cockpit.metrics.alerts`). What each block and chart
shows is `cockpit/screen/spec.py`, its metrics the catalog's wall placements. Three screens: 总览 (overview), 四大平台
(platforms), 模型与线索 (models and clues).

Periods (口径 of the wall):
- headline strip: **cumulative to date** — flows summed over the calendar years from the first
  month of data to the latest month, running totals (platforms, models) at the latest month;
- panels, map and ranking: **year to date** of the latest month with data (e.g. 2026年1—11月;
  `MetricStore.data_month`: the metric layer's latest_month unless that is only a deadline booked
  ahead); a stock (在管人数) is its value at the end of that month;
- trends: the last 12 (overview) or 24 (platforms, models) months, months before a platform
  went live shaded "未上线".

URL parameters (a bad value falls back to the default silently):
    ?metric=ID    pin the map's indicator (default: cycle the core indicators, one per refresh)
    ?rotate=N     cycle the three screens every N seconds (5…3600; default: no rotation)
    ?refresh=N    refresh the data every N seconds without reloading (1…3600; default 60)
    ?screen=S     the screen to show first: overview | platforms | models

When the database is unreachable the wall keeps the last figures and shows "数据暂停更新";
it recovers by itself at the next refresh after the database returns.

Implementation: `cockpit/screen/` (spec, params, shaping, sources, charts, panels, layout,
payload, callbacks), `assets/screen.css` and `assets/screen.js`.
"""
from __future__ import annotations

import logging

import dash

from cockpit.components.shell import TITLE
from cockpit.screen import callbacks
from cockpit.screen import layout as L
from cockpit.screen.params import parse

dash.register_page(__name__, path="/screen", name="数据驾驶舱大屏", title=f"大屏 · {TITLE}", order=90)

callbacks.register()
log = logging.getLogger(__name__)


def layout(metric=None, rotate=None, refresh=None, screen=None, **_other):
    """The wall, filled with its first refresh (see cockpit.screen.layout). If that fails, the
    skeleton, which the first refresh tick fills, as a failed tick is retried at the next."""
    params = parse({"metric": metric, "rotate": rotate, "refresh": refresh, "screen": screen})
    try:
        fill = callbacks.first_fill(params)
    except Exception:  # noqa: BLE001 — the page must still come up
        log.exception("the wall's first fill failed; the first refresh tick will fill it")
        fill = None
    return L.build(params, callbacks.now(), fill)
