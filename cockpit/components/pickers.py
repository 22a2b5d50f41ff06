"""Period and unit pickers. Each control is bound to one URL parameter: changing it navigates
to the same page with that parameter changed (cockpit.components.navigation), so the address
bar always reproduces the view.

Control ids are `{"type": "qp", "name": <parameter>}`; the names with special handling are
`period_kind` (switches the kind, keeping the period's end) and `@path` (the value is a path).

Every select of the cockpit is made by `dropdown` or `select` below: Dash 4's dcc.Dropdown
writes English by default ("Search", "3 selected", "Select All" …, its `labels` prop) and a
dbc.Select without a placeholder shows a blank first line; these two give both in Chinese.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from cockpit.metrics import units as U
from cockpit.metrics.periods import KIND_LABEL, KINDS, Period, month_from_ordinal, month_ordinal
from cockpit.metrics.query import MetricStore


# The texts Dash 4's dcc.Dropdown draws itself (its `labels` prop; `{num_selected}` is
# replaced by the number of chosen options in the summary of a multi-select).
DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "全部取消",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索内容",
    "clear_selection": "清除已选",
    "no_options_found": "没有匹配的选项",
}
PLACEHOLDER = "请选择"


def dropdown(id, options, value=None, *, placeholder: str = PLACEHOLDER, **kwargs) -> dcc.Dropdown:
    """A dcc.Dropdown that speaks Chinese: its own texts (DROPDOWN_LABELS) and a placeholder."""
    return dcc.Dropdown(id=id, options=options, value=value, placeholder=placeholder, labels=DROPDOWN_LABELS,
                        **kwargs)


def select(id, options, value=None, *, placeholder: str = PLACEHOLDER, size: str = "sm", **kwargs) -> dbc.Select:
    """A dbc.Select whose line before a choice is made says what to do (never blank)."""
    return dbc.Select(id=id, options=options, value=value, placeholder=placeholder, size=size, **kwargs)


def localize(control, placeholder: str = PLACEHOLDER):
    """Give a select made elsewhere what `dropdown`/`select` give (only where it is missing)."""
    if isinstance(control, (dcc.Dropdown, dbc.Select)) and not getattr(control, "placeholder", None):
        control.placeholder = placeholder
    if isinstance(control, dcc.Dropdown) and not getattr(control, "labels", None):
        control.labels = DROPDOWN_LABELS
    return control


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
        select(qp("period_kind"), [{"label": KIND_LABEL[k], "value": k} for k in KINDS], period.kind,
               placeholder="选择期间类型", class_name="picker-kind"),
        dropdown(qp("period"), period_options(period.kind, store, period), str(period), placeholder="选择统计期间",
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
        dropdown(qp(name), options or unit_options(), value, multi=multi, clearable=multi, searchable=True,
                 placeholder=placeholder,
                 className=f"picker-unit {'picker-multi' if multi else ''} {class_name}".strip()),
    ], className="cockpit-picker unit-picker")


def county_switcher(code: str) -> html.Div:
    """On /county/<code>: jump to another unit's page (the value is a path)."""
    from cockpit.components.params import href
    options = [{"label": u.short, "value": href(f"/county/{u.code}")} for u in U.UNITS if u.tier == "county"]
    options.append({"label": "市院本级", "value": href(f"/county/{U.CITY_OFFICE}")})
    return html.Div([
        html.Span("单位", className="picker-label"),
        dropdown(qp("@path"), options, href(f"/county/{code}"), placeholder="选择单位", clearable=False,
                 searchable=True, className="picker-unit"),
    ], className="cockpit-picker unit-picker")


def choice_picker(name: str, label: str, options: dict[str, str], value: str) -> html.Div:
    return html.Div([
        html.Span(label, className="picker-label"),
        select(qp(name), [{"label": v, "value": k} for k, v in options.items()], value,
               placeholder=f"选择{label}", class_name="picker-choice"),
    ], className="cockpit-picker")


def metric_picker(name: str, label: str, value, options: list[dict], multi: bool = False) -> html.Div:
    return html.Div([
        html.Span(label, className="picker-label"),
        dropdown(qp(name), options, value, placeholder="选择指标", multi=multi, clearable=multi, searchable=True,
                 className="picker-metric" + (" picker-multi" if multi else "")),
    ], className="cockpit-picker metric-picker")
