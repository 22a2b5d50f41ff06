"""The 预警清单: one month's alerts (cockpit.metrics.alerts) as a list, each row linking to the
metric page for that unit and month (`/metric/<id>?period=<month>&units=<unit>`; 全市 is
always drawn there, so a city alert needs no `units`).

The month is the last month of the chosen period, never after the data month (数据截至): a
year or a quarter shows the alerts of its last month with data. 预警 (worse performance of a
越高越好 / 越低越好 indicator) comes before 异常波动 (either side of a policy indicator or a
count: not better or worse, so it is not coloured as bad).
"""
from __future__ import annotations

import threading

import dash_bootstrap_components as dbc
from dash import dcc, html

from cockpit import flight
from cockpit.components.memo import CODE_VERSION
from cockpit.components.params import href
from cockpit.data import stamp
from cockpit.components.states import state_block
from cockpit.metrics import alerts as A
from cockpit.metrics import units as U
from cockpit.metrics.periods import Period, month_from_ordinal, month_label, month_ordinal
from cockpit.metrics.query import MetricStore

MAX_ROWS = 30
_CACHE: dict = {}
_CACHE_LOCK = threading.Lock()


def alert_month(store: MetricStore, period: str | Period | None) -> str | None:
    """The month whose alerts a period shows: its last month, at most the data month."""
    data_month = store.data_month
    if data_month is None:
        return None
    p = period if isinstance(period, Period) else Period.parse(period) if period else store.default_period()
    return month_from_ordinal(min(p.end_ordinal, month_ordinal(data_month)))


def month_alerts(store: MetricStore, month: str | None, thresholds) -> list[A.Alert]:
    """evaluate() memoized per store snapshot, month and thresholds (a few recent keys in the
    worker, and in the shared cache)."""
    if month is None:
        return []
    key = (id(store), store.snapshot, month, tuple(thresholds))
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    # shared by the workers (Redis) and computed once (cockpit.flight): the warm-up of one worker
    # serves them all
    shared = f"alerts:{CODE_VERSION}:{store.snapshot}:{month}:{stamp(thresholds)}"
    out = flight.once(shared, lambda: A.evaluate(store, month, thresholds))
    with _CACHE_LOCK:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = out
    return out


def alert_href(a: A.Alert) -> str:
    query = {"period": a.month}
    if a.unit != U.CITY:
        query["units"] = a.unit
    return href(f"/metric/{a.metric_id}", query)


def _row(a: A.Alert) -> html.Tr:
    m = a.metric
    badge = dbc.Badge(a.severity_label, color="danger" if a.severity == A.WARNING else "secondary",
                      class_name="alert-badge")
    return html.Tr([
        html.Td(badge),
        html.Td(dcc.Link(m.name, href=alert_href(a), className="alert-link")),
        html.Td(a.unit_label, style={"whiteSpace": "nowrap"}),
        html.Td(A.fmt(m, a.value), className="num", style={"whiteSpace": "nowrap"}),
        html.Td(a.reason),
    ], className=f"alert-row alert-{a.severity}")


def alerts_panel(store: MetricStore, thresholds, period: str | Period | None) -> html.Div:
    """The list for the overview: a title line with the month and the counts, then the table
    (at most MAX_ROWS rows, the rest counted), or 本月无预警."""
    month = alert_month(store, period)
    if month is None:
        return state_block("本月无预警", "尚无数据。")
    alerts = month_alerts(store, month, tuple(thresholds))
    if not alerts:
        return html.Div(state_block("本月无预警", f"{month_label(month)}没有超出阈值、未达目标或超出控制限的数值。"),
                        id="alerts-list", **{"data-month": month})
    n_warn = sum(1 for a in alerts if a.severity == A.WARNING)
    head = html.Div(f"{month_label(month)}：预警 {n_warn} 条，异常波动 {len(alerts) - n_warn} 条。"
                    "点击指标名称查看该单位该月的数值与趋势。", className="alerts-summary")
    rows = [_row(a) for a in alerts[:MAX_ROWS]]
    table = dbc.Table([html.Thead(html.Tr([html.Th(h, style={"whiteSpace": "nowrap"})
                                           for h in ("类别", "指标", "单位", "数值", "原因")])),
                       html.Tbody(rows)], size="sm", hover=True, responsive=True,
                      class_name="cockpit-table alerts-table")
    more = (html.Div(f"另有 {len(alerts) - MAX_ROWS} 条未列出。", className="alerts-more")
            if len(alerts) > MAX_ROWS else None)
    note = html.Div("核查中、办理中、样本少、未上线、无数据和不适用的数值不预警；越高越好的指标只在偏低时预警，"
                    "越低越好的只在偏高时预警；政策导向和不评优劣的指标两侧超出均列为“异常波动”。",
                    className="alerts-note")
    return html.Div([head, table, more, note], id="alerts-list", **{"data-month": month})
