"""指标口径 `/metrics`: every indicator with its 口径, formula, kind, direction, maturity window,
minimum sample, source and national reference (all from the catalog's declarations) — the answer to "what is the definition of this indicator?"."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from cockpit.components import formatting as F
from cockpit.components.catalog_groups import DOMAINS, GROUPS
from cockpit.components.params import PageContext
from cockpit.components.sections import section
from cockpit.components.shell import TITLE, browser_page, safe_layout
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

dash.register_page(__name__, path="/metrics", name="指标口径", title=f"指标口径 · {TITLE}", order=4)


@safe_layout
def layout(period=None, **_other):
    ctx = PageContext.build("/metrics", {"period": period})
    sections = []
    for d in DOMAINS:
        rows = []
        for mid in GROUPS[d][1]:
            m = METRIC_BY_ID[mid]
            p = PLATFORM_BY_ID[m.platform]
            rows.append(html.Tr(**{"data-metric": m.id}, children=[
                html.Td(dcc.Link(m.name, href=ctx.link(f"/metric/{m.id}"))),
                html.Td(m.definition, className="def"),
                html.Td(m.formula if m.is_ratio else "计数"),
                html.Td(m.unit),
                html.Td(m.kind_label, className="kind"),
                html.Td(m.direction_label if m.is_ratio else F.direction_text(m), className="direction"),
                html.Td(m.maturity_text or "—", className="maturity"),
                html.Td(m.min_sample_text or "—", className="min-sample"),
                html.Td(f"{p.name}（{month_label(p.launch)}起）"),
                html.Td(F.national_text(m) or "—"),
            ]))
        table = dbc.Table([html.Thead(html.Tr([html.Th(h) for h in ("指标", "口径", "计算公式", "单位", "类型", "方向",
                                                                     "成熟期", "最小样本", "数据来源", "全国参考值")])),
                           html.Tbody(rows)], size="sm", hover=True, class_name="cockpit-table catalog-table")
        sections.append(section(GROUPS[d][0], html.Div(table, className="table-scroll")))
    return browser_page(
        *sections,
        ctx=ctx, active="metric", title="指标及口径",
        subtitle="比率指标一律按“分子、分母分别求和后相除”计算，不对各单位或各月的比率求平均。",
        crumbs=[("全市", ctx.link("/")), ("指标口径", None)],
    )
