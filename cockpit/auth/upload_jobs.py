"""Background jobs with a status file: an upload's check, storage and load — and the monthly
pack's build (/reports, `cockpit.components.report_jobs`) — run in the background, not inside
the request. Each kind of job (`Kind`) has its own folder, its own lock and its own Chinese
messages; uploads are the default kind.

The upload callback hands the files to `submit`, which writes a job status file and starts a
worker thread; the callback answers at once with the job's id. The page polls `read` (a
dcc.Interval) and shows the job's progress ("正在导入 3/12：文件名") and then its result.

Why a status file and a thread rather than Dash's background callbacks (docs/decisions.md): a
Dash background job is known only to the browser tab that started it (its signed cacheKey/job
live in the renderer's memory), so a reload or a second administrator would not see it; it runs
in another process without the request (no session: the audit log could not name the admin); and
it needs diskcache/multiprocess or a Celery worker besides. Here:
- the status of each job is a small JSON file in LANDING/.upload-jobs/ (hidden: the ETL ignores
  it), written atomically (a temporary file, then a rename) at each step, so every gunicorn
  worker on the host — and the page after a reload — reads the same state;
- the work runs in a thread of the worker that took the upload; jobs run one at a time on the
  host (an exclusive `flock` on LANDING/.upload-jobs/.lock: a second upload waits, "排队"), and the
  ETL's own lock (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) serialises them with
  `python -m etl run` and other hosts;
- a job whose thread is gone (the worker process restarted or died) reads as interrupted: the
  load's single transaction was rolled back, nothing half-loaded remains;
- the last `KEEP` jobs' files are kept, older ones deleted.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

JOB_DIR = ".upload-jobs"
LOCK_FILE = ".lock"
KEEP = 20

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
ACTIVE = (QUEUED, RUNNING)

JOB_FAILED = "导入过程中出现意外错误，数据未发生任何变化。技术细节已记入服务器日志，请联系系统管理员处理。"
JOB_INTERRUPTED = ("导入被中断（服务器进程已重启或退出），本次导入的数据已全部撤销。已上传的文件保存在服务器上，"
                   "再次上传任一文件或等待下次导入时会重新读取。")

_live: set[str] = set()          # ids of the jobs whose thread runs in this process
_live_lock = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of job: its folder (under the base folder each call names), what a failed and an
    interrupted job say, and the exceptions whose own (Chinese) message a failed job shows."""
    folder: str
    failed: str
    interrupted: str
    expected: tuple[type[Exception], ...] = ()


UPLOAD = Kind(JOB_DIR, JOB_FAILED, JOB_INTERRUPTED)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _dir(landing: Path, kind: Kind = UPLOAD) -> Path:
    return Path(landing) / kind.folder


def _path(landing: Path, job_id: str, kind: Kind = UPLOAD) -> Path | None:
    job_id = str(job_id or "")
    if not job_id or not all(c.isalnum() or c in "-_" for c in job_id) or len(job_id) > 64:
        return None           # an id from the browser: never a path
    return _dir(landing, kind) / f"{job_id}.json"


def _write(landing: Path, job: dict, kind: Kind = UPLOAD) -> None:
    folder = _dir(landing, kind)
    folder.mkdir(parents=True, exist_ok=True)
    job["updated"] = _now()
    fd, tmp = tempfile.mkstemp(prefix=".job-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(job, fh, ensure_ascii=False)
        os.replace(tmp, folder / f"{job['id']}.json")
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _pid_alive(pid) -> bool:
    try:
        os.kill(int(pid), 0)
    except (OSError, TypeError, ValueError):
        return False
    return True


def _interrupted(job: dict) -> bool:
    """An active job whose thread is gone: in this process not among the live ones, in another
    process of this host when that process is gone (another host's jobs are believed)."""
    if job.get("state") not in ACTIVE or job.get("host") != socket.gethostname():
        return False
    if job.get("pid") == os.getpid():
        with _live_lock:
            return job["id"] not in _live
    return not _pid_alive(job.get("pid"))


def read(landing: Path, job_id: str, kind: Kind = UPLOAD) -> dict | None:
    """A job's status (a dict) or None when there is no such job."""
    path = _path(landing, job_id, kind)
    if path is None:
        return None
    job = _load(path)
    if job is not None and _interrupted(job):
        # read again: the thread writes its last status before it leaves `_live` (and a process
        # before it exits), so a job that just ended shows its end here, not an interruption
        job = _load(path)
        if job is not None and _interrupted(job):
            job.update(state=INTERRUPTED, error=kind.interrupted)
    return job


def _load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def recent(landing: Path, limit: int = KEEP, kind: Kind = UPLOAD) -> list[dict]:
    """The latest jobs, newest first."""
    folder = _dir(landing, kind)
    if not folder.is_dir():
        return []
    ids = sorted((p.stem for p in folder.glob("*.json") if not p.name.startswith(".")), reverse=True)
    return [j for j in (read(landing, i, kind) for i in ids[:limit]) if j is not None]


def latest(landing: Path, kind: Kind = UPLOAD) -> dict | None:
    jobs = recent(landing, 1, kind)
    return jobs[0] if jobs else None


def active(landing: Path, kind: Kind = UPLOAD) -> list[dict]:
    """Jobs queued or running, oldest first."""
    return [j for j in reversed(recent(landing, kind=kind)) if j["state"] in ACTIVE]


def _new(names: list[str], by: str) -> dict:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return {"id": f"{stamp}-{secrets.token_hex(4)}", "state": QUEUED, "by": str(by or "")[:80],
            "names": [str(n) for n in names], "created": _now(), "host": socket.gethostname(), "pid": os.getpid(),
            "phase": "", "pos": 0, "total": 0, "current": "", "result": None, "error": None}


def _prune(landing: Path, kind: Kind = UPLOAD) -> None:
    folder = _dir(landing, kind)
    files = sorted((p for p in folder.glob("*.json") if not p.name.startswith(".")), reverse=True)
    for old in files[KEEP:]:
        job = read(landing, old.stem, kind)
        if job is None or job["state"] not in ACTIVE:
            old.unlink(missing_ok=True)


def result_dict(result) -> dict:
    """An UploadResult as JSON-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(result), ensure_ascii=False))


def finished(landing: Path, result, names: list[str], by: str, kind: Kind = UPLOAD) -> str:
    """A job that is over before it starts (every file refused in the browser): its result is
    shown and kept like any other's. Returns its id."""
    job = _new(names, by)
    job.update(state=DONE, result=result_dict(result))
    _write(landing, job, kind)
    return job["id"]


def submit(landing: Path, work, names: list[str], by: str, kind: Kind = UPLOAD) -> str:
    """Start `work(report) -> result` (a dataclass, e.g. an UploadResult) in a worker thread and
    return the job's id at once. `report(phase, pos, total, name)` updates the job's status file."""
    landing = Path(landing)
    job = _new(names, by)
    _write(landing, job, kind)
    _prune(landing, kind)
    with _live_lock:
        _live.add(job["id"])
    thread = threading.Thread(target=_run, args=(landing, job, work, kind), name=f"job-{job['id']}", daemon=False)
    thread.start()
    return job["id"]


def _run(landing: Path, job: dict, work, kind: Kind = UPLOAD) -> None:
    try:
        folder = _dir(landing, kind)
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOCK_FILE, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)        # one job at a time on this host; others stay queued
            try:
                job.update(state=RUNNING, started=_now())
                _write(landing, job, kind)

                def report(phase: str, pos: int, total: int, name: str) -> None:
                    job.update(phase=str(phase), pos=int(pos), total=int(total), current=str(name))
                    _write(landing, job, kind)
                try:
                    result = work(report)
                    job.update(state=DONE, result=result_dict(result), phase="", current="")
                except kind.expected as err:   # a refusal the user can act on: its own message
                    job.update(state=FAILED, error=str(err))
                except Exception:  # noqa: BLE001 - the job fails with a Chinese message, the detail is logged
                    log.exception("%s job %s failed", kind.folder, job["id"])
                    job.update(state=FAILED, error=kind.failed)
                job["finished"] = _now()
                _write(landing, job, kind)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except Exception:  # noqa: BLE001 - the status file itself could not be written
        log.exception("%s job %s: status not written", kind.folder, job["id"])
    finally:
        with _live_lock:
            _live.discard(job["id"])


def wait(landing: Path, job_id: str, timeout: float = 60.0, kind: Kind = UPLOAD) -> dict | None:
    """Block until the job is no longer active (for tests and scripts); its last status."""
    deadline = time.monotonic() + timeout
    while True:
        job = read(landing, job_id, kind)
        if job is None or job["state"] not in ACTIVE or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
