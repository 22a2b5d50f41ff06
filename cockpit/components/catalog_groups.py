"""How the pages group the catalog's metrics (navigation menus, the county table, /compare).

Everything here is derived from the declarations in cockpit.metrics.catalog (each metric's
`group` and `order`); nothing is typed again. A group lists metric ids in display order.
"""
from __future__ import annotations

from cockpit.metrics.catalog import CORE_METRICS, GROUP_LABEL, GROUPS as _DOMAIN_GROUPS, METRIC_BY_ID, METRICS

GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "core": ("核心指标", CORE_METRICS),
    **{g: (GROUP_LABEL[g], ids) for g, ids in _DOMAIN_GROUPS.items()},
}
GROUP_LABELS = {k: v[0] for k, v in GROUPS.items()}
# Domain groups (every metric exactly once), in menu order.
DOMAINS = tuple(GROUP_LABEL)
# Rates and per-capita rates: the values that compare offices of any size fairly.
RATIO_METRICS = tuple(m.id for m in METRICS if m.is_ratio)


def domain_of(metric_id: str) -> str:
    return METRIC_BY_ID[metric_id].group
