"""Demo data: the export files the 14 offices would send, calibrated to BRIEF §5.

    from etl.demo import generate
    generate(Path("data/demo"), size="small")        # tests: a few seconds
    generate(Path("data/demo"), size="full")         # ~1.5 M rows, mostly non-custody events
    generate(Path("data/demo"), size="x10")          # ten times full's people and events (~14 M rows)

Layout: OUT/<YYYY-MM>/<unit code>_<unit full name>_<source name>_<YYYYMM>.<csv|xlsx>, one file
per source, unit and month with rows (see etl.demo.writer). The platform and model register
(`registry`) is one file in the last month's folder from the city office; the model data
collection register is one file a month from the city office.

A hidden list of the files written (`OUT/.demo-files`) lets the next run into the same folder
remove them first; nothing else in OUT is touched.

Same arguments and same day → byte-identical files. `size` only changes the density of the
non-custody check-ins (daily in "full", weekly in "small"); all other data, and so the article's
figures, are the same in both.

"x10" is a province-sized city: the same units, months and registers, and ten copies of the
case world (arrest review, prosecution, plea, juvenile, the non-custody roster and its daily
events), each drawn from its own random streams by the same calibrated model — ten times the
people and events at the same rates. The copies are generated and written one at a time (memory
as for "full"): a CSV export gets the next copy's rows appended, an Excel export a second
workbook for the month (…_202403_2.xlsx). Case, person and event numbers carry the copy's digit
(`tables.number_copy`).
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import re
import threading
from pathlib import Path

from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from etl.demo import cases, clue_path, models, noncustody, tables
from etl.demo.profiles import UNIT_CODES, XLSX, export_style
from etl.demo.timeline import day_of, month, month_first, month_label, month_last, to_date
from etl.demo.writer import Spellings, plan, write_csv_unit, write_xlsx_job, xlsx_jobs

__all__ = ["generate", "SIZES"]

SIZES = {"small": 7, "full": 1, "x10": 1}   # days between two check-ins in the event stream
COPIES = {"small": 1, "full": 1, "x10": 10}  # copies of the case world (people and their events)
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MANIFEST = ".demo-files"  # the files the last run wrote, so that the next run can remove them


def _clean(out: Path) -> None:
    """Remove the files the previous run wrote into `out` (and only those)."""
    manifest = out / MANIFEST
    if not manifest.is_file():
        return
    for line in manifest.read_text(encoding="utf-8").splitlines():
        path = out / line
        if line and ".." not in Path(line).parts and path.is_file():
            path.unlink()
            if path.parent != out and not any(path.parent.iterdir()):
                path.parent.rmdir()
    manifest.unlink()


# ---- writing ------------------------------------------------------------------------------------
def _workers() -> int:
    """Worker processes for the XLSX files (0 = write everything here)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 0  # no fork on this platform, or called from a threaded program (a web server)
    return max(1, min(n - 1, 3))


class _Writer:
    """Writes the files: CSV in this process, XLSX in worker processes forked at the start (while this
    process is still small), so that Excel files are written while the rest is generated."""

    def __init__(self, out: Path, sp: Spellings, as_of: int, progress: bool) -> None:
        self.out, self.sp, self.as_of = out, sp, as_of
        self.files: dict[str, dict[Path, list]] = {s.id: {} for s in SOURCES}  # path -> [rows, format]
        self.pending: list = []
        self.made: set[Path] = set()  # folders created
        n = _workers()
        self.pool = multiprocessing.get_context("fork").Pool(n) if n else None
        self.bar = None
        if progress:
            from tqdm import tqdm
            self.bar = tqdm(desc="files", unit="file")

    def add(self, source, t: dict, first_mi: int, last_mi: int, title: str | None = None, part: int = 0) -> None:
        """Write a source's rows; `part` > 0: more rows of the exports already written (a copy of
        the case world)."""
        files = self.files[source.id]
        for unit, groups in plan(source, t, first_mi, last_mi):
            style = export_style(unit, source.id)
            if style.format == XLSX:
                jobs = xlsx_jobs(self.out, source, t, unit, groups, self.sp, self.as_of, title, part)
                files.update({path: [n, XLSX] for path, _, n in jobs})
                if self.pool is not None:
                    self.pending.append((len(jobs), self.pool.map_async(write_xlsx_job, jobs, chunksize=16)))
                else:
                    for job in jobs:
                        write_xlsx_job(job)
                    self._tick(len(jobs))
            else:
                written = write_csv_unit(self.out, source, t, unit, groups, self.sp, self.made, files)
                for path, n in written:
                    files.setdefault(path, [0, style.format])[0] += n
                self._tick(len(written))

    def _tick(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def finish(self) -> None:
        try:
            for n, result in self.pending:
                result.get()
                self._tick(n)
        finally:
            self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def abort(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        self.close()


def generate(out: Path, size: str = "full", seed: int = 20231, start: str = "2021-01",
             end: str | None = None, progress: bool = False) -> dict:
    """Write the demo export files into `out` and return a summary.

    start, end: first and last month written (YYYY-MM); `end` defaults to the current month (a later
    one is cut back to it). Data never lies after today (except the 回复期限 deadlines of suggestions).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {sorted(SIZES)}, not {size!r}")
    for name, value in (("start", start), ("end", end)):
        if value is not None and not _MONTH_RE.match(value):
            raise ValueError(f"{name} must be a month YYYY-MM, not {value!r}")
    out = Path(out)
    today = dt.date.today()
    today_mi = (today.year - 1970) * 12 + today.month - 1
    start_mi = month(start)
    end_mi = min(month(end), today_mi) if end else today_mi
    if start_mi > end_mi:
        raise ValueError(f"start {start} is after end {month_label(end_mi)}")
    as_of = min(int(month_last(end_mi)), day_of(today))

    def first_month(source) -> int:
        if source.id == "registry":
            return end_mi  # a snapshot, written in the last month's folder
        return max(start_mi, month(PLATFORM_BY_ID[source.platform].launch))

    _clean(out)
    out.mkdir(parents=True, exist_ok=True)
    sp = Spellings()
    writer = _Writer(out, sp, as_of, progress)
    try:
        # the model family first: its registers are mostly Excel files, written while the rest is made
        mw = models.build(seed, end_mi, as_of)
        clue_path.add_path(seed, mw.clues, mw.suggestions, models.MODEL_BY_ID, as_of)
        clue_path.suggestion_followup(seed, mw.suggestions, as_of)
        evidence = clue_path.model_records(seed, mw.clues)
        sup_cases = clue_path.supervision_cases(seed, mw.clues, models.MODEL_BY_ID,
                                                month(PLATFORM_BY_ID["models"].launch), end_mi, as_of)
        d = to_date(as_of)
        model_tables = {
            "registry": tables.registry(as_of, end_mi),
            "collection": tables.collection(mw),
            "clue": tables.clue(mw),
            "suggestion": tables.suggestion(mw),
            "model_record": tables.by_date(evidence, "record_date"),
            "sup_case": tables.by_date(sup_cases, "opened_date"),
        }
        for sid, t in model_tables.items():
            source = SOURCE_BY_ID[sid]
            title = f"运城市人民检察院{source.name}（截至{d.year}年{d.month}月{d.day}日）" if sid == "registry" else None
            writer.add(source, t, first_month(source), end_mi, title)
        figures = {k: int(v) for k, v in mw.figures.items()}
        del mw, evidence, sup_cases, model_tables
        # the case world and the non-custody platform: one copy at a time (see the docstring)
        p02 = int(month_first(month(PLATFORM_BY_ID["P02"].launch)))
        for copy in range(COPIES[size]):
            cs = seed if copy == 0 else seed * 100 + copy
            world = cases.build(cs, UNIT_CODES, end_mi)
            people = noncustody.enroll(world.nc_people, p02, as_of)
            pros, plea = tables.prosecution(cs, world, as_of)
            case_tables = {
                "arrest": tables.arrest(cs, world, as_of),
                "prosecution": pros,
                "plea": plea,
                "juvenile": tables.juvenile(world, as_of),
                "nc_person": tables.nc_person(noncustody.roster(people, as_of)),
                "nc_event": tables.nc_event(noncustody.events(cs, people, as_of, SIZES[size])),
            }
            del world, people, pros, plea
            for sid in list(case_tables):
                t = case_tables.pop(sid)   # each table freed once written
                if COPIES[size] > 1:
                    t = tables.number_copy(t, copy)
                writer.add(SOURCE_BY_ID[sid], t, first_month(SOURCE_BY_ID[sid]), end_mi, part=copy)
                del t
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    finally:  # even after a failure, so that the next run removes what this one wrote
        written = sorted(path.relative_to(out).as_posix() for files in writer.files.values() for path in files)
        (out / MANIFEST).write_text("".join(f"{p}\n" for p in written), encoding="utf-8")
    by_source = {sid: {"files": len(files), "rows": sum(n for n, _ in files.values())}
                 for sid, files in writer.files.items()}
    by_format: dict[str, int] = {}
    for files in writer.files.values():
        for _, fmt in files.values():
            by_format[fmt] = by_format.get(fmt, 0) + 1
    return {
        "out": str(out),
        "size": size,
        "seed": seed,
        "start": month_label(start_mi),
        "end": month_label(end_mi),
        "as_of": to_date(as_of).isoformat(),
        "files": len(written),
        "rows": sum(v["rows"] for v in by_source.values()),
        "by_source": by_source,
        "by_format": dict(sorted(by_format.items())),
        "article": figures,
    }
