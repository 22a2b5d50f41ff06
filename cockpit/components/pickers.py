"""Period and unit pickers. Each control is bound to one URL parameter: changing it navigates
to the same page with that parameter changed (cockpit.components.navigation), so the address
bar always reproduces the view.

Control ids are `{"type": "qp", "name": <parameter>}`; the names with special handling are
`period_kind` (switches the kind, keeping the period's end) and `@path` (the value is a path).
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from cockpit.metrics import units as U
from cockpit.metrics.periods import KIND_LABEL, KINDS, Period, month_from_ordinal, month_ordinal
from cockpit.metrics.query import MetricStore


def qp(name: str) -> dict:
    return {"type": "qp", "name": name}


def period_options(kind: str, store: MetricStore, current: Period) -> list[dict]:
    """The periods of a kind that have data, newest first (the current one always included)."""
    latest, first = store.data_month, store.first_month
    opts: list[Period] = []
    if latest and first:
        lo, hi = month_ordinal(first), month_ordinal(latest)
        seen = set()
        for o in range(hi, lo - 1, -1):
            p = Period.containing(kind, month_from_ordinal(o))
            if str(p) not in seen:
                seen.add(str(p))
                opts.append(p)
    if str(current) not in {str(p) for p in opts}:
        opts.insert(0, current)
    out = []
    for p in opts:
        label = p.label
        if not p.is_complete(latest) and latest:
            label += f"（截至{int(latest[5:])}月）"
        out.append({"label": label, "value": str(p)})
    return out


def period_picker(period: Period, store: MetricStore) -> html.Div:
    return html.Div([
        html.Span("统计期间", className="picker-label"),
        dbc.Select(id=qp("period_kind"), options=[{"label": KIND_LABEL[k], "value": k} for k in KINDS],
                   value=period.kind, size="sm", class_name="picker-kind"),
        dcc.Dropdown(id=qp("period"), options=period_options(period.kind, store, period), value=str(period),
                     clearable=False, searchable=True, className="picker-period"),
    ], className="cockpit-picker period-picker")


def unit_options(include_groups: bool = True, include_city_office: bool = True) -> list[dict]:
    opts = []
    if include_groups:
        opts += [{"label": "全市", "value": U.CITY}, {"label": "基层院合计", "value": U.COUNTIES}]
    for u in U.UNITS:
        if u.tier == "city" and not include_city_office:
            continue
        opts.append({"label": u.short, "value": u.code})
    return opts


def unit_picker(name: str, value, label: str = "单位", multi: bool = False, options: list[dict] | None = None,
                placeholder: str = "选择单位", class_name: str = "") -> html.Div:
    return html.Div([
        html.Span(label, className="picker-label"),
        dcc.Dropdown(id=qp(name), options=options or unit_options(), value=value, multi=multi,
                     clearable=multi, searchable=True, placeholder=placeholder,
                     className=f"picker-unit {'picker-multi' if multi else ''} {class_name}".strip()),
    ], className="cockpit-picker unit-picker")


def county_switcher(code: str) -> html.Div:
    """On /county/<code>: jump to another unit's page (the value is a path)."""
    from cockpit.components.params import href
    options = [{"label": u.short, "value": href(f"/county/{u.code}")} for u in U.UNITS if u.tier == "county"]
    options.append({"label": "市院本级", "value": href(f"/county/{U.CITY_OFFICE}")})
    return html.Div([
        html.Span("单位", className="picker-label"),
        dcc.Dropdown(id=qp("@path"), options=options, value=href(f"/county/{code}"), clearable=False,
                     searchable=True, className="picker-unit"),
    ], className="cockpit-picker unit-picker")


def choice_picker(name: str, label: str, options: dict[str, str], value: str) -> html.Div:
    return html.Div([
        html.Span(label, className="picker-label"),
        dbc.Select(id=qp(name), options=[{"label": v, "value": k} for k, v in options.items()], value=value,
                   size="sm", class_name="picker-choice"),
    ], className="cockpit-picker")


def metric_picker(name: str, label: str, value, options: list[dict], multi: bool = False) -> html.Div:
    return html.Div([
        html.Span(label, className="picker-label"),
        dcc.Dropdown(id=qp(name), options=options, value=value, multi=multi, clearable=multi, searchable=True,
                     className="picker-metric" + (" picker-multi" if multi else "")),
    ], className="cockpit-picker metric-picker")
