"""Roll the staged records up into `fact_measure` / `fact_model_measure`, in SQL.

The SQL is generated from the measure declarations in `cockpit.metrics.measures`: one
`SELECT … SUM(CASE WHEN <where> THEN <expr> ELSE 0 END) …` per (source, month column), so a
staging table is scanned once per month column however many measures it feeds. Only the
(unit, month) cells touched by this load are recomputed — from all staged rows of those
cells, so the result is the same as a full rebuild. Portable SQL: the same statements run on
SQLite, PostgreSQL and PostgreSQL-compatible warehouses.
"""
from __future__ import annotations

from collections import defaultdict

import pandas as pd
from sqlalchemy import Connection, text

from cockpit.metrics.measures import MEASURES, Measure
from cockpit.metrics.periods import add_months
from cockpit.metrics.units import UNIT_CODES
from etl.bulk import analyze, insert_frame
from cockpit.metrics.schema import fact_measure, fact_model_measure


def groups() -> dict[tuple[str, str], list[Measure]]:
    """Measures by the (source, month column) they are booked from."""
    out: dict[tuple[str, str], list[Measure]] = defaultdict(list)
    for m in MEASURES:
        out[(m.source, m.month)].append(m)
    return dict(out)


def _select(source: str, month: str, measures: list[Measure], by_model: bool, full: bool) -> str:
    sums = ",\n  ".join(
        f"SUM(CASE WHEN {m.where or '1 = 1'} THEN {m.expr} ELSE 0 END) AS {m.id}" for m in measures)
    model = "s.model_id, " if by_model else ""
    model_filter = " AND s.model_id IS NOT NULL" if by_model else ""
    # Touched cells drive the scan (tmp_affected first: SQLite keeps CROSS JOIN's order and
    # then seeks each cell through the staging index; PostgreSQL plans it as an inner join).
    cells = "" if full else "tmp_affected a CROSS JOIN "
    cell_filter = "" if full else f" AND a.grp = :grp AND a.unit_code = s.unit_code AND a.month = s.{month}"
    return (f"SELECT {model}s.unit_code, s.{month} AS month,\n  {sums}\n"
            f"FROM {cells}stg_{source} s\n"
            f"WHERE s.{month} IS NOT NULL{cell_filter}{model_filter}\n"
            f"GROUP BY {model}s.unit_code, s.{month}")


def affected_cells(source: str, rows: pd.DataFrame) -> dict[str, set[tuple[str, str]]]:
    """(unit, month) cells each month column of this source's new rows touches.

    A measure that reads earlier records (`reads_back` k, e.g. nc_absconded reads the month
    before) changes when a record of an earlier month arrives late: a new row of month M also
    touches M+1..M+k — in every unit, as the person may be booked to another unit there."""
    cells = {}
    for (src, month), measures in groups().items():
        if src == source and month in rows:
            pairs = rows[["unit_code", month]].dropna().drop_duplicates()
            cells[month] = set(map(tuple, pairs.itertuples(index=False, name=None)))
            back = max(m.reads_back for m in measures)
            for mo in sorted({mo for _, mo in cells[month]}) if back else ():
                cells[month] |= {(u, add_months(mo, k)) for u in UNIT_CODES for k in range(1, back + 1)}
    return cells


def undeclared_groups(conn: Connection) -> set[tuple[str, str]]:
    """Groups with a measure that has no fact at all although its staging table has rows: a
    measure declared after those rows were loaded. They are rolled up again in full, so a new
    declaration reaches the history at the next load (every computed cell holds a row for
    every measure of its group, zeros included, so "no row" means "never computed")."""
    have = {r[0] for r in conn.execute(text(f"SELECT DISTINCT measure_id FROM {fact_measure.name}"))}
    have |= {r[0] for r in conn.execute(text(f"SELECT DISTINCT measure_id FROM {fact_model_measure.name}"))}
    out = set()
    for (source, month), measures in groups().items():
        if any(m.id not in have for m in measures) and \
                conn.execute(text(f"SELECT 1 FROM stg_{source} WHERE {month} IS NOT NULL LIMIT 1")).first():
            out.add((source, month))
    return out


def refresh(conn: Connection, touched: dict[tuple[str, str], set[tuple[str, str]]],
            fresh: set[str] = frozenset(), rebuild: set[tuple[str, str]] = frozenset()) -> int:
    """Recompute the facts of the touched cells: {(source, month column): {(unit, month)}}.
    For `fresh` sources (staging was empty before this load) every cell is new: their groups
    are computed with one scan, without the join on the touched cells; so are the `rebuild`
    groups (see `undeclared_groups`)."""
    conn.execute(text("CREATE TEMPORARY TABLE tmp_affected (grp VARCHAR(80), unit_code VARCHAR(6), month VARCHAR(7))"))
    written = 0
    try:
        for (source, month), measures in groups().items():
            cells = touched.get((source, month))
            full = source in fresh or (source, month) in rebuild
            if not cells and not full:
                continue
            grp = f"{source}.{month}"
            if cells and not full:
                conn.execute(text("INSERT INTO tmp_affected (grp, unit_code, month) VALUES (:g, :u, :m)"),
                             [{"g": grp, "u": u, "m": mo} for u, mo in sorted(cells)])
                analyze(conn, "tmp_affected")
            written += _refresh_group(conn, grp, source, month, measures, by_model=False, full=full)
            model_measures = [m for m in measures if m.by_model]
            if model_measures:
                written += _refresh_group(conn, grp, source, month, model_measures, by_model=True, full=full)
    finally:
        conn.execute(text("DROP TABLE tmp_affected"))
    return written


def _refresh_group(conn, grp, source, month, measures, by_model: bool, full: bool) -> int:
    table = fact_model_measure if by_model else fact_measure
    ids = ", ".join(f"'{m.id}'" for m in measures)
    if full:
        conn.execute(text(f"DELETE FROM {table.name} WHERE measure_id IN ({ids})"))
    else:  # row-value IN: both databases look the cells up through the primary key
        conn.execute(text(
            f"DELETE FROM {table.name} WHERE measure_id IN ({ids}) AND (unit_code, month) IN "
            f"(SELECT unit_code, month FROM tmp_affected WHERE grp = :grp)"), {"grp": grp})
    sql = text(_select(source, month, measures, by_model, full))
    result = pd.DataFrame(conn.execute(sql, {} if full else {"grp": grp}).mappings().all())
    if result.empty:
        return 0
    keys = (["model_id"] if by_model else []) + ["unit_code", "month"]
    long = result.melt(id_vars=keys, var_name="measure_id", value_name="value")
    long["value"] = long["value"].astype(float)
    return insert_frame(conn, table, long[keys + ["measure_id", "value"]])
