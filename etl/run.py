"""One ETL run: pick up new files, validate, stage, roll up, publish — atomically.

The whole run is one database transaction: a reader sees the previous snapshot until the
commit and the new one after it, never a mix; a run killed half-way leaves the previous
snapshot untouched, and the next run loads the same files again from scratch.

Every row of every new file ends up either in staging or in `etl_reject` with a reason; the
ledger `etl_file` records each file with rows_read = rows_loaded + rows_rejected.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import resource
import time
import sys
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select, text
from tqdm import tqdm

from etl import reader, rollup
from etl.bulk import analyze, existing_keys, insert_frame
from cockpit.metrics.contracts import SOURCE_BY_ID
from cockpit.metrics import migrate
from cockpit.metrics.schema import STAGING, etl_file, etl_reject, etl_run
from etl.validate import printable, validate

_log = logging.getLogger(__name__)

SHEETS_AHEAD = 8   # workbooks read ahead by the sandboxed reader while the CSV files are read
PG_LOCK_ID = 1408_0001  # one writer at a time on PostgreSQL (SQLite: BEGIN IMMEDIATE)

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
            # A bulk writer: a 256 MB page cache and in-memory sort space for the index builds
            # (pages still reach the WAL before COMMIT returns).
            dbapi = conn.connection.driver_connection
            dbapi.execute("PRAGMA cache_size = -262144")
            dbapi.execute("PRAGMA temp_store = MEMORY")
        try:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})
                migrate.upgrade(conn)   # schema changes by migrations (docs/decisions.md)
                summary = _run(conn, landing, today, progress, log, started, on_file, on_source)
        finally:
            conn.info.pop("writer", None)
            if sqlite:
                dbapi.execute("PRAGMA cache_size = -2000")     # SQLite's defaults
                dbapi.execute("PRAGMA temp_store = DEFAULT")
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
    results: list[FileResult] = []
    pending: dict[str, _Batch] = {}                      # rows read one file at a time
    deferred: dict[tuple, list] = {}                     # well-formed CSV bodies by layout
    rejects: list[pd.DataFrame] = []
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
            _take_table(name, table, res, pending, rejects)
            log(f"[{pos}/{len(paths)}] {name}: {table.source.name} {res.rows_read} 行")

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
            if sha in name_of_sha:
                res.status = DUPLICATE
                res.notes.append(f"与已导入的文件「{name_of_sha[sha]}」内容完全相同，未重复导入")
                continue
            name_of_sha[sha] = name
            if reader.is_workbook(path, data):
                in_order.append((i + 1, name, res, sheets.submit(_read, path, data, res)))
                take(SHEETS_AHEAD)
                continue
            table = _read(path, data, res, defer=True)
            if isinstance(table, reader.CsvBody):
                res.source = table.source.id
                res.rows_read = table.n_rows
                if table.extra_columns:
                    res.notes.append("已忽略接口中未定义的列：" + "、".join(table.extra_columns))
                deferred.setdefault((table.source.id, table.headers), []).append((name, table))
                continue
            in_order.append((i + 1, name, res, table))
            take(SHEETS_AHEAD)
        take(0)
    finally:
        sheets.shutdown(wait=True, cancel_futures=True)

    lap("read")
    frames: dict[str, list[pd.DataFrame]] = {}
    while deferred:
        (source_id, _), bodies = deferred.popitem()  # frees each layout's text once parsed
        try:
            frame = reader.parse_bodies(bodies)
        except Exception as err:  # noqa: BLE001 - pyarrow's errors: the files are read one by one below
            _log.warning("bulk CSV parse failed, reading %d files one by one: %s", len(bodies), err)
            frame = None
        if frame is not None:
            frames.setdefault(source_id, []).append(frame.assign(shape=0, raw=None))
            continue
        by_name = {r.file_name: r for r in results}
        for name, _ in bodies:  # a malformed row somewhere: read these files one by one
            res = by_name[name]
            table = _read(landing / name, None, res)
            if table is not None:
                _take_table(name, table, res, pending, rejects)
    for source_id, batch in pending.items():
        frames.setdefault(source_id, []).append(batch.frame())

    touched: dict[tuple[str, str], set] = {}
    fresh: set[str] = set()  # sources whose staging was empty before this load
    lap("parse")
    for pos, (source_id, parts) in enumerate(tqdm(list(frames.items()), desc="校验入库", unit="类", file=sys.stderr,
                                                  leave=False, disable=None if progress is None else not progress)):
        source = SOURCE_BY_ID[source_id]
        if on_source is not None:
            on_source(pos + 1, len(frames), source.name)
        batch = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        parts.clear()
        good, bad = validate(source, batch, today)
        del batch
        lap("validate")
        good, bad_db = _drop_already_staged(conn, source, good)
        rejects.extend([bad, bad_db])
        staging = STAGING[source_id]
        if conn.execute(select(staging).limit(1)).first() is None:
            fresh.add(source_id)  # an empty table: load it bare and index it afterwards (faster)
            for index in staging.indexes:
                index.drop(conn)
        insert_frame(conn, staging, good.drop(columns="raw"))
        if source_id in fresh:
            for index in staging.indexes:
                index.create(conn)
            analyze(conn, staging.name)
        lap("stage")
        for month, cells in rollup.affected_cells(source_id, good).items():
            touched.setdefault((source_id, month), set()).update(cells)
        log(f"{source.name}: 入库 {len(good)} 行，退回 {len(bad) + len(bad_db)} 行")

    rejects = [_with_raw(r, landing) for r in rejects if len(r)]
    all_rejects = pd.concat([r for r in rejects if len(r)], ignore_index=True) if any(len(r) for r in rejects) \
        else pd.DataFrame(columns=["file_name", "line_no", "reason", "raw"])
    rejected_per_file = all_rejects.groupby("file_name").size().to_dict()
    for res in results:
        res.rows_rejected = int(rejected_per_file.get(res.file_name, 0))
        res.rows_loaded = res.rows_read - res.rows_rejected
        if res.status in (FAILED, DUPLICATE):
            continue
        res.status = (EMPTY if res.rows_read == 0 else LOADED if res.rows_rejected == 0
                      else REJECTED if res.rows_loaded == 0 else PARTIAL)
        if res.status == EMPTY:
            res.notes.append("只有表头，没有数据行")

    lap("validate")
    rebuild = {g for g in rollup.undeclared_groups(conn) if g[0] not in fresh}
    if rebuild:
        log("按新增的指标声明重算：" + "、".join(sorted(f"{s}.{m}" for s, m in rebuild)))
    if touched or rebuild:
        rollup.refresh(conn, touched, fresh, rebuild)
    lap("rollup")
    finished = dt.datetime.now()
    run_id = None
    if results or rebuild:   # recomputed facts are a new snapshot too
        run_id = conn.execute(etl_run.insert().values(
            started_at=started, finished_at=finished, files_new=len(results),
            rows_loaded=sum(r.rows_loaded for r in results),
            rows_rejected=sum(r.rows_rejected for r in results))).inserted_primary_key[0]
        ledger = pd.DataFrame([{
            "file_name": r.file_name, "sha256": r.sha256, "source": r.source, "rows_read": r.rows_read,
            "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected, "status": r.status,
            "loaded_at": pd.Timestamp(finished).floor("s"), "note": printable("；".join(r.notes)) or None,
            "run_id": run_id,
            "size_bytes": r.size_bytes, "mtime_ns": r.mtime_ns,
        } for r in results])
        insert_frame(conn, etl_file, ledger)
        if len(all_rejects):
            sha_of = {r.file_name: r.sha256 for r in results}
            # no control characters reach the store (PostgreSQL refuses NUL in text, SQLite would keep it)
            all_rejects = all_rejects.assign(sha256=all_rejects["file_name"].map(sha_of), run_id=run_id,
                                             reason=all_rejects["reason"].map(printable),
                                             raw=all_rejects["raw"].map(printable, na_action="ignore"))
            insert_frame(conn, etl_reject, all_rejects[["file_name", "line_no", "reason", "raw", "sha256", "run_id"]])
    reasons = _reason_counts(all_rejects)
    lap("ledger")
    return RunSummary(run_id, results, skipped, (finished - started).total_seconds(), reasons, phases)


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


def _with_raw(rejects: pd.DataFrame, landing: Path) -> pd.DataFrame:
    """Fill in the raw text of rejected rows that were parsed in bulk (read back from the file)."""
    missing = rejects["raw"].isna()
    if not missing.any():
        return rejects
    rejects = rejects.copy()
    rejects["raw"] = rejects["raw"].astype(object)
    for name, idx in rejects[missing].groupby("file_name", observed=True).groups.items():
        lines = reader.decoded_lines(landing / name)
        rejects.loc[idx, "raw"] = [lines[n - 1] if 0 < n <= len(lines) else None
                                   for n in rejects.loc[idx, "line_no"]]
    return rejects


def _drop_already_staged(conn, source, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows whose natural key was loaded by an earlier run are duplicates."""
    keys = good[source.key_column]
    seen = existing_keys(conn, STAGING[source.id], source.key_column, keys)
    if seen.empty:
        return good, pd.DataFrame(columns=["file_name", "line_no", "reason", "raw"])
    first = seen.drop_duplicates("key").set_index("key")
    dup = keys.isin(first.index).to_numpy()
    names = "、".join(source.column(k).header for k in source.key)
    hits = good[dup]
    reasons = [f"重复记录：{names}已由文件「{first.at[k, 'file_name']}」第{first.at[k, 'line_no']}行导入"
               for k in hits[source.key_column]]
    bad = pd.DataFrame({"file_name": hits["file_name"].to_numpy(), "line_no": hits["line_no"].to_numpy(),
                        "reason": reasons, "raw": hits["raw"].to_numpy()})
    return good[~dup].reset_index(drop=True), bad


_HEADERS = {c.header for s in SOURCE_BY_ID.values() for c in s.columns}


def _reason_kind(reason: str) -> str:
    """A reason with the row's own values blanked out, so that reasons can be counted."""
    first = reason.split("；")[0]
    kind = re.sub(r"「([^」]*)」", lambda m: m.group(0) if m.group(1) in _HEADERS else "「…」", first)
    return re.sub(r"第\d+行", "第…行", kind.split("（")[0])


def _reason_counts(rejects: pd.DataFrame) -> dict[str, int]:
    if rejects.empty:
        return {}
    return rejects["reason"].map(_reason_kind).value_counts().to_dict()


def reconcile(conn) -> list[tuple]:
    """Files whose counts do not add up (should always be empty)."""
    return conn.execute(text(
        "SELECT file_name, rows_read, rows_loaded, rows_rejected FROM etl_file "
        "WHERE rows_read <> rows_loaded + rows_rejected")).all()

