"""Breadcrumbs: 全市 › 盐湖区 › 不捕率 — where a page sits in the drill-down."""
from __future__ import annotations

import dash_bootstrap_components as dbc


def breadcrumbs(items: list[tuple[str, str | None]]) -> dbc.Breadcrumb:
    """[(label, href or None for the current page), …] → a breadcrumb trail."""
    crumbs = []
    for i, (label, link_href) in enumerate(items):
        last = i == len(items) - 1
        crumbs.append({"label": label, "href": link_href, "active": last or link_href is None})
    return dbc.Breadcrumb(items=crumbs, class_name="cockpit-breadcrumb")
