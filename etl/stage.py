"""Staging a load batch by batch, with memory that does not grow with the input.

`etl.run` reads the landing folder in batches (in landing order, so month folder by month
folder) and hands each validated batch to a `Stager`, which writes it into the staging tables
and quarantines its bad rows on a thread of its own while the next batch is read and
validated. Only one batch is being read and one being written at any time.

Duplicates (a second row with a record's natural key) are found in three places:
- inside a batch, by `etl.validate` (the first row of the batch wins);
- a source whose staging table already held rows before the load: each batch's keys are
  looked up in staging through its key index before the insert (rows of earlier loads and of
  earlier batches of this load);
- a source whose staging table was empty (`fresh`): it is loaded bare, without indexes (much
  faster), and once every batch is in, the indexes are built and the keys staged more than once
  are found by one GROUP BY over the key index: the first row of each key in landing order
  stays, the later ones are deleted and quarantined — nothing of the keys is held in memory.
"""
from __future__ import annotations

import re
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import select, text

from cockpit.metrics.contracts import SOURCE_BY_ID, Source
from cockpit.metrics.schema import STAGING, etl_reject, etl_run
from etl import reader, rollup
from etl.bulk import analyze, existing_keys, insert_frame
from etl.validate import duplicate_reasons, printable

REJECT_COLUMNS = ["file_name", "line_no", "reason", "raw"]
DUPLICATE_CHUNK = 20_000   # keys staged twice, fetched and settled this many at a time


def no_rejects() -> pd.DataFrame:
    return pd.DataFrame(columns=REJECT_COLUMNS)


class Stager:
    """The writing side of a load (one transaction, `conn`). Used from one thread at a time."""

    def __init__(self, conn, landing: Path, started, files: dict, log):
        self.conn, self.landing, self.started, self.log = conn, landing, started, log
        self.files = files                 # name -> (position in the load, sha256) of every new file
        self.fresh: set[str] = set()       # sources whose staging was empty before this load
        self.seen: set[str] = set()
        self.touched: dict[tuple[str, str], set] = {}
        self.rejected: Counter = Counter()  # file name -> rows quarantined
        self.reasons: Counter = Counter()   # reason kind -> rows
        self.run_id: int | None = None
        self.seconds = 0.0                  # time spent writing (on the staging thread)

    # ---------------------------------------------------------------- one batch
    def stage(self, parts: list[tuple[Source, pd.DataFrame, pd.DataFrame]], rejects: list[pd.DataFrame]) -> None:
        """Write one batch: (source, good rows, bad rows) per source, and rejected files' rows."""
        t0 = time.perf_counter()
        rejects = list(rejects)
        for source, good, bad in parts:
            staging = STAGING[source.id]
            if source.id not in self.seen:
                self.seen.add(source.id)
                if self.conn.execute(select(staging).limit(1)).first() is None:
                    self.fresh.add(source.id)  # an empty table: load it bare, index it at the end
                    for index in staging.indexes:
                        index.drop(self.conn)
            bad_db = no_rejects()
            if source.id not in self.fresh:
                good, bad_db = self._drop_already_staged(source, good)
            insert_frame(self.conn, staging, good.drop(columns="raw"))
            for month, cells in rollup.affected_cells(source.id, good).items():
                self.touched.setdefault((source.id, month), set()).update(cells)
            rejects += [bad, bad_db]
            self.log(f"{source.name}: 入库 {len(good)} 行，退回 {len(bad) + len(bad_db)} 行")
        self.quarantine(rejects)
        self.seconds += time.perf_counter() - t0

    def _drop_already_staged(self, source: Source, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Rows whose natural key is staged already (by an earlier load or batch) are duplicates."""
        keys = good[source.key_column]
        seen = existing_keys(self.conn, STAGING[source.id], source.key_column, keys)
        if seen.empty:
            return good, no_rejects()
        first = seen.drop_duplicates("key").set_index("key")
        dup = keys.isin(first.index).to_numpy()
        hits = good[dup]
        where = first.loc[hits[source.key_column]]
        bad = pd.DataFrame({"file_name": hits["file_name"].to_numpy(), "line_no": hits["line_no"].to_numpy(),
                            "reason": duplicate_reasons(source, where["file_name"], where["line_no"],
                                                        [f in self.files for f in where["file_name"]]),
                            "raw": hits["raw"].to_numpy()})
        return good[~dup].reset_index(drop=True), bad

    # ---------------------------------------------------------------- the quarantine
    def ensure_run(self) -> int:
        """The run's id, its row written now if need be (rejects carry it; `etl.run` completes
        the row at the end)."""
        if self.run_id is None:
            self.run_id = self.conn.execute(etl_run.insert().values(
                started_at=self.started, finished_at=self.started, files_new=0, rows_loaded=0,
                rows_rejected=0)).inserted_primary_key[0]
        return self.run_id

    def quarantine(self, rejects: list[pd.DataFrame]) -> None:
        """Write rejected rows to etl_reject (their raw text filled in) and count them."""
        rejects = [r for r in rejects if len(r)]
        if not rejects:
            return
        frame = _with_raw(pd.concat(rejects, ignore_index=True), self.landing)
        frame["file_name"] = frame["file_name"].astype(str)
        self.rejected.update(frame["file_name"].value_counts().to_dict())
        self.reasons.update(reason_counts(frame))
        # no control characters reach the store (PostgreSQL refuses NUL in text, SQLite would keep it)
        frame = frame.assign(sha256=frame["file_name"].map(lambda n: self.files[n][1]), run_id=self.ensure_run(),
                             reason=frame["reason"].map(printable),
                             raw=frame["raw"].map(printable, na_action="ignore"))
        insert_frame(self.conn, etl_reject, frame[["file_name", "line_no", "reason", "raw", "sha256", "run_id"]])

    # ---------------------------------------------------------------- after the last batch
    def finish(self) -> None:
        """Index the fresh tables and settle the duplicates across their batches."""
        with _small_sort_memory(self.conn):
            self._index_fresh()

    def _index_fresh(self) -> None:
        for source_id in sorted(self.fresh):
            staging = STAGING[source_id]
            t0 = time.perf_counter()
            for index in staging.indexes:
                index.create(self.conn)
            analyze(self.conn, staging.name)
            t1 = time.perf_counter()
            self._settle_duplicates(SOURCE_BY_ID[source_id])
            self.log(f"  {staging.name}: indexes {t1 - t0:.2f} s, duplicates {time.perf_counter() - t1:.2f} s")

    def _settle_duplicates(self, source: Source) -> None:
        """Keys staged more than once in a fresh table (by different batches): the first row in
        landing order stays; the others are deleted and quarantined."""
        table, key = STAGING[source.id].name, source.key_column
        with _sorted_grouping(self.conn):
            keys = [r[0] for r in self.conn.execute(text(
                f'SELECT "{key}" FROM "{table}" GROUP BY "{key}" HAVING COUNT(*) > 1'))]
        for start in range(0, len(keys), DUPLICATE_CHUNK):
            chunk = keys[start:start + DUPLICATE_CHUNK]
            self.conn.execute(text("CREATE TEMPORARY TABLE tmp_dup_key (k TEXT)"))
            try:
                self.conn.execute(text("INSERT INTO tmp_dup_key (k) VALUES (:k)"), [{"k": k} for k in chunk])
                rows = pd.DataFrame(self.conn.execute(text(
                    f'SELECT s."{key}" AS key, s.file_name, s.line_no FROM "{table}" s '
                    f'WHERE s."{key}" IN (SELECT k FROM tmp_dup_key)')).all(), columns=["key", "file_name", "line_no"])
            finally:
                self.conn.execute(text("DROP TABLE tmp_dup_key"))
            rows["pos"] = rows["file_name"].map(lambda n: self.files.get(n, (-1,))[0])
            rows = rows.sort_values(["key", "pos", "line_no"], kind="stable")
            later = rows.duplicated("key", keep="first").to_numpy()
            first = rows[~later].set_index("key").loc[rows.loc[later, "key"]]
            dups = rows[later]
            self.conn.execute(text(f'DELETE FROM "{table}" WHERE "{key}" = :k AND file_name = :f AND line_no = :l'),
                              [{"k": k, "f": f, "l": int(ln)} for k, f, ln in
                               dups[["key", "file_name", "line_no"]].itertuples(index=False, name=None)])
            self.log(f"{source.name}: 跨批次重复 {len(dups)} 行")
            self.quarantine([pd.DataFrame({
                "file_name": dups["file_name"].to_numpy(), "line_no": dups["line_no"].to_numpy(),
                "reason": duplicate_reasons(source, first["file_name"], first["line_no"], [True] * len(first)),
                "raw": None})])


SQLITE_SORT_CACHE_KB = 32 * 1024   # SQLite's page cache while the indexes are built


@contextmanager
def _small_sort_memory(conn):
    """On SQLite, a smaller page cache while the indexes of fresh tables are built: an index
    sort takes as much memory again as the cache before it spills to a file (13 M rows: 274 MB
    with a 128 MB cache, 79 MB with 32 MB, as fast)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    dbapi = conn.connection.driver_connection
    was = dbapi.execute("PRAGMA cache_size").fetchone()[0]
    dbapi.execute(f"PRAGMA cache_size = -{SQLITE_SORT_CACHE_KB}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {was}")


@contextmanager
def _sorted_grouping(conn):
    """On PostgreSQL, group by sorting rather than hashing: with millions of distinct keys a hash
    aggregate spills to disk in passes (13 M keys: 70 s hashed, 15 s sorted). SQLite walks the
    key index."""
    if conn.dialect.name != "postgresql":
        yield
        return
    was = conn.execute(text("SELECT current_setting('enable_hashagg')")).scalar()
    conn.execute(text("SET LOCAL enable_hashagg = off"))
    try:
        yield
    finally:
        conn.execute(text(f"SET LOCAL enable_hashagg = {'on' if was == 'on' else 'off'}"))


_HEADERS = {c.header for s in SOURCE_BY_ID.values() for c in s.columns}


def _reason_kind(reason: str) -> str:
    """A reason with the row's own values blanked out, so that reasons can be counted."""
    first = reason.split("；")[0]
    kind = re.sub(r"「([^」]*)」", lambda m: m.group(0) if m.group(1) in _HEADERS else "「…」", first)
    return re.sub(r"第\d+行", "第…行", kind.split("（")[0])


def reason_counts(rejects: pd.DataFrame) -> dict[str, int]:
    if rejects.empty:
        return {}
    return rejects["reason"].map(_reason_kind).value_counts().to_dict()


def _with_raw(rejects: pd.DataFrame, landing: Path) -> pd.DataFrame:
    """Fill in the raw text of rejected rows that came without it (parsed in bulk, or found to
    be duplicates after staging): read back from the file."""
    missing = rejects["raw"].isna()
    if not missing.any():
        return rejects
    rejects = rejects.copy()
    rejects["raw"] = rejects["raw"].astype(object)
    for name, idx in rejects[missing].groupby("file_name", observed=True).groups.items():
        lines = reader.raw_rows(landing / name)
        rejects.loc[idx, "raw"] = [lines.get(n) for n in rejects.loc[idx, "line_no"]]
    return rejects
