"""The records behind a number: staged rows, selected by the same declarations as the facts.

`list_records` returns one page of the staged records of a source for some units and a period
— optionally only those a measure counts (the measure's own `where` and booking month), so
the list behind "不批准逮捕 31人" is exactly those 31 people. Personal data is masked here,
before anything leaves the metric layer: names keep their first character (王**), ID numbers
their region and last four digits, free text loses ID and phone numbers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, bindparam, text

from cockpit.metrics import units as U
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period
from cockpit.metrics.contracts import SOURCE_BY_ID, month_column  # plain-data description of the exports

PAGE_SIZE = 20
_ID_RE = re.compile(r"\d{17}[\dXx]|\d{15}")
_PHONE_RE = re.compile(r"1[3-9]\d{9}")


def mask_name(name: object) -> str:
    s = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name).strip()
    if not s:
        return ""
    return s[0] + "*" * max(1, len(s) - 1)


def mask_id(value: object) -> str:
    s = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value).strip()
    if len(s) <= 6:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:] if len(s) > 10 else s[:2] + "*" * (len(s) - 2)


def mask_text(value: object) -> str:
    s = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    s = _ID_RE.sub(lambda m: mask_id(m.group(0)), s)
    return _PHONE_RE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], s)


@dataclass(frozen=True)
class RecordPage:
    rows: pd.DataFrame       # internal column names; masked
    headers: dict[str, str]  # internal name -> Chinese header
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def default_month_column(source_id: str) -> str:
    source = SOURCE_BY_ID[source_id]
    if source.list_month:
        return source.list_month
    if source.months:
        return month_column(source.months[-1])
    return "stat_month"


def _scope(source_id: str, units, period, measure_id: str | None, filters: dict[str, str] | None = None,
           equals: dict[str, str] | None = None) -> tuple[list[str], dict, str]:
    """(where clauses, parameters, month column) selecting a source's records for units, a
    period and optionally a measure — the measure's own `where` and booking month."""
    source = SOURCE_BY_ID[source_id]
    where, params = [], {}
    codes = sorted({c for u in ([units] if isinstance(units, str) else units) for c in U.members(u)})
    where.append("unit_code IN :units")
    params["units"] = codes
    month_col = default_month_column(source_id)
    if measure_id:
        measure = MEASURE_BY_ID[measure_id]
        if measure.source != source_id:
            raise ValueError(f"measure {measure_id} does not count {source_id} records")
        month_col = measure.month
        if measure.where:
            where.append(f"({measure.where})")
    if period is not None:
        period = Period.parse(period) if isinstance(period, str) else period
        where.append(f"{month_col} BETWEEN :m0 AND :m1")
        params.update(m0=period.start, m1=period.end)
    columns = [c.name for c in source.columns]
    for i, (col, value) in enumerate(sorted((filters or {}).items())):
        if col not in columns or not str(value).strip():
            continue
        if source.column(col).personal:
            continue  # never search by personal data from the UI
        where.append(f"CAST({col} AS VARCHAR(200)) LIKE :f{i}")
        params[f"f{i}"] = f"%{str(value).strip()}%"
    for i, (col, value) in enumerate(sorted((equals or {}).items())):
        if col not in columns or value is None or str(value) == "":
            continue
        if source.column(col).personal:
            continue
        if str(value) == NULL_VALUE:
            where.append(f"{col} IS NULL")
            continue
        where.append(f"{col} = :e{i}")
        params[f"e{i}"] = int(value) if source.column(col).type in ("flag", "int") else str(value)
    return where, params, month_col


NULL_VALUE = "__null__"   # an `equals` value selecting records where the column is empty


def list_records(engine: Engine, source_id: str, units: str | list[str] = U.CITY, period: Period | str | None = None,
                 measure_id: str | None = None, sort: str | None = None, descending: bool = True,
                 filters: dict[str, str] | None = None, page: int = 0, page_size: int = PAGE_SIZE,
                 equals: dict[str, str] | None = None) -> RecordPage:
    """A page of masked records. `filters` maps a column to a value it must contain; `equals`
    maps a column to the value it must equal (NULL_VALUE: the column is empty). Filters on
    personal columns are ignored."""
    source = SOURCE_BY_ID[source_id]
    where, params, month_col = _scope(source_id, units, period, measure_id, filters, equals)
    columns = [c.name for c in source.columns]
    order_col = sort if sort in columns else month_col
    order = f"{order_col} {'DESC' if descending else 'ASC'}, file_name, line_no"
    clause = " AND ".join(where)
    count_sql = text(f"SELECT COUNT(*) FROM {source.table} WHERE {clause}").bindparams(
        bindparam("units", expanding=True))
    list_sql = text(f"SELECT {', '.join(columns)} FROM {source.table} WHERE {clause} ORDER BY {order} "
                    f"LIMIT :limit OFFSET :offset").bindparams(bindparam("units", expanding=True))
    with engine.connect() as conn:
        total = int(conn.execute(count_sql, params).scalar() or 0)
        page = max(0, min(page, max(0, -(-total // page_size) - 1)))
        rows = conn.execute(list_sql, {**params, "limit": page_size, "offset": page * page_size}).all()
    frame = pd.DataFrame(rows, columns=columns)
    for col in source.columns:
        if col.personal:
            masker = mask_id if col.name == "id_number" else mask_text if col.type == "text" and \
                col.name == "summary" else mask_name
            frame[col.name] = frame[col.name].map(masker)
    headers = {c.name: c.header for c in source.columns}
    return RecordPage(frame, headers, total, page, page_size)


def group_counts(engine: Engine, source_id: str, columns: list[str], units: str | list[str] = U.CITY,
                 period: Period | str | None = None, measure_id: str | None = None,
                 equals: dict[str, str] | None = None) -> pd.DataFrame:
    """Counts of a source's records by the values of some non-personal columns (enums, flags,
    scores), over the same selection as `list_records`. Columns: the grouping columns + `n`."""
    source = SOURCE_BY_ID[source_id]
    derived = {name for name, _ in source.derived} | {month_column(c) for c in source.months}
    for col in columns:
        if col in derived:
            continue
        if source.column(col).personal:   # KeyError for an unknown column
            raise ValueError(f"{source_id}.{col} is personal data and cannot be grouped")
    where, params, _ = _scope(source_id, units, period, measure_id, None, equals)
    cols = ", ".join(columns)
    sql = text(f"SELECT {cols}, COUNT(*) AS n FROM {source.table} WHERE {' AND '.join(where)} "
               f"GROUP BY {cols} ORDER BY {cols}").bindparams(bindparam("units", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(sql, params).all()
    frame = pd.DataFrame(rows, columns=list(columns) + ["n"])
    frame["n"] = frame["n"].astype(int)
    return frame


# --- the 60-item social-danger assessment -----------------------------------------------------
# The item list is the one the (demo) assessment platform exports its codes from; when the real
# item catalogue is loaded it belongs in the metric layer. Codes are shown as they are if unknown.
try:
    from cockpit.metrics.assessment import ITEM_BY_CODE as _ITEMS, NOTES as ASSESSMENT_NOTES, PARTS as _PARTS
except ImportError:  # pragma: no cover - the catalogue is optional
    _ITEMS, ASSESSMENT_NOTES, _PARTS = {}, (), {"A": "犯罪性质", "B": "罪后表现", "C": "犯罪嫌疑人基本情况"}

ASSESSMENT_PARTS = dict(_PARTS)


def assessment_item(code: str) -> tuple[str, str, int | None]:
    """(part, name, weight) of an item code; the part from the code's letter when unknown."""
    item = _ITEMS.get(code)
    if item is not None:
        return item.part, item.name, item.weight
    return ASSESSMENT_PARTS.get(code[:1], "其他"), code, None


def item_frequencies(engine: Engine, units: str | list[str] = U.CITY, period: Period | str | None = None
                     ) -> tuple[pd.DataFrame, int]:
    """How often each assessment item fired among the persons assessed (审查逮捕, booked in the
    审结 month like `arrest_assessed`). Returns (frame code, part, name, weight, n, share %,
    approved, not_approved — persons with the item by decision), number of persons assessed)."""
    where, params, _ = _scope("arrest", units, period, "arrest_assessed")
    sql = text(f"SELECT risk_items, decision FROM stg_arrest WHERE {' AND '.join(where)}").bindparams(
        bindparam("units", expanding=True))
    with engine.connect() as conn:
        rows = conn.execute(sql, params).all()
    counts: dict[str, list[int]] = {}
    for items, decision in rows:
        if not items:
            continue
        for code in {c.strip() for c in str(items).replace("；", ";").replace(",", ";").split(";") if c.strip()}:
            c = counts.setdefault(code, [0, 0, 0])
            c[0] += 1
            c[1 if decision == "批准逮捕" else 2] += 1
    assessed = len(rows)
    out = []
    for code, (n, approved, not_approved) in counts.items():
        part, name, weight = assessment_item(code)
        out.append((code, part, name, weight, n, 100.0 * n / assessed if assessed else None, approved, not_approved))
    frame = pd.DataFrame(out, columns=["code", "part", "name", "weight", "n", "share", "approved", "not_approved"])
    frame = frame.sort_values(["n", "code"], ascending=[False, True]).reset_index(drop=True)
    return frame, assessed


def latest_warnings(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """The latest non-custody warnings, newest first: unit, time, kind, handling — no person."""
    sql = text("SELECT unit_code, occurred_at, warning_type, handling, handled_at FROM stg_nc_event "
               "WHERE kind = '预警' ORDER BY occurred_at DESC, event_no DESC LIMIT :n")
    with engine.connect() as conn:
        rows = conn.execute(sql, {"n": limit}).all()
    frame = pd.DataFrame(rows, columns=["unit_code", "occurred_at", "warning_type", "handling", "handled_at"])
    frame["unit"] = frame["unit_code"].map(lambda c: U.UNIT_BY_CODE[c].short)
    return frame
