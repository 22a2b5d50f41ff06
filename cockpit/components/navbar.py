"""The browser pages' navigation bar. Links carry the current period (`?period=`)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc

from cockpit.components.catalog_groups import DOMAINS, GROUPS
from cockpit.components.params import href
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID

PLATFORM_PAGES = (
    ("/platform/arrest", "审查逮捕 · 社会危险性评估"),
    ("/platform/noncustody", "非羁押诉讼数字监督"),
    ("/platform/plea", "认罪认罚同步录音录像"),
    ("/platform/juvenile", "“指南针”未检云平台"),
)


def _q(period: str | None) -> dict:
    return {"period": period} if period else {}


_BUILT: dict[tuple, dict] = {}


def navbar(active: str = "", period: str | None = None):
    """`active`: overview | county | metric | compare | trends | platform | models | clues | reports.
    Built once per (active, period, path prefix) and kept as its JSON form: every page load
    carries it, and its ~70 menu entries are the same each time."""
    from cockpit.components.plain_html import to_plain
    key = (active, period, dash.get_relative_path("/"))
    hit = _BUILT.get(key)
    if hit is None:
        if len(_BUILT) > 512:
            _BUILT.clear()
        hit = _BUILT[key] = to_plain(_navbar(active, period))
    return hit


def _navbar(active: str = "", period: str | None = None) -> dbc.Navbar:
    q = _q(period)
    county_items = [dbc.DropdownMenuItem("县区", header=True)] + [
        dbc.DropdownMenuItem(u.short, href=href(f"/county/{u.code}", q))
        for u in U.UNITS if u.tier == "county"
    ] + [dbc.DropdownMenuItem(divider=True),
         dbc.DropdownMenuItem("市院本级", href=href(f"/county/{U.CITY_OFFICE}", q))]
    metric_items = [dbc.DropdownMenuItem("全部指标及口径", href=href("/metrics", q))]
    for d in DOMAINS:
        metric_items.append(dbc.DropdownMenuItem(GROUPS[d][0], header=True))
        metric_items += [dbc.DropdownMenuItem(METRIC_BY_ID[m].name, href=href(f"/metric/{m}", q),
                                              class_name="nav-metric-item")
                         for m in GROUPS[d][1]]
    platform_items = [dbc.DropdownMenuItem(label, href=href(path, q)) for path, label in PLATFORM_PAGES]

    def link(label, path, key):
        return dbc.NavItem(dbc.NavLink(label, href=href(path, q), active=active == key,
                                       class_name="cockpit-navlink"))

    def menu(label, items, key, menu_id):
        return dbc.DropdownMenu(items, label=label, nav=True, in_navbar=True, id=menu_id,
                                class_name="cockpit-navmenu" + (" active" if active == key else ""),
                                toggle_class_name="active" if active == key else "")

    return dbc.Navbar(
        dbc.Container([
            dbc.Nav([
                link("总览", "/", "overview"),
                menu("县区", county_items, "county", "nav-menu-county"),
                menu("指标", metric_items, "metric", "nav-menu-metric"),
                link("县区对比", "/compare", "compare"),
                link("趋势", "/trends", "trends"),
                menu("平台", platform_items, "platform", "nav-menu-platform"),
                link("模型与线索", "/models", "models"),
                link("线索台账", "/clues", "clues"),
                link("研判材料", "/reports", "reports"),
            ], navbar=True, class_name="cockpit-nav"),
        ], fluid=True),
        color="white", class_name="cockpit-navbar", expand=True,
    )

