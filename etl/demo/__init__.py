"""Demo data: the export files the 14 offices would send, calibrated to BRIEF §5.

    from etl.demo import generate
    generate(Path("data/demo"), size="small")        # tests: a few seconds
    generate(Path("data/demo"), size="full")         # ~1.3 M rows, mostly non-custody events

Layout: OUT/<YYYY-MM>/<unit code>_<unit full name>_<source name>_<YYYYMM>.<csv|xlsx>, one file
per source, unit and month with rows (see etl.demo.writer). The platform and model register
(`registry`) is one file in the last month's folder from the city office; the model data
collection register is one file a month from the city office.

Same arguments and same day → byte-identical files. `size` only changes the density of the
non-custody check-ins (daily in "full", weekly in "small"); all other data, and so the article's
figures, are the same in both.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import shutil
from pathlib import Path

from cockpit.metrics.platforms import PLATFORM_BY_ID
from etl.contracts import SOURCES
from etl.demo import cases, models, noncustody, tables
from etl.demo.profiles import UNIT_CODES, XLSX, export_style
from etl.demo.timeline import day_of, month, month_first, month_label, month_last, to_date
from etl.demo.writer import Spellings, plan, write_unit

__all__ = ["generate", "SIZES"]

SIZES = {"small": 7, "full": 1}   # days between two check-ins in the event stream
_FILE_RE = re.compile(r"^\d{6}_.+_\d{6}\.(csv|xlsx)$")
_DIR_RE = re.compile(r"^\d{4}-\d{2}$")


def _clean(out: Path) -> None:
    """Remove files a previous run left (only our own file names inside YYYY-MM folders)."""
    if not out.exists():
        return
    for d in sorted(out.iterdir()):
        if d.is_dir() and _DIR_RE.match(d.name):
            for f in sorted(d.iterdir()):
                if f.is_file() and _FILE_RE.match(f.name):
                    f.unlink()
            if not any(d.iterdir()):
                shutil.rmtree(d)


# ---- writing, in parallel where the platform can fork -----------------------------------------
_JOBS: tuple | None = None


def _job_cost(job) -> float:
    source, t, unit, groups, _ = job
    rows = sum(len(r) for _, r in groups)
    if export_style(unit, source.id).format == XLSX:
        return len(groups) * 3.0 + rows * len(source.columns) * 0.012
    return len(groups) * 0.4 + rows * len(source.columns) * 0.0004


def _run_job(i: int):
    out, jobs, sp, as_of = _JOBS
    source, t, unit, groups, title = jobs[i]
    return i, write_unit(out, source, t, unit, groups, sp, as_of, title)


def _workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(n, 4))


def _write_all(out: Path, jobs: list, sp, as_of: int, progress: bool) -> list:
    """Write every job's files; the order of the results follows `jobs`."""
    global _JOBS
    results: list = [None] * len(jobs)
    order = sorted(range(len(jobs)), key=lambda i: -_job_cost(jobs[i]))  # biggest first
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(jobs), desc="files", unit="export")
    _JOBS = (out, jobs, sp, as_of)
    try:
        workers = _workers()
        if workers > 1 and len(jobs) > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for i, written in pool.imap_unordered(_run_job, order, chunksize=1):
                    results[i] = written
                    if bar is not None:
                        bar.update(1)
        else:
            for i in order:
                results[i] = _run_job(i)[1]
                if bar is not None:
                    bar.update(1)
    finally:
        _JOBS = None
        if bar is not None:
            bar.close()
    return results


def generate(out: Path, size: str = "full", seed: int = 20231, start: str = "2021-01",
             end: str | None = None, progress: bool = False) -> dict:
    """Write the demo export files into `out` and return a summary.

    start, end: first and last month written (YYYY-MM); `end` defaults to the current month.
    Data never lies after today (except the 回复期限 deadlines of suggestions).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size!r}")
    out = Path(out)
    today = dt.date.today()
    start_mi = month(start)
    end_mi = month(end) if end else (today.year - 1970) * 12 + today.month - 1
    today_mi = (today.year - 1970) * 12 + today.month - 1
    if end_mi > today_mi:
        end_mi = today_mi
    if start_mi > end_mi:
        raise ValueError(f"start {start} is after end {month_label(end_mi)}")
    as_of = min(int(month_last(end_mi)), day_of(today))

    steps = ["cases", "models", "non-custody", "tables"]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(steps), desc="demo", unit="step")

    def step(name: str) -> None:
        if bar is not None:
            bar.set_postfix_str(name)
            bar.update(1)

    world = cases.build(seed, UNIT_CODES, end_mi)
    step("cases")
    mw = models.build(seed, end_mi, as_of)
    step("models")
    p02 = int(month_first(month(PLATFORM_BY_ID["P02"].launch)))
    people = noncustody.enroll(world.nc_people, p02, as_of)
    roster = noncustody.roster(people, as_of)
    ev = noncustody.events(seed, people, as_of, SIZES[size])
    step("non-custody")
    sp = Spellings()
    pros, plea = tables.prosecution(seed, world, as_of)
    source_tables = {
        "arrest": tables.arrest(seed, world, as_of),
        "prosecution": pros,
        "nc_person": tables.nc_person(roster),
        "nc_event": tables.nc_event(ev),
        "plea": plea,
        "registry": tables.registry(as_of, end_mi),
        "collection": tables.collection(mw),
        "clue": tables.clue(mw),
        "suggestion": tables.suggestion(mw),
        "juvenile": tables.juvenile(world, as_of),
    }
    step("tables")
    if bar is not None:
        bar.close()

    _clean(out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = []
    for source in SOURCES:
        t = source_tables[source.id]
        launch_mi = month(PLATFORM_BY_ID[source.platform].launch)
        first = max(start_mi, launch_mi)
        if source.id == "registry":
            first = end_mi  # a snapshot, written in the last month's folder
        for unit, groups in plan(source, t, first, end_mi):
            title = None
            if source.id == "registry":
                d = to_date(as_of)
                title = f"运城市人民检察院{source.name}（截至{d.year}年{d.month}月{d.day}日）"
            jobs.append((source, t, unit, groups, title))
    results = _write_all(out, jobs, sp, as_of, progress)
    by_source = {s.id: {"files": 0, "rows": 0} for s in SOURCES}
    by_format: dict[str, int] = {}
    for (source, *_), written in zip(jobs, results):
        for path, n, fmt in written:
            by_source[source.id]["files"] += 1
            by_source[source.id]["rows"] += n
            by_format[fmt] = by_format.get(fmt, 0) + 1
    return {
        "out": str(out),
        "size": size,
        "seed": seed,
        "start": month_label(start_mi),
        "end": month_label(end_mi),
        "as_of": to_date(as_of).isoformat(),
        "files": sum(v["files"] for v in by_source.values()),
        "rows": sum(v["rows"] for v in by_source.values()),
        "by_source": by_source,
        "by_format": dict(sorted(by_format.items())),
        "article": {k: int(v) for k, v in mw.figures.items()},
    }
