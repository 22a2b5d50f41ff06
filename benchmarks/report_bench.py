"""Speed of the monthly pack (研判会商材料): the city pack with all county pages, as
`python -m cockpit report` builds it, timed phase by phase.

    python -m etl demo --out /tmp/benchwork/demo --size full
    DATABASE_URL=sqlite:////tmp/benchwork/full.db python -m etl run --landing /tmp/benchwork/demo
    python benchmarks/report_bench.py --database sqlite:////tmp/benchwork/full.db --runs 3

Target (docs/benchmarks.md): ≤ 30 s for the city pack with all county pages (the store's load
is timed apart: the app and the CLI read it once). Prints the seconds (wall clock, and the CPU
seconds of this process: the machine may be shared) of each section and county page, the two
renderers and the total, and the files' sizes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from cockpit.metrics.engine import make_engine
from cockpit.metrics.query import MetricStore
from cockpit.report import build_pack


def one_run(store, engine, month, unit, out: Path):
    """(wall seconds, CPU seconds of this process, [(phase, wall, cpu)], paths)."""
    phases: list[tuple[str, float, float]] = []
    last = [time.perf_counter(), time.process_time()]

    def progress(done: int, total: int, what: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        phases.append((what, now - last[0], cpu - last[1]))
        last[:] = [now, cpu]

    t, c = time.perf_counter(), time.process_time()
    paths = build_pack(store, month, unit, out, engine=engine, progress=progress,
                       generated_at=dt.datetime(2026, 1, 3, 2, 5))
    return time.perf_counter() - t, time.process_time() - c, phases, paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default=os.environ.get("DATABASE_URL"), help="the store (default DATABASE_URL)")
    ap.add_argument("--month", help="YYYY-MM (default: the data month)")
    ap.add_argument("--unit", help="a unit code (default: the city pack with all county pages)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    engine = make_engine(args.database)
    t = time.perf_counter()
    store = MetricStore.load(engine)
    print(f"store: {store!r}, data month {store.data_month}; loaded in {time.perf_counter() - t:.1f} s")
    totals = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            total, cpu, phases, paths = one_run(store, engine, args.month, args.unit, Path(tmp))
            totals.append(total)
            print(f"run {run + 1}: {total:.1f} s (CPU {cpu:.1f} s; load average {os.getloadavg()[0]:.1f})")
            if run == 0:
                for what, secs, cpu_secs in phases:
                    print(f"  {what:<12} {secs:6.2f} s  (CPU {cpu_secs:5.2f} s)")
                for p in paths:
                    print(f"  {p.name}: {p.stat().st_size / 1e6:.1f} MB")
    print(f"total over {args.runs} runs: median {statistics.median(totals):.1f} s, max {max(totals):.1f} s "
          f"(target ≤ 30 s)")
    engine.dispose()


if __name__ == "__main__":
    main()
