"""etl.bulk.insert_frame: every row and value arrives, in order, however the rows are cut into
chunks and multi-row statements — on SQLite and PostgreSQL."""
from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, select

import etl.bulk
from etl.bulk import insert_frame

metadata = MetaData()
things = Table("bulk_things", metadata, Column("name", Text), Column("n", Integer), Column("x", Float),
               Column("note", Text))


def frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame({
        "name": pd.array([f"甲{i}" if i % 3 else "共同值" for i in range(rows)], dtype="str"),
        "n": pd.array([i if i % 5 else None for i in range(rows)], dtype="Int64"),
        "x": [i / 4 for i in range(rows)],
        # all missing in the first chunk (left out of its INSERT), present later
        "note": [None] * min(rows, 7) + [f"备注{i}" for i in range(7, rows)],
    })


@pytest.mark.parametrize("variables,chunk", [(8, 7), (9, 100), (32_766, 50_000)])
def test_every_row_arrives_in_order_whatever_the_statement_size(engine, monkeypatch, variables, chunk):
    # 8 variables, 4 columns: 2 rows a statement; chunks of 7 rows leave a remainder of 1
    monkeypatch.setattr(etl.bulk, "SQLITE_VARIABLES", variables)
    monkeypatch.setattr(etl.bulk, "CHUNK", chunk)
    df = frame(23)
    with engine.begin() as conn:
        things.drop(conn, checkfirst=True)
        things.create(conn)
        assert insert_frame(conn, things, df) == 23
    with engine.begin() as conn:
        got = conn.execute(select(things)).all()
        things.drop(conn)
    expected = [(r.name, None if pd.isna(r.n) else int(r.n), r.x, None if pd.isna(r.note) else r.note)
                for r in df.itertuples()]
    assert [tuple(r) for r in got] == expected
