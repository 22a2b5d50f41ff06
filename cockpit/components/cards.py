"""Indicator cards: value, 同比 and 环比 coloured by the metric's direction, 口径 on hover.

A card is a link to the metric's page (`/metric/<id>`); the ⓘ mark opens a tooltip with the
metric's 口径 and formula.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from cockpit.components import formatting as F
from cockpit.components.plain_html import el
from cockpit.metrics.catalog import Metric
from cockpit.metrics.periods import month_label
from cockpit.metrics.query import NOT_APPLICABLE, NOT_LIVE, OK


def definition_tooltip(metric: Metric, target_id: str) -> dbc.Tooltip:
    body = [html.Div(metric.name, className="tip-title"), html.Div(metric.definition, className="tip-def")]
    if metric.is_ratio:
        body.append(html.Div(["计算公式：", metric.formula], className="tip-formula"))
    body.append(html.Div(F.direction_text(metric), className="tip-dir"))
    for extra in (metric.maturity_text, metric.min_sample_text):
        if extra:
            body.append(html.Div(extra, className="tip-dir"))
    if metric.national:
        body.append(html.Div("全国参考值：" + F.national_text(metric), className="tip-nat"))
    return dbc.Tooltip(body, target=target_id, placement="bottom", class_name="cockpit-tooltip", delay={"show": 150,
                                                                                                   "hide": 50})


def _change(metric: Metric, label: str, change, pct, available: bool = True, flag=None) -> html.Div:
    if not available or F.is_missing(change):
        # no comparison: a flagged value (核查中, 样本少) says why, never "持平"
        text = F.no_change_text(metric, flag) if available else "—"
        return html.Div([html.Span(label, className="chg-label"), html.Span(text, className="chg-value")],
                        className="card-change tone-flat")
    signed, text = F.change_parts(metric, change, pct)
    t = F.tone(metric, signed)
    return html.Div([html.Span(label, className="chg-label"),
                     html.Span(F.arrow(signed) if signed else "", className="chg-arrow"),
                     html.Span(text, className="chg-value")], className=f"card-change tone-{t}")


def indicator_card(metric: Metric, row, link: str, id_prefix: str = "card", note: str | None = None,
                   compact: bool = False) -> html.Div:
    """`row`: a row (Series / namedtuple / dict) of `MetricStore.query` for one unit."""
    get = (lambda k: row[k]) if isinstance(row, dict) else (lambda k: getattr(row, k))
    status = get("status")
    value_text = F.fmt_value(metric, get("value"), status, unit=False)
    info_id = f"{id_prefix}-info-{metric.id}"
    has_pop = get("period") and ":ytd" not in str(get("period"))
    flag = get("flag") if _has(row, "flag") else ""
    mark = F.flag_text(metric, flag)
    if status == OK:
        value = html.Div([html.Span(value_text, className="card-value-num"),
                          html.Span(metric.unit, className="card-value-unit"),
                          html.Span(mark, className=f"flag-mark flag-{flag}") if mark else None],
                         className="card-value")
        changes = [_change(metric, "同比", get("yoy_change"), get("yoy_pct"), flag=flag),
                   _change(metric, "环比", get("pop_change"), get("pop_pct"), bool(has_pop), flag=flag)]
    else:
        sub = (f"{month_label(metric.launch)}上线" if status == NOT_LIVE else
               "口径不适用于该单位或期间" if status == NOT_APPLICABLE else "所选期间无可统计数据")
        value = html.Div([html.Span(value_text, className="card-value-status")], className="card-value")
        changes = [html.Div(sub, className="card-change tone-flat")]
    foot = []
    if metric.national and not compact:
        y, v = sorted(metric.national.items())[-1]
        foot.append(html.Span(f"全国{y}年 {F.number(v, metric.decimals)}{metric.unit}", className="card-national"))
    if note:
        foot.append(html.Span(note, className="card-note"))
    return html.Div([
        dcc.Link([
            html.Div([html.Span(metric.name, className="card-name"),
                      html.Span("ⓘ", id=info_id, className="card-info", title="")], className="card-head"),
            value,
            html.Div(changes, className="card-changes"),
            html.Div(foot, className="card-foot") if foot else None,
        ], href=link, className=f"indicator-card {'compact' if compact else ''} metric-{metric.id}".strip(),
            id=f"{id_prefix}-link-{metric.id}"),
        definition_tooltip(metric, info_id),
    ], className="indicator-card-wrap")


def _has(row, key: str) -> bool:
    return key in row if isinstance(row, dict) else hasattr(row, key)


def flagged(metric: Metric, value, status: str, flag, unit: bool = True) -> list:
    """A table cell's content: the value, and its mark (核查中 / 办理中 / 样本少) beside it."""
    mark = F.flag_text(metric, flag) if status == OK else ""
    text = F.fmt_value(metric, value, status, unit)
    if not mark:
        return [text]
    return [text, el("Span", mark, className=f"flag-mark flag-{flag}")]


def card_row(cards: list, class_name: str = "") -> html.Div:
    return html.Div(cards, className=f"card-row {class_name}".strip())
