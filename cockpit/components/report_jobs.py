"""Building a monthly pack (研判会商材料) in the background for `/reports`.

A build takes tens of seconds (every section, a page per county, a Word file and a PDF), longer
than a callback should hold a gunicorn worker. So it is a background job of the same machinery
as the uploads (`cockpit.auth.upload_jobs`, kind `PACK`): a thread in the worker that took the
request, its status in a small JSON file in `reports_dir()/.pack-jobs/` (hidden: not a pack),
written at each step, so every worker of the host reads the same progress when the page polls;
one build at a time on the host (a file lock; another waits, 排队); a job whose process went
away reads as interrupted. `build_pack` writes each file atomically, so an interrupted or failed
build leaves the previous pack in place, and building a pack again replaces it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.auth import upload_jobs as J
from cockpit.metrics import units as U
from cockpit.metrics.query import MetricStore
from cockpit.report.errors import ReportError
from cockpit.report.library import pack_name, reports_dir

PACK = J.Kind(
    ".pack-jobs",
    failed="生成过程中出现意外错误，未生成新的材料（已有的材料保持不变）。技术细节已记入服务器日志，请联系检察技术部处理。",
    interrupted="生成被中断（服务器进程已重启或退出），未生成新的材料（已有的材料保持不变），请重新生成。",
    expected=(ReportError,),
)
ACTIVE, DONE, FAILED, QUEUED = J.ACTIVE, J.DONE, J.FAILED, J.QUEUED


@dataclass
class PackResult:
    month: str
    unit: str                                  # a unit code or U.CITY
    files: list[str] = field(default_factory=list)


def stem(month: str, unit: str) -> str:
    return pack_name(month, None if unit == U.CITY else unit)


def submit(store: MetricStore, engine, month: str, unit: str, by: str) -> str:
    """Start building the pack of (month, unit code or U.CITY) into `reports_dir()`; the job's id.
    A build of the same pack already queued or running is followed instead of a second one."""
    folder = reports_dir()
    name = stem(month, unit)
    for job in J.active(folder, PACK):
        if job.get("names") == [name] and job.get("by") == by:
            return job["id"]

    def work(report) -> PackResult:
        from cockpit.report import build_pack         # the renderers load on the first build
        paths = build_pack(store, month, None if unit == U.CITY else unit, folder, engine=engine,
                           progress=lambda done, total, what: report("build", done, total, what))
        return PackResult(month, unit, [p.name for p in paths])
    return J.submit(folder, work, [name], by, kind=PACK)


def read(job_id, by: str) -> dict | None:
    """The status of a job this user started (another user's job, or no such job: None)."""
    job = J.read(reports_dir(), job_id, PACK) if isinstance(job_id, str) else None
    return job if job is not None and job.get("by") == by else None


def wait(job_id: str, timeout: float = 120.0) -> dict | None:
    """Block until the job is over (tests, scripts)."""
    return J.wait(reports_dir(), job_id, timeout, PACK)
