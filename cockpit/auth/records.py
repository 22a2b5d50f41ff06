"""Records (明细) through the role filter: the one way pages should fetch records.

    from cockpit.auth import records_for
    page = records_for("arrest", params["units"], period, measure_id=..., page=..., sort=...)

`records_for` takes the principal of the current request, keeps only the units it may see
(roles.allowed_record_units: a county user only its own unit, the wall none), fetches the page
with `cockpit.metrics.records.list_records` (which masks personal data) and writes a
`view_records` audit entry. Asking only for units one may not see returns an empty page
(total 0) — the same answer as "no such records", so nothing leaks through counts either.

Call it inside the callback, never from a cached helper keyed without the user: a cache shared
between users must be keyed by the *filtered* units (e.g. call `allowed_record_units` first and
pass its result to the cached fetch).
"""
from __future__ import annotations

import pandas as pd

from cockpit.auth import audit, roles
from cockpit.auth.context import current_principal
from cockpit.metrics import records as R
from cockpit.metrics import units as U
from cockpit.metrics.contracts import SOURCE_BY_ID

_NO_USER = object()


def empty_page(source_id: str, page_size: int = R.PAGE_SIZE) -> R.RecordPage:
    source = SOURCE_BY_ID[source_id]
    frame = pd.DataFrame({c.name: pd.Series(dtype=object) for c in source.columns})
    return R.RecordPage(frame, {c.name: c.header for c in source.columns}, 0, 0, page_size)


def record_units(source_id: str, units, principal=_NO_USER) -> list[str]:
    """The unit codes of `units` whose records of `source_id` the principal may see."""
    principal = current_principal() if principal is _NO_USER else principal
    if source_id in roles.UNRESTRICTED_SOURCES and roles.may_see_records(principal):
        return roles.expand_units(units)   # the register of platforms and models is not case data
    return roles.allowed_record_units(principal, units)


def records_for(source_id: str, units=U.CITY, period=None, *, principal=_NO_USER, engine=None,
                audit_view: bool = True, **kwargs) -> R.RecordPage:
    """`list_records` restricted to what the principal may see (default: the current request's).
    Keyword arguments are those of `list_records` (measure_id, sort, descending, filters,
    equals, page, page_size)."""
    from cockpit import data
    principal = current_principal() if principal is _NO_USER else principal
    allowed = record_units(source_id, units, principal)
    page_size = kwargs.get("page_size", R.PAGE_SIZE)
    if not allowed:
        if audit_view and principal is not None and principal.kind != "open":
            audit.record("view_records", {"source": source_id, "units": _as_list(units), "granted": [],
                                          "period": str(period) if period else None, "total": 0},
                         subject=source_id, actor=principal)
        return empty_page(source_id, page_size)
    page = R.list_records(engine or data.read_engine(), source_id, allowed, period, **kwargs)
    if audit_view and source_id not in roles.UNRESTRICTED_SOURCES and (principal is None or principal.kind != "open"):
        audit.record("view_records", {
            "source": source_id, "units": _as_list(units), "granted": allowed if len(allowed) < 14 else ["CITY"],
            "period": str(period) if period else None, "measure": kwargs.get("measure_id"),
            "page": page.page + 1, "total": page.total}, subject=source_id, actor=principal)
    return page


def _as_list(units) -> list[str]:
    if units is None:
        return []
    return [units] if isinstance(units, str) else [str(u) for u in units]
