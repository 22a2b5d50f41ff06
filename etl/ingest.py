"""The ingest service: what the cockpit's upload page may ask of the ETL, and nothing more.

The cockpit never reaches into the ETL's internals (its reader, validator or run); it calls
these functions. Keeping the surface this small lets the ETL change how it reads and loads
without touching the app.
"""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from cockpit.metrics.contracts import SOURCE_BY_ID
from etl import reader
from etl.run import PG_LOCK_ID, STATUS_LABEL, RunSummary, run

__all__ = ["STATUS_LABEL", "Unreadable", "probe", "header_row", "same_header", "load", "writer_lock"]

Unreadable = reader.Unreadable


def probe(name: str, data: bytes) -> None:
    """Parse an uploaded file's bytes the way a load would (without validating rows).
    Raises `Unreadable` with a clerk's reason when it is not a readable export."""
    reader.read_file(Path(name), data, defer=True)


def header_row(path: Path, source_id: str) -> list[str] | None:
    """The header row of a stored file: the row among the first rows naming the most
    columns of its source's contract (None if unreadable or unknown source)."""
    source = SOURCE_BY_ID.get(source_id)
    if source is None:
        return None
    try:
        data = path.read_bytes()
        if path.suffix.lower() in (".xlsx", ".xls") or data[:4] == b"PK\x03\x04":
            rows = reader.sheet_rows(data, nrows=reader.HEADER_SCAN_ROWS)[1]  # in the sandboxed worker
        else:
            text = "\n".join(reader.first_lines(reader.decode(data[:65536])[0], reader.HEADER_SCAN_ROWS))
            rows = list(csv.reader(io.StringIO(text)))
    except Exception:  # noqa: BLE001 - the file is gone or unreadable
        return None
    known = {reader.norm_header(h) for c in source.columns for h in (c.header, *c.aliases)}
    best, score = None, 0
    for row in rows:
        n = sum(1 for c in row if reader.norm_header(c) in known)
        if n > score:
            best, score = row, n
    return best


def same_header(a: str, b: str) -> bool:
    """Whether two header spellings name the same column (as the reader matches them)."""
    return reader.norm_header(a) == reader.norm_header(b)


def load(landing: Path, engine: Engine, on_file=None, on_source=None) -> RunSummary:
    """Load every new file of the landing folder in one transaction (see etl.run).
    Progress hooks: `on_file(pos, total, file_name)` before each new file is read,
    `on_source(pos, total, interface_name)` before each data interface is validated and stored."""
    return run(Path(landing), engine, progress=False, on_file=on_file, on_source=on_source)


@contextmanager
def writer_lock(engine: Engine):
    """A connection in a transaction that holds the load's lock: no load runs meanwhile (on
    PostgreSQL the run's advisory lock, on SQLite the write lock of BEGIN IMMEDIATE)."""
    with engine.connect() as conn:
        conn.info["writer"] = True
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})
                yield conn
        finally:
            conn.info.pop("writer", None)
