"""Data quality for the data office (数据质量): what arrived, what was quarantined and why.

Read from the load ledger (`etl_file`, `etl_reject`) and, for files whose name does not say
it, the staging tables' lineage. PRACTICE §6: offices answer for their data; this is the raw
material of the 报送进度 and 案卡差错 bulletins.

Which unit and which month a file reports (its *attribution*), decided once here:
1. its name, as the exports are named (报送文件命名): `<6-digit unit code>_…_<YYYYMM>.<ext>`
   (e.g. `2024-03/140802_盐湖区人民检察院_审查逮捕人员_202403.csv`) — a known unit code first,
   a valid month last;
2. otherwise its staged rows: the unit code most of its rows carry, and the month (of the
   source's first month column, `stat_month` where the source has one) most of them fall in —
   one GROUP BY per staging table over those files only (plain SQL, SQLite and PostgreSQL);
3. otherwise (nothing staged: a file wholly rejected or unreadable, named otherwise) the unit is
   unknown (`UNKNOWN`, shown as 未识别单位) and the month is the month it was loaded.

A file's rows count where the file is attributed, even when a few rows name another unit.

Reasons are grouped (`reason_group`) by blanking the values quoted in them: a reason quotes
the column header and the offending value in 「」; the header (a contract header) stays, any
other quoted text becomes 「…」, and line numbers, lengths and today's date are blanked.

Staleness (`stale_sources`): a source's newest month is the latest month any file of it
reports with at least one loaded row. It is stale when it lies `CADENCE` months or more behind
the reference month (the store's data month; the month before `today` when the store has
none): a monthly source is stale from one month behind. The platform/model register
(`registry`) is a snapshot re-exported when it changes: stale from three months behind. A source
whose platform launches after the reference month is never stale; a live source with no file at
all is stale (newest month None).
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import Engine, bindparam, func, select

from cockpit.metrics import units as U
from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES, month_column
from cockpit.metrics.periods import add_months
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.schema import STAGING, etl_file, etl_reject

UNKNOWN = "UNKNOWN"
UNKNOWN_LABEL = "未识别单位"
CADENCE: dict[str, int] = {"registry": 3}   # months; every other source: 1 (monthly)
DEFAULT_CADENCE = 1

_NAME = re.compile(r"(?:^|/)(\d{6})_[^/]*?_(\d{4})(\d{2})\.[A-Za-z0-9]+$")
_QUOTED = re.compile(r"「([^」]*)」")
_HEADERS = frozenset(h for s in SOURCES for c in s.columns for h in (c.header, *c.aliases))

FILE_COLUMNS = ["file_name", "source", "unit_code", "month", "rows_read", "rows_loaded", "rows_rejected",
                "status", "loaded_at"]


# --- attribution ------------------------------------------------------------------------------

def name_attribution(file_name: str) -> tuple[str, str] | None:
    """(unit code, YYYY-MM) a file's name states, or None."""
    m = _NAME.search(str(file_name).replace("\\", "/"))
    if not m:
        return None
    unit, year, month = m.group(1), int(m.group(2)), int(m.group(3))
    if unit not in U.UNIT_BY_CODE or not 1 <= month <= 12 or not 2000 <= year <= 2099:
        return None
    return unit, f"{year:04d}-{month:02d}"


def _book_column(source_id: str) -> str | None:
    source = SOURCE_BY_ID[source_id]
    if any(c.name == "stat_month" for c in source.columns):
        return "stat_month"
    return month_column(source.months[0]) if source.months else None


def _modal(conn, table, names: list[str], column) -> dict[str, str]:
    """{file_name: the most frequent non-empty value of `column` among its staged rows}."""
    query = (select(table.c.file_name, column.label("v"), func.count().label("n"))
             .where(table.c.file_name.in_(bindparam("names", expanding=True)))
             .where(column.is_not(None))
             .group_by(table.c.file_name, column))
    rows = conn.execute(query, {"names": names}).all()
    best: dict[str, tuple[int, str]] = {}
    for f, v, n in rows:
        v = str(v)
        if f not in best or (n, v) > best[f]:
            best[f] = (int(n), v)
    return {f: v for f, (_, v) in best.items()}


def files(engine: Engine) -> pd.DataFrame:
    """Every ledger row (one per file version loaded) with its attribution: FILE_COLUMNS."""
    cols = [etl_file.c[c] for c in FILE_COLUMNS if c not in ("unit_code", "month")]
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(etl_file.c.loaded_at, etl_file.c.file_name)).all()
        frame = pd.DataFrame(rows, columns=[c.name for c in cols])
        units: list[str | None] = []
        months: list[str | None] = []
        for name in frame["file_name"]:
            hit = name_attribution(name)
            units.append(hit[0] if hit else None)
            months.append(hit[1] if hit else None)
        frame["unit_code"], frame["month"] = units, months
        todo = frame[frame["unit_code"].isna() & (frame["rows_loaded"] > 0) & frame["source"].isin(list(STAGING))]
        for source_id, part in todo.groupby("source"):
            table = STAGING[source_id]
            names = sorted(set(part["file_name"]))
            unit_of = _modal(conn, table, names, table.c.unit_code)
            book = _book_column(source_id)
            month_of = _modal(conn, table, names, table.c[book]) if book else {}
            idx = part.index
            frame.loc[idx, "unit_code"] = part["file_name"].map(unit_of)
            frame.loc[idx, "month"] = part["file_name"].map(month_of)
    frame["unit_code"] = frame["unit_code"].where(frame["unit_code"].isin(list(U.UNIT_BY_CODE)), UNKNOWN)
    loaded = pd.to_datetime(frame["loaded_at"]) if len(frame) else frame["loaded_at"]
    fallback = loaded.dt.strftime("%Y-%m") if len(frame) else frame["loaded_at"]
    frame["month"] = frame["month"].where(frame["month"].notna(), fallback)
    for c in ("rows_read", "rows_loaded", "rows_rejected"):
        frame[c] = frame[c].astype("int64")
    return frame[FILE_COLUMNS].reset_index(drop=True)


def _scope(frame: pd.DataFrame, units, months) -> pd.DataFrame:
    if units is not None:
        frame = frame[frame["unit_code"].isin(list(units))]
    if months is not None:
        frame = frame[frame["month"].isin(list(months))]
    return frame


# --- what arrived -----------------------------------------------------------------------------

def submissions(engine: Engine, months=None, units=None) -> pd.DataFrame:
    """报送进度: per unit × source × month that any file reports — files, rows_read, rows_loaded,
    rows_rejected. Combinations with no file are left out (the page shows them as 未报送, or
    未上线 before the source's platform launched: `live`)."""
    f = _scope(files(engine), units, months)
    f = f[f["source"].notna()]
    cols = ["unit_code", "source", "month", "files", "rows_read", "rows_loaded", "rows_rejected"]
    if f.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in cols[3:] else object) for c in cols})
    out = (f.groupby(["unit_code", "source", "month"])
           .agg(files=("file_name", "size"), rows_read=("rows_read", "sum"), rows_loaded=("rows_loaded", "sum"),
                rows_rejected=("rows_rejected", "sum"))
           .reset_index().sort_values(["unit_code", "source", "month"]).reset_index(drop=True))
    for c in cols[3:]:
        out[c] = out[c].astype("int64")
    return out[cols]


def live(source_id: str, month: str) -> bool:
    """Has the source's platform launched by `month` (else the month is 未上线, never 未报送)?"""
    return month >= PLATFORM_BY_ID[SOURCE_BY_ID[source_id].platform].launch


def last_loads(engine: Engine, units=None) -> pd.DataFrame:
    """Per source (contract order) that has any file: the last load (loaded_at), the newest
    month reported, files and rows loaded in all."""
    f = _scope(files(engine), units, None)
    f = f[f["source"].notna()]
    cols = ["source", "last_loaded_at", "newest_month", "files", "rows_loaded"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    with_rows = f[f["rows_loaded"] > 0].groupby("source")["month"].max()
    out = f.groupby("source").agg(last_loaded_at=("loaded_at", "max"), files=("file_name", "size"),
                                  rows_loaded=("rows_loaded", "sum")).reset_index()
    out["newest_month"] = out["source"].map(with_rows)
    order = {s.id: i for i, s in enumerate(SOURCES)}
    out = out.sort_values("source", key=lambda s: s.map(order)).reset_index(drop=True)
    out["files"] = out["files"].astype("int64")
    out["rows_loaded"] = out["rows_loaded"].astype("int64")
    return out[cols]


# --- what was quarantined ---------------------------------------------------------------------

def reason_group(reason: str) -> str:
    """A reason with the cell values it quotes blanked, so that like reasons group together."""
    text = _QUOTED.sub(lambda m: m.group(0) if m.group(1) in _HEADERS else "「…」", str(reason))
    text = re.sub(r"第\d+行", "第…行", text)
    text = re.sub(r"（\d+ 个字符", "（… 个字符", text)
    text = re.sub(r"为负数（[^）]*）", "为负数（…）", text)
    return re.sub(r"晚于今天（[^）]*）", "晚于今天", text)


def rejections(engine: Engine, units=None, months=None, top: int = 5) -> pd.DataFrame:
    """Per unit (unit-code order): its quarantined rows (`total`) and its `top` reasons (grouped by
    `reason_group`) with the rows each — columns unit_code, total, reason, rows, most first."""
    f = _scope(files(engine), units, months)
    cols = ["unit_code", "total", "reason", "rows"]
    names = sorted(set(f.loc[f["rows_rejected"] > 0, "file_name"]))
    rows = []
    if names:
        query = (select(etl_reject.c.file_name, etl_reject.c.reason, func.count().label("n"))
                 .where(etl_reject.c.file_name.in_(bindparam("names", expanding=True)))
                 .group_by(etl_reject.c.file_name, etl_reject.c.reason))
        with engine.connect() as conn:
            rows = conn.execute(query, {"names": names}).all()
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("total", "rows") else object) for c in cols})
    unit_of = f.drop_duplicates("file_name", keep="last").set_index("file_name")["unit_code"]
    r = pd.DataFrame(rows, columns=["file_name", "reason", "rows"])
    r["unit_code"] = r["file_name"].map(unit_of)
    r["reason"] = r["reason"].map(reason_group)
    g = r.groupby(["unit_code", "reason"])["rows"].sum().reset_index()
    g["total"] = g.groupby("unit_code")["rows"].transform("sum")
    g = g.sort_values(["unit_code", "rows", "reason"], ascending=[True, False, True], kind="stable")
    g = g.groupby("unit_code").head(top).reset_index(drop=True)
    g["rows"] = g["rows"].astype("int64")
    g["total"] = g["total"].astype("int64")
    return g[cols]


def error_rates(engine: Engine, units=None, months=None) -> pd.DataFrame:
    """Per unit × month: rows_read, rows_rejected and rate = rejected ÷ read (None when nothing
    was read)."""
    f = _scope(files(engine), units, months)
    cols = ["unit_code", "month", "rows_read", "rows_rejected", "rate"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    g = f.groupby(["unit_code", "month"])[["rows_read", "rows_rejected"]].sum().reset_index()
    g["rate"] = [r / n if n else None for r, n in zip(g["rows_rejected"], g["rows_read"])]
    return g.sort_values(["unit_code", "month"]).reset_index(drop=True)[cols]


# --- stale sources ----------------------------------------------------------------------------

def _months_between(a: str, b: str) -> int:
    return (int(b[:4]) - int(a[:4])) * 12 + int(b[5:7]) - int(a[5:7])


def stale_sources(engine: Engine, today: dt.date, data_month: str | None) -> pd.DataFrame:
    """The sources stale as of the reference month (see the module docstring), contract order:
    source, name, newest_month (None: never reported), behind (months; None when never),
    cadence."""
    ref = data_month or add_months(f"{today.year:04d}-{today.month:02d}", -1)
    loads = last_loads(engine).set_index("source")
    out = []
    for s in SOURCES:
        if not live(s.id, ref):
            continue
        cadence = CADENCE.get(s.id, DEFAULT_CADENCE)
        newest = loads["newest_month"].get(s.id) if s.id in loads.index else None
        newest = None if newest is None or pd.isna(newest) else str(newest)
        behind = None if newest is None else _months_between(newest, ref)
        if newest is None or behind >= cadence:
            out.append({"source": s.id, "name": s.name, "newest_month": newest, "behind": behind,
                        "cadence": cadence})
    return pd.DataFrame(out, columns=["source", "name", "newest_month", "behind", "cadence"])
