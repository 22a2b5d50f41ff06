"""The store's tables. `etl_file`, `etl_reject` and `fact_measure` are a published interface:
other tools read them, so their names and columns stay (columns may only be added).

- etl_run            one row per published load (the snapshot id is the latest run_id)
- etl_file           the ledger: every file ever seen, rows_read = rows_loaded + rows_rejected
- etl_reject         every quarantined row, with its file, line and a reason a clerk understands
- stg_<source>       the staged records of each source (contract columns + lineage)
- fact_measure       additive measures per unit and month (no pre-summed city rows)
- fact_model_measure the same per supervision model, for measures declared `by_model`
- alert_threshold    the alert bounds an administrator sets per indicator (cockpit.metrics.alerts);
                     written by the app, never touched by a load
- annotation         the events an administrator records for the trend charts (cockpit.metrics.annotations:
                     专项行动, 口径变更, 数据缺失 …); written by the app, never touched by a load
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Column, Date, DateTime, Float, Index, Integer, MetaData,
                        SmallInteger, String, Table, Text, text)

from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES, Source, month_column
from cockpit.metrics.measures import MEASURES

metadata = MetaData()

etl_run = Table(
    "etl_run", metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=False),
    Column("files_new", Integer, nullable=False),
    Column("rows_loaded", BigInteger, nullable=False),
    Column("rows_rejected", BigInteger, nullable=False),
)

etl_file = Table(
    "etl_file", metadata,
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", String(32)),
    Column("rows_read", Integer, nullable=False),
    Column("rows_loaded", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("loaded_at", DateTime, nullable=False),
    Column("note", Text),
    Column("run_id", Integer),
    Column("size_bytes", BigInteger),   # with mtime_ns: an unchanged file is skipped unread
    Column("mtime_ns", BigInteger),
    Index("ix_etl_file_sha", "sha256"),
)

etl_reject = Table(
    "etl_reject", metadata,
    Column("file_name", Text, nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw", Text),
    Column("sha256", String(64)),
    Column("run_id", Integer),
    Index("ix_etl_reject_file", "file_name"),
)

fact_measure = Table(
    "fact_measure", metadata,
    Column("unit_code", String(6), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("measure_id", String(48), primary_key=True),
    Column("value", Float, nullable=False),
)

fact_model_measure = Table(
    "fact_model_measure", metadata,
    Column("model_id", String(16), primary_key=True),
    Column("unit_code", String(6), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("measure_id", String(48), primary_key=True),
    Column("value", Float, nullable=False),
)

alert_threshold = Table(
    "alert_threshold", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("metric_id", String(48), nullable=False),
    Column("unit_code", String(8)),                  # a unit code, CITY, or NULL = every unit
    Column("lower_bound", Float),                     # in the metric's display unit (%, 天, 人 …)
    Column("upper_bound", Float),
    Column("label", Text),
    Column("set_by", String(80)),
    Column("set_at", DateTime, nullable=False),
)

annotation = Table(
    "annotation", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("month", String(7), nullable=False),       # YYYY-MM: the event's month, or a span's first
    Column("end_month", String(7)),                   # a span's last month (NULL: one month)
    Column("kind", String(16), nullable=False),       # annotations.KINDS: launch, campaign, definition …
    Column("title", String(40), nullable=False),      # Chinese, drawn on the charts
    Column("detail", Text),                           # the hover text and the pack's list
    Column("unit_code", String(6)),                   # NULL: city-wide (every unit)
    Column("metric_id", String(48)),                  # NULL (and no group): every indicator
    Column("metric_group", String(16)),               # a catalog group instead of one indicator
    Column("created_by", String(80)),
    Column("created_at", DateTime, nullable=False),
)

_TYPES = {
    "text": Text, "unit": String(6), "date": Date, "datetime": DateTime, "month": String(7),
    "int": BigInteger, "enum": Text, "flag": SmallInteger, "float": Float,
}


def staging_columns(source: Source) -> list[tuple[str, str]]:
    """(name, contract type) of every staging column, lineage last, in insert order."""
    cols = [(c.name, c.type) for c in source.columns]
    cols += [(month_column(c), "month") for c in source.months]
    cols += list(source.derived)
    if source.key_column == "rec_key":
        cols.append(("rec_key", "text"))
    cols += [("file_name", "text"), ("line_no", "int")]
    return cols


def _staging_table(source: Source) -> Table:
    columns = [Column(name, _TYPES[kind]) for name, kind in staging_columns(source)]
    indexes = [Index(f"ix_{source.table}_key", source.key_column)]
    month_cols = {month_column(c) for c in source.months} | (
        {"stat_month"} if any(c.name == "stat_month" for c in source.columns) else set())
    for mc in sorted(month_cols):
        indexes.append(Index(f"ix_{source.table}_{mc}", "unit_code", mc))
    indexes += [sparse_index(m) for m in MEASURES if m.sparse and m.source == source.id]
    return Table(source.table, metadata, *columns, *indexes)


def sparse_index(measure) -> Index:
    """The partial index of a `sparse` measure: (unit, month) over the rows of its `where`."""
    where = text(measure.where)
    return Index(f"ix_{SOURCE_BY_ID[measure.source].table}_{measure.id}", "unit_code", measure.month,
                 postgresql_where=where, sqlite_where=where)


STAGING: dict[str, Table] = {s.id: _staging_table(s) for s in SOURCES}
