"""Breadcrumbs: 全市 › 盐湖区 › 不捕率 — where a page sits in the drill-down.

Plain Bootstrap markup rather than dbc.Breadcrumb, whose navigation landmark is labelled
"breadcrumb" in English with no property to change it (screen readers read it aloud)."""
from __future__ import annotations

from dash import dcc, html


def breadcrumbs(items: list[tuple[str, str | None]]) -> html.Nav:
    """[(label, href or None for the current page), …] → a breadcrumb trail."""
    crumbs = []
    for i, (label, link_href) in enumerate(items):
        if i == len(items) - 1 or link_href is None:
            crumbs.append(html.Li(label, className="breadcrumb-item active", **{"aria-current": "page"}))
        else:
            crumbs.append(html.Li(dcc.Link(label, href=link_href), className="breadcrumb-item"))
    return html.Nav(html.Ol(crumbs, className="breadcrumb"), className="cockpit-breadcrumb",
                    **{"aria-label": "当前位置"})
