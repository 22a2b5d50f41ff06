"""Empty, not-live and failure states — never blank axes, never a stack trace.

- `empty_figure(text)`: a figure with no axes and one centred message (未上线 / 无数据 / an error);
- `state_block(text)`: the same for tables and card rows;
- `guarded(*kinds)`: wraps a callback so that an exception becomes a Chinese message in each of
  its outputs ("figure" → an empty figure, "children" → an alert, anything else → that value)
  and is logged with its traceback on the server only.
"""
from __future__ import annotations

import functools
import logging

import dash_bootstrap_components as dbc
from dash import html
from dash.exceptions import PreventUpdate
from sqlalchemy.exc import DBAPIError, OperationalError

from cockpit.components.formatting import plot_text
from cockpit.metrics.query import NO_DATA, NOT_LIVE, STATUS_LABEL

log = logging.getLogger("cockpit.pages")

FONT = "Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif"
DB_DOWN = "数据库暂时无法连接，此部分数据暂不可用。系统会自动重试，请稍后刷新页面。"
FAILED = "此部分内容生成失败，请稍后重试；如问题持续，请联系检察技术部。"


def message_for(err: BaseException) -> str:
    if isinstance(err, (OperationalError, DBAPIError, ConnectionError, TimeoutError)):
        return DB_DOWN
    return FAILED


def empty_figure(text: str, sub: str | None = None, height: int | None = None) -> dict:
    """A figure without axes that says why there is nothing to draw."""
    text, sub = plot_text(text), (plot_text(sub) if sub else sub)     # messages may quote the data
    annotations = [{"text": f"<b>{text}</b>", "x": 0.5, "y": 0.56 if sub else 0.5, "xref": "paper",
                    "yref": "paper", "showarrow": False, "font": {"size": 16, "color": "#5b6675"}}]
    if sub:
        annotations.append({"text": sub, "x": 0.5, "y": 0.4, "xref": "paper", "yref": "paper",
                            "showarrow": False, "font": {"size": 12, "color": "#8a94a3"}})
    layout = {"xaxis": {"visible": False}, "yaxis": {"visible": False}, "annotations": annotations,
              "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "paper_bgcolor": "rgba(0,0,0,0)",
              "plot_bgcolor": "rgba(0,0,0,0)", "font": {"family": FONT}}
    if height:
        layout["height"] = height
    return {"data": [], "layout": layout}


def status_figure(status: str, launch_label: str | None = None, height: int | None = None) -> dict:
    if status == NOT_LIVE:
        return empty_figure("未上线", f"该平台{launch_label}上线，此前无数据" if launch_label else None, height)
    return empty_figure(STATUS_LABEL.get(status) or "无数据", "所选期间和单位没有可统计的数据", height)


def state_block(text: str, sub: str | None = None, kind: str = "empty") -> html.Div:
    """A message in place of a table or a card row. kind: empty | not-live | error."""
    return html.Div([html.Div(text, className="state-title"), html.Div(sub, className="state-sub") if sub else None],
                    className=f"cockpit-state state-{kind}")


def not_live_block(launch_label: str) -> html.Div:
    return state_block("未上线", f"该平台{launch_label}上线，所选期间在上线之前。", "not-live")


def no_data_block(sub: str = "所选期间和单位没有可统计的数据。") -> html.Div:
    return state_block(STATUS_LABEL[NO_DATA], sub, "empty")


def error_alert(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="danger", class_name="cockpit-error")


def guarded(*kinds):
    """Decorate a callback; `kinds` gives each output's fallback: "figure", "children", or a value."""
    def deco(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except PreventUpdate:
                raise
            except Exception as err:  # noqa: BLE001 - every failure becomes a message
                log.exception("callback %s failed", fn.__name__)
                text = message_for(err)
                outs = []
                for k in kinds:
                    if k == "figure":
                        outs.append(empty_figure("暂时无法显示", text))
                    elif k == "children":
                        outs.append(error_alert(text))
                    else:
                        outs.append(k)
                return outs[0] if len(outs) == 1 else tuple(outs)
        return wrapper
    return deco
