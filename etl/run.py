"""One ETL run: pick up new files, validate, stage, roll up, publish — atomically.

The whole run is one database transaction: a reader sees the previous snapshot until the
commit and the new one after it, never a mix; a run killed half-way leaves the previous
snapshot untouched, and the next run loads the same files again from scratch.

The load streams: files are read in landing order (month folder by month folder); once a
source holds SOURCE_CELLS cells (rows x columns), or would with the next file, or all the
sources together hold BATCH_CELLS, the rows of the source with the most are validated here
and handed to `etl.stage`, which writes them to staging on a thread of its own while reading
goes on. A batch is thus at most SOURCE_CELLS or one file whatever the landing folder holds,
and memory about two batches (plus the largest single file, which is read whole); see
etl/stage.py for duplicates across batches.

Every row of every new file ends up either in staging or in `etl_reject` with a reason; the
ledger `etl_file` records each file with rows_read = rows_loaded + rows_rejected.
"""
from __future__ import annotations

import ctypes
import datetime as dt
import logging
import resource
import time
import sys
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select, text
from tqdm import tqdm

from etl import reader, rollup
from etl.bulk import insert_frame
from cockpit.metrics.contracts import SOURCE_BY_ID
from cockpit.metrics import migrate
from cockpit.metrics.schema import etl_file, etl_run
from etl.stage import Stager
from etl.validate import printable, validate

_log = logging.getLogger(__name__)

SHEETS_AHEAD = 8   # workbooks read ahead by the sandboxed reader while the CSV files are read
SOURCE_CELLS = 1_300_000  # a source's rows are handed over once they cost this many cells (see _cells)
BATCH_CELLS = 2_600_000   # ... or once all the sources' rows read and not handed over cost this many
PG_LOCK_ID = 1408_0001  # one writer at a time on PostgreSQL (SQLite: BEGIN IMMEDIATE)
SQLITE_CACHE_KB = 128 * 1024   # the load's page cache on SQLite
PG_SORT_MEMORY = "256MB"  # the load's work_mem and maintenance_work_mem on PostgreSQL (server side)

# file statuses in the ledger
LOADED, PARTIAL, REJECTED, EMPTY, FAILED, DUPLICATE = "loaded", "partial", "rejected", "empty", "failed", "duplicate"
STATUS_LABEL = {LOADED: "已导入", PARTIAL: "部分导入", REJECTED: "全部退回", EMPTY: "无数据行",
                FAILED: "无法读取", DUPLICATE: "重复文件"}


@dataclass
class FileResult:
    file_name: str
    sha256: str
    source: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = LOADED
    notes: list[str] = field(default_factory=list)
    size_bytes: int | None = None
    mtime_ns: int | None = None


@dataclass
class RunSummary:
    run_id: int | None
    files: list[FileResult]
    skipped: int
    seconds: float
    reasons: dict[str, int]
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == FAILED]

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


class _Batch:
    """The new rows of one source, gathered file by file and turned into frames in chunks
    (a frame per file would cost more than reading the file)."""

    CHUNK_ROWS = 200_000

    def __init__(self, source):
        self.source = source
        self.chunks: list[pd.DataFrame] = []
        self._reset()

    def _reset(self):
        self.cols = {c.name: [] for c in self.source.columns}
        self.lineage = {"file_name": [], "line_no": [], "shape": [], "raw": []}
        self.n = 0

    def add(self, file_name: str, table: reader.Table) -> None:
        for name, values in table.columns.items():
            self.cols[name].extend(values)
        self.lineage["file_name"].extend([file_name] * len(table))
        self.lineage["line_no"].extend(table.line_no)
        self.lineage["shape"].extend(table.shape)
        self.lineage["raw"].extend(table.raw)
        self.n += len(table)
        if self.n >= self.CHUNK_ROWS:
            self._flush()

    def _flush(self):
        if self.n:
            data = {name: pd.array(values, dtype="str") for name, values in self.cols.items()}
            data["file_name"] = pd.array(self.lineage["file_name"], dtype="str")
            data["line_no"] = pd.array(self.lineage["line_no"], dtype="int64")
            data["shape"] = pd.array(self.lineage["shape"], dtype="int8")
            data["raw"] = pd.array(self.lineage["raw"], dtype="str")
            self.chunks.append(pd.DataFrame(data))
        self._reset()

    def frame(self) -> pd.DataFrame:
        self._flush()
        frame = pd.concat(self.chunks, ignore_index=True) if len(self.chunks) > 1 else self.chunks[0]
        self.chunks = []
        return frame


def landing_files(landing: Path) -> list[Path]:
    return sorted(p for p in landing.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(landing).parts))


def run(landing: Path, engine: Engine, today: dt.date | None = None, progress: bool | None = None,
        log=None, on_file=None, on_source=None) -> RunSummary:
    """Load every new file of `landing` in one transaction. `on_file(pos, total, name)` is called
    before each new file is read (`total`: the files not already in the ledger by name, size and
    mtime), `on_source(pos, total, source_name)` before each data interface is validated and
    staged — hooks for a progress display (the upload page); `progress` is tqdm's bar on stderr."""
    today = today or dt.date.today()
    log = log or (lambda msg: None)
    started = dt.datetime.now()
    landing = Path(landing)
    with engine.connect() as conn:
        # conn.info and PRAGMAs stay with the DBAPI connection when it goes back to the pool:
        # set them for this run only
        conn.info["writer"] = True
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A bulk writer: a larger page cache, which also bounds the memory of the sorts that
            # build the indexes (beyond it they spill to temporary files: memory stays flat
            # whatever the load's size). Pages still reach the WAL before COMMIT returns.
            dbapi = conn.connection.driver_connection
            dbapi.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})
                    # for this transaction only: the index builds after a bulk load and the search
                    # for keys staged twice sort and hash in memory instead of spilling to disk
                    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{PG_SORT_MEMORY}'"))
                    conn.execute(text(f"SET LOCAL work_mem = '{PG_SORT_MEMORY}'"))
                migrate.upgrade(conn)   # schema changes by migrations (docs/decisions.md)
                summary = _run(conn, landing, today, progress, log, started, on_file, on_source)
                committing = time.perf_counter()
            summary.phases["commit"] = time.perf_counter() - committing   # SQLite: with the checkpoint
        finally:
            conn.info.pop("writer", None)
            if sqlite:
                dbapi.execute("PRAGMA cache_size = -2000")     # SQLite's default
    return summary


def _run(conn, landing, today, progress, log, started, on_file=None, on_source=None) -> RunSummary:
    phases: dict[str, float] = {}
    clock = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        phases[name] = phases.get(name, 0.0) + now - clock[0]
        clock[0] = now
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        log(f"  {name}: {phases[name]:.2f} s so far, peak memory {peak} MB")
    ledger_rows = conn.execute(select(etl_file.c.file_name, etl_file.c.sha256, etl_file.c.size_bytes,
                                      etl_file.c.mtime_ns)).all()
    known = {(r.file_name, r.sha256) for r in ledger_rows}
    unchanged = {(r.file_name, r.size_bytes, r.mtime_ns) for r in ledger_rows}  # skip these unread
    name_of_sha = {sha: name for name, sha in known}
    del ledger_rows
    results: list[FileResult] = []
    by_name: dict[str, FileResult] = {}
    new_files: dict[str, tuple[int, str]] = {}           # name -> (position in the load, sha256)
    stager = Stager(conn, landing, started, new_files, log)
    batch = _ReadBatch()                                  # read, not yet handed over
    skipped = 0
    paths = landing_files(landing)

    def new_by_stat(path: Path) -> bool:
        stat = path.stat()
        return (path.relative_to(landing).as_posix(), stat.st_size, stat.st_mtime_ns) not in unchanged
    n_new = sum(1 for p in paths if new_by_stat(p)) if on_file else 0
    n_seen = 0
    # progress None: a bar only when stderr is a terminal
    bar = tqdm(paths, desc="读取文件", unit="个", disable=None if progress is None else not progress,
               file=sys.stderr, leave=False)
    # Workbooks are parsed by the sandboxed reader process (etl.sandbox) while this thread goes
    # on with the CSV files; the tables are taken in the files' order all the same.
    in_order: deque = deque()     # (position, name, result, table or future), in path order
    sheets = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-sheet")
    # A batch is written on this thread while the next one is read and validated.
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-stage")
    writing: list[Future] = []

    def take(ahead: int) -> None:
        """Take the tables at the head of the queue that are ready, and wait for workbooks while
        more than `ahead` are queued (their bytes are held until parsed)."""
        while in_order:
            head = in_order[0][3]
            if isinstance(head, Future) and not head.done() \
                    and sum(isinstance(x[3], Future) for x in in_order) <= ahead:
                return
            pos, name, res, table = in_order.popleft()
            if isinstance(table, Future):
                table = table.result()
            if table is None:
                log(f"[{pos}/{len(paths)}] {name}: 无法读取 — {'；'.join(res.notes)}")
                continue
            res.source = table.source.id
            make_room(table.source, len(table))
            _take_table(name, table, res, batch.pending, batch.rejects)
            batch.size[table.source.id] += _cells(table.source, res.rows_read)
            log(f"[{pos}/{len(paths)}] {name}: {table.source.name} {res.rows_read} 行")

    def make_room(source, rows: int) -> None:
        """Hand over the source's rows read so far if this file's rows would take them past
        SOURCE_CELLS: a batch is at most SOURCE_CELLS or one file, whatever the files' sizes
        (ten times the rows come in files ten times as large)."""
        held = batch.size.get(source.id, 0)
        if held and held + _cells(source, rows) > SOURCE_CELLS:
            hand_over([source.id])

    def hand_over(source_ids) -> None:
        """Validate these sources' rows read so far and give them to the writing thread (once
        it is done with the previous batch)."""
        done = batch.split(source_ids)
        lap("read")
        frames = _frames(done, landing, by_name)
        lap("parse")
        parts = []
        for pos, (source_id, chunks) in enumerate(frames.items()):
            source = SOURCE_BY_ID[source_id]
            if on_source is not None:
                on_source(pos + 1, len(frames), source.name)
            frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
            chunks.clear()
            parts.append((source, *validate(source, frame, today)))
            del frame
        lap("validate")
        if writing:
            writing.pop().result()
            _release_memory()
        lap("wait")   # for the previous batch to be written
        writing.append(writer.submit(stager.stage, parts, done.rejects))

    try:
        for i, path in enumerate(bar):
            name = path.relative_to(landing).as_posix()
            stat = path.stat()
            if (name, stat.st_size, stat.st_mtime_ns) in unchanged:
                skipped += 1
                continue
            if on_file is not None:
                n_seen += 1
                on_file(n_seen, max(n_new, n_seen), name)
            data = path.read_bytes()
            sha = reader.sha256(data)
            if (name, sha) in known:
                skipped += 1
                continue
            res = FileResult(name, sha, size_bytes=stat.st_size, mtime_ns=stat.st_mtime_ns)
            results.append(res)
            by_name[name] = res
            new_files[name] = (i, sha)
            if sha in name_of_sha:
                res.status = DUPLICATE
                res.notes.append(f"与已导入的文件「{name_of_sha[sha]}」内容完全相同，未重复导入")
                continue
            name_of_sha[sha] = name
            if reader.is_workbook(path, data):
                in_order.append((i + 1, name, res, sheets.submit(_read, path, data, res)))
                take(SHEETS_AHEAD)
            else:
                table = _read(path, data, res, defer=True)
                if isinstance(table, reader.CsvBody):
                    res.source = table.source.id
                    res.rows_read = table.n_rows
                    make_room(table.source, table.n_rows)
                    if table.extra_columns:
                        res.notes.append("已忽略接口中未定义的列：" + "、".join(table.extra_columns))
                    batch.deferred.setdefault((table.source.id, table.headers), []).append((name, table))
                    batch.size[table.source.id] += _cells(table.source, table.n_rows)
                else:
                    in_order.append((i + 1, name, res, table))
                    take(SHEETS_AHEAD)
            del data
            while batch.size and (max(batch.size.values()) >= SOURCE_CELLS or batch.total() >= BATCH_CELLS):
                hand_over([max(batch.size, key=batch.size.get)])   # the source with the most cells
        take(0)
        if batch.total() or batch.deferred or batch.pending or batch.rejects:
            hand_over(list(batch.size))
        if writing:
            writing.pop().result()
    finally:
        sheets.shutdown(wait=True, cancel_futures=True)
        writer.shutdown(wait=True)   # nothing writes to the transaction once this returns
    lap("wait")
    phases["stage"] = stager.seconds   # on the writing thread, overlapping the phases above
    stager.finish()
    lap("index")

    for res in results:
        res.rows_rejected = int(stager.rejected.get(res.file_name, 0))
        res.rows_loaded = res.rows_read - res.rows_rejected
        if res.status in (FAILED, DUPLICATE):
            continue
        res.status = (EMPTY if res.rows_read == 0 else LOADED if res.rows_rejected == 0
                      else REJECTED if res.rows_loaded == 0 else PARTIAL)
        if res.status == EMPTY:
            res.notes.append("只有表头，没有数据行")

    rebuild = {g for g in rollup.undeclared_groups(conn) if g[0] not in stager.fresh}
    if rebuild:
        log("按新增的指标声明重算：" + "、".join(sorted(f"{s}.{m}" for s, m in rebuild)))
    if stager.touched or rebuild:
        rollup.refresh(conn, stager.touched, stager.fresh, rebuild)
    lap("rollup")
    finished = dt.datetime.now()
    run_id = None
    if results or rebuild:   # recomputed facts are a new snapshot too
        totals = dict(finished_at=finished, files_new=len(results),
                      rows_loaded=sum(r.rows_loaded for r in results),
                      rows_rejected=sum(r.rows_rejected for r in results))
        if stager.run_id is None:
            run_id = conn.execute(etl_run.insert().values(started_at=started, **totals)).inserted_primary_key[0]
        else:   # written with the first rejected rows
            run_id = stager.run_id
            conn.execute(etl_run.update().where(etl_run.c.run_id == run_id).values(**totals))
        ledger = pd.DataFrame([{
            "file_name": r.file_name, "sha256": r.sha256, "source": r.source, "rows_read": r.rows_read,
            "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected, "status": r.status,
            "loaded_at": pd.Timestamp(finished).floor("s"), "note": printable("；".join(r.notes)) or None,
            "run_id": run_id,
            "size_bytes": r.size_bytes, "mtime_ns": r.mtime_ns,
        } for r in results])
        insert_frame(conn, etl_file, ledger)
    lap("ledger")
    return RunSummary(run_id, results, skipped, (finished - started).total_seconds(), dict(stager.reasons), phases)


try:
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # not glibc
    _malloc_trim = None


def _release_memory() -> None:
    """Hand the memory freed by the last batches back to the system. Without it glibc keeps
    the freed blocks of each thread's arena, fragmented, and the peak crept up batch after
    batch: 10x the rows peaked ~20 % higher than 1x."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _cells(source, rows: int) -> int:
    """What a source's rows cost to validate: memory goes with rows x columns (each column is
    copied, typed and checked), not with the bytes of the text."""
    return rows * (len(source.columns) + 4)   # + file name, line, shape, raw


class _ReadBatch:
    """What was read and not yet handed over: well-formed CSV bodies by layout, other files'
    rows by source, and the rows of files rejected as a whole. A batch holds one or more sources:
    the sources with many rows go by themselves, a source with a few rows a month waits for
    the end of the load (each validation has a fixed cost)."""

    def __init__(self):
        self.deferred: dict[tuple, list] = {}
        self.pending: dict[str, _Batch] = {}
        self.rejects: list[pd.DataFrame] = []
        self.size: Counter = Counter()        # source id -> cells held (see _cells)

    def total(self) -> int:
        return sum(self.size.values())

    def split(self, source_ids) -> _ReadBatch:
        """A batch of these sources' rows (and the whole-file rejects), taken out of this one."""
        out = _ReadBatch()
        for layout in [k for k in self.deferred if k[0] in source_ids]:
            out.deferred[layout] = self.deferred.pop(layout)
        for source_id in source_ids:
            if source_id in self.pending:
                out.pending[source_id] = self.pending.pop(source_id)
            self.size.pop(source_id, None)
        out.rejects, self.rejects = self.rejects, []
        return out


def _frames(batch: _ReadBatch, landing: Path, by_name: dict) -> dict[str, list[pd.DataFrame]]:
    """The batch's rows as frames by source: each CSV layout parsed in one call, then the rest."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for layout in list(batch.deferred):
        source_id, bodies = layout[0], batch.deferred.pop(layout)  # frees each layout's text once parsed
        try:
            frame = reader.parse_bodies(bodies)
        except Exception as err:  # noqa: BLE001 - pyarrow's errors: the files are read one by one below
            _log.warning("bulk CSV parse failed, reading %d files one by one: %s", len(bodies), err)
            frame = None
        if frame is not None:
            frames.setdefault(source_id, []).append(frame.assign(shape=0, raw=None))
            continue
        for name, _ in bodies:  # a malformed row somewhere: read these files one by one
            res = by_name[name]
            table = _read(landing / name, None, res)
            if table is not None:
                _take_table(name, table, res, batch.pending, batch.rejects)
    for source_id, pending in batch.pending.items():
        frames.setdefault(source_id, []).append(pending.frame())
    return frames


READ_ERROR = "读取文件时发生内部错误，整份文件未导入（技术细节已记入服务器日志）；请从业务系统重新导出后报送，如仍失败请联系管理员"


def _read(path: Path, data: bytes | None, res: FileResult, defer: bool = False):
    """The file's table, or None with the file marked failed and a reason for the clerk. No
    error of one file escapes: the other files of the load go on."""
    try:
        return reader.read_file(path, data, defer=defer)
    except reader.Unreadable as err:
        reason = str(err)
    except Exception:  # noqa: BLE001 - a parser's own error (pyarrow, csv, a codec): logged in full
        _log.exception("reading %s failed", res.file_name)
        reason = READ_ERROR
    res.status, res.source, res.rows_read = FAILED, None, 0
    res.notes[:] = [reason]
    return None


def _take_table(name: str, table: reader.Table, res: FileResult, pending: dict, rejects: list) -> None:
    """A file read row by row: its rows join the source's batch (or all are rejected)."""
    res.rows_read = len(table)
    res.notes.clear()
    if table.truncated:
        res.notes.append("文件末尾在一个字符中间被截断")
    if table.extra_columns:
        res.notes.append("已忽略接口中未定义的列：" + "、".join(table.extra_columns))
    if table.missing_columns:
        missing = "、".join(f"「{h}」" for h in table.missing_columns)
        rejects.append(pd.DataFrame({
            "file_name": name, "line_no": table.line_no,
            "reason": f"文件缺少必填列{missing}，整份文件未导入；请按数据接口规范补齐后重新报送",
            "raw": table.raw}))
        res.notes.append(f"缺少必填列{missing}")
    elif len(table):
        pending.setdefault(table.source.id, _Batch(table.source)).add(name, table)


def reconcile(conn) -> list[tuple]:
    """Files whose counts do not add up (should always be empty)."""
    return conn.execute(text(
        "SELECT file_name, rows_read, rows_loaded, rows_rejected FROM etl_file "
        "WHERE rows_read <> rows_loaded + rows_rejected")).all()

