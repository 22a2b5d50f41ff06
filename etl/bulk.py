"""Fast bulk writes inside the current SQLAlchemy transaction.

SQLAlchemy's executemany is correct but slow for a million rows, so for the two databases we
run on we hand the rows to the driver in the same transaction: `executemany` on sqlite3 and
`COPY … FROM STDIN` on PostgreSQL (psycopg 3). Any other dialect uses SQLAlchemy's insert.
"""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, text

CHUNK = 50_000


def _as_text_dates(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for name, col in df.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            has_time = ((col.dt.hour != 0) | (col.dt.minute != 0) | (col.dt.second != 0)).any()
            fmt = "%Y-%m-%d %H:%M:%S" if has_time or name.endswith("_at") else "%Y-%m-%d"
            out[name] = col.dt.strftime(fmt)
        else:
            out[name] = col
    return pd.DataFrame(out)


def _column_lists(df: pd.DataFrame) -> list[list]:
    cols = []
    for _, col in df.items():
        arr = col.array
        if hasattr(arr, "to_numpy"):
            values = arr.to_numpy(dtype=object, na_value=None)
        else:
            values = np.asarray(col, dtype=object)
        if values.dtype == object and len(values) and isinstance(values[0], float):
            values = [None if isinstance(v, float) and np.isnan(v) else v for v in values]
        cols.append(values.tolist() if isinstance(values, np.ndarray) else values)
    return cols


def insert_frame(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    """Insert the frame's rows (columns named as the table's) into `table`."""
    if df.empty:
        return 0
    df = _as_text_dates(df[[c for c in df.columns]])
    names = list(df.columns)
    dialect = conn.dialect.name
    if dialect == "postgresql":
        dbapi = conn.connection.driver_connection
        cols = ", ".join(f'"{n}"' for n in names)
        with dbapi.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FORMAT csv)') as copy:
                for start in range(0, len(df), CHUNK):
                    buf = io.StringIO()
                    df.iloc[start:start + CHUNK].to_csv(buf, header=False, index=False, lineterminator="\n")
                    copy.write(buf.getvalue())
        return len(df)
    rows = list(zip(*_column_lists(df)))
    if dialect == "sqlite":
        cur = conn.connection.driver_connection.cursor()
        placeholders = ", ".join("?" for _ in names)
        cols = ", ".join(f'"{n}"' for n in names)
        cur.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({placeholders})', rows)
        cur.close()
        return len(rows)
    conn.execute(table.insert(), [dict(zip(names, r)) for r in rows])
    return len(rows)


def existing_keys(conn: Connection, table: Table, keys: pd.Series) -> pd.DataFrame:
    """Rows already staged under any of these record keys: rec_key, file_name, line_no."""
    if conn.execute(text(f'SELECT 1 FROM "{table.name}" LIMIT 1')).first() is None:
        return pd.DataFrame(columns=["rec_key", "file_name", "line_no"])
    unique = pd.unique(keys.to_numpy())
    found = []
    for start in range(0, len(unique), 900):
        chunk = [str(k) for k in unique[start:start + 900]]
        params = {f"k{i}": k for i, k in enumerate(chunk)}
        marks = ", ".join(f":k{i}" for i in range(len(chunk)))
        found.extend(conn.execute(
            text(f'SELECT rec_key, file_name, line_no FROM "{table.name}" WHERE rec_key IN ({marks})'),
            params).all())
    return pd.DataFrame(found, columns=["rec_key", "file_name", "line_no"])
