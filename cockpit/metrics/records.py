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
from etl.contracts import SOURCE_BY_ID, month_column  # plain-data description of the exports

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
    if source.months:
        return month_column(source.months[-1]) if source_id != "arrest" else "concluded_month"
    return "stat_month"


def list_records(engine: Engine, source_id: str, units: str | list[str] = U.CITY, period: Period | str | None = None,
                 measure_id: str | None = None, sort: str | None = None, descending: bool = True,
                 filters: dict[str, str] | None = None, page: int = 0, page_size: int = PAGE_SIZE) -> RecordPage:
    """A page of masked records. `filters` maps a column to a value it must contain."""
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


def latest_warnings(engine: Engine, limit: int = 20) -> pd.DataFrame:
    """The latest non-custody warnings, newest first: unit, time, kind, handling — no person."""
    sql = text("SELECT unit_code, occurred_at, warning_type, handling, handled_at FROM stg_nc_event "
               "WHERE kind = '预警' ORDER BY occurred_at DESC, event_no DESC LIMIT :n")
    with engine.connect() as conn:
        rows = conn.execute(sql, {"n": limit}).all()
    frame = pd.DataFrame(rows, columns=["unit_code", "occurred_at", "warning_type", "handling", "handled_at"])
    frame["unit"] = frame["unit_code"].map(lambda c: U.UNIT_BY_CODE[c].short)
    return frame
