"""HTML elements as plain JSON dicts, for the big tables.

A Dash component object validates its arguments when it is built and is walked again when
the response is serialised; for a table of a thousand cells that costs tens of milliseconds.
The renderer only ever sees the JSON form `{"type", "namespace", "props"}` — these helpers
write that form directly. Use them where the tree is large and simple (table rows and cells);
keep Dash components everywhere else.
"""
from __future__ import annotations

from dash.development.base_component import Component

HTML = "dash_html_components"
DCC = "dash_core_components"


def el(tag: str, children=None, className: str | None = None, style: dict | None = None, **props) -> dict:
    """`el("Td", "43.4", className="num")` — a dash html element as JSON."""
    p = {k: v for k, v in props.items() if v is not None}
    if children is not None:
        p["children"] = children
    if className:
        p["className"] = className
    if style:
        p["style"] = style
    return {"type": tag, "namespace": HTML, "props": p}


def link(children, href: str, className: str | None = None, title: str | None = None) -> dict:
    """A dcc.Link (in-app navigation without reloading the document)."""
    p = {"children": children, "href": href}
    if className:
        p["className"] = className
    if title:
        p["title"] = title
    return {"type": "Link", "namespace": DCC, "props": p}


def to_plain(value):
    """A component tree (Dash components, dicts, lists) as plain JSON-ready data."""
    if isinstance(value, Component):
        d = value.to_plotly_json()
        d["props"] = {k: to_plain(v) for k, v in d["props"].items()}
        return d
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value
