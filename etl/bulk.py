"""Fast bulk writes inside the current SQLAlchemy transaction.

SQLAlchemy's executemany is correct but slow for a million rows, so for the two databases we
run on we hand the rows to the driver in the same transaction: `executemany` on sqlite3 and
`COPY … FROM STDIN` on PostgreSQL (psycopg 3). Any other dialect uses SQLAlchemy's insert.
On SQLite the rows are Python objects, and text with few distinct values (units, enumerations,
dates, the file name) comes as one shared str per value (`_py_values`).
"""
from __future__ import annotations

import io
import json
import sqlite3
from itertools import chain, islice
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Table, text

CHUNK = 50_000
SQLITE_VARIABLES = 32_766   # bound values a statement (SQLite's default limit; builds may allow more)
SQLITE_ROWS = 1_000   # rows a statement at most: sqlite3 keeps each statement prepared (~1.2 KB a row)


def _as_text_dates(df: pd.DataFrame) -> pd.DataFrame:
    """Dates as 'YYYY-MM-DD' and date-times (columns named *_at) as 'YYYY-MM-DD HH:MM:SS'
    (Arrow's cast to string writes exactly these forms, and fast)."""
    out = {}
    for name, col in df.items():
        if pd.api.types.is_datetime64_any_dtype(col):
            unit = pa.timestamp("s") if name.endswith("_at") else pa.date32()
            text = pa.array(col, from_pandas=True).cast(unit).cast(pa.string())
            out[name] = pd.Series(pd.arrays.ArrowExtensionArray(text), index=df.index)
        else:
            out[name] = col
    return pd.DataFrame(out, index=df.index)


def _arrow(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_arrays([pa.array(col, from_pandas=True) for _, col in df.items()], names=list(df.columns))


def insert_frame(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    """Insert the frame's rows (columns named as the table's) into `table`."""
    if df.empty:
        return 0
    df = _as_text_dates(df)
    names = list(df.columns)
    cols = ", ".join(f'"{n}"' for n in names)
    dialect = conn.dialect.name
    if dialect == "postgresql":
        dbapi = conn.connection.driver_connection
        with dbapi.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FORMAT csv)') as copy:
                for start in range(0, len(df), CHUNK):
                    buf = io.BytesIO()
                    pacsv.write_csv(_arrow(df.iloc[start:start + CHUNK]), buf,
                                    pacsv.WriteOptions(include_header=False))
                    copy.write(buf.getvalue())
        return len(df)
    if dialect == "sqlite":
        _sqlite_insert(conn.connection.driver_connection, table.name, names, df)
        return len(df)
    for start in range(0, len(df), CHUNK):
        part = df.iloc[start:start + CHUNK]
        rows = list(zip(*[pa.array(col, from_pandas=True).to_pylist() for _, col in part.items()]))
        conn.execute(table.insert(), [dict(zip(names, r)) for r in rows])
    return len(df)


def _py_values(arr: pa.Array) -> list:
    """The array's values as Python objects. A text column with few distinct values (units,
    enumerations, dates, the file name) gets one str object per distinct value, shared by its
    rows: fewer objects to make, and sqlite3 encodes each to UTF-8 once (CPython caches a
    str's UTF-8 form) instead of once a row."""
    if isinstance(arr, pa.ChunkedArray):
        return [v for chunk in arr.chunks for v in _py_values(chunk)] if arr.num_chunks != 1 \
            else _py_values(arr.chunk(0))
    if pa.types.is_dictionary(arr.type):
        enc = arr
    elif (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) and len(arr) >= 1000 \
            and pc.count_distinct(arr[:1000]).as_py() <= 250:   # not mostly distinct (names, numbers)
        enc = pc.dictionary_encode(arr)
    else:
        return arr.to_pylist()
    values = np.array(enc.dictionary.to_pylist() + [None], dtype=object)
    return values[enc.indices.fill_null(len(enc.dictionary)).to_numpy()].tolist()


def _sqlite_insert(dbapi, table: str, names: list[str], df: pd.DataFrame) -> None:
    """executemany, chunk by chunk: Python objects for one chunk at a time (memory stays flat),
    built while the previous chunk is being written (sqlite3 releases the GIL while it steps).
    Columns that are all NULL in a chunk are left out of its INSERT.

    Each statement inserts SQLITE_ROWS rows (or as many as SQLite's limit of bound variables
    allows), not one: sqlite3 releases and takes back the GIL around every step, and
    while the reading thread runs Python each take waits for it — a step per row made the
    writer crawl whenever validation ran (measured: 400,000 rows beside a busy thread 6.5 s
    one row a statement, 2.8 s many; alone 2.0 → 1.3 s)."""
    most = min(SQLITE_VARIABLES, dbapi.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))

    def rows_of(part: pd.DataFrame):
        arrays = [pa.array(col, from_pandas=True) for _, col in part.items()]
        keep = [i for i, a in enumerate(arrays) if a.null_count < len(a)]
        cols = ", ".join(f'"{names[i]}"' for i in keep)
        return cols, len(keep), list(zip(*[_py_values(arrays[i]) for i in keep]))

    def write(cols: str, width: int, rows: list[tuple]):
        per = max(1, min(most // width, SQLITE_ROWS))   # rows a statement
        one = f"({', '.join('?' * width)})"
        cur = dbapi.cursor()
        whole = len(rows) // per * per
        if whole:
            it = iter(rows)
            groups = (tuple(chain.from_iterable(islice(it, per))) for _ in range(whole // per))
            cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES {", ".join([one] * per)}', groups)
        if whole < len(rows):   # one row a statement: a statement of every remainder's size would stay
            cur.executemany(f'INSERT INTO "{table}" ({cols}) VALUES {one}', rows[whole:])   # in sqlite3's cache
        cur.close()

    with ThreadPoolExecutor(max_workers=1) as writer:
        pending = None
        for start in range(0, len(df), CHUNK):
            job = rows_of(df.iloc[start:start + CHUNK])
            if pending is not None:
                pending.result()
            pending = writer.submit(write, *job)
        if pending is not None:
            pending.result()


def analyze(conn: Connection, table_name: str) -> None:
    """Refresh the planner's statistics of a table just written (PostgreSQL only; SQLite's
    planner does well without). Without them PostgreSQL plans the roll-up's join with the
    touched cells against a table it believes empty, and a one-month load takes half a minute."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f'ANALYZE "{table_name}"'))


KEYS_PER_QUERY = 50_000   # keys looked up by one statement (one parameter: an array or a JSON list)


def existing_keys(conn: Connection, table: Table, column: str, keys: pd.Series) -> pd.DataFrame:
    """Rows already staged under any of these keys (in `column`): key, file_name, line_no.
    The keys go to the database as one parameter per statement — an array on PostgreSQL, a
    JSON list on SQLite — each looked up through the key index (a one-month load asks for tens
    of thousands of keys: a statement per 900 of them cost most of its writing time)."""
    if conn.execute(text(f'SELECT 1 FROM "{table.name}" LIMIT 1')).first() is None:
        return pd.DataFrame(columns=["key", "file_name", "line_no"])
    unique = [str(k) for k in pd.unique(keys.to_numpy())]
    select = f'SELECT "{column}", file_name, line_no FROM "{table.name}" WHERE "{column}" IN '
    dialect = conn.dialect.name
    if dialect == "postgresql":
        sql, per, arg = select + "(SELECT unnest(CAST(:keys AS text[])))", KEYS_PER_QUERY, list
    elif dialect == "sqlite":
        sql, per, arg = select + "(SELECT value FROM json_each(:keys))", KEYS_PER_QUERY, json.dumps
    else:
        sql, per, arg = None, 900, None
    found = []
    for start in range(0, len(unique), per):
        chunk = unique[start:start + per]
        if sql is not None:
            found.extend(conn.execute(text(sql), {"keys": arg(chunk)}).all())
            continue
        params = {f"k{i}": k for i, k in enumerate(chunk)}
        marks = ", ".join(f":k{i}" for i in range(len(chunk)))
        found.extend(conn.execute(text(f"{select}({marks})"), params).all())
    return pd.DataFrame(found, columns=["key", "file_name", "line_no"])
