"""`python -m etl bench`: full load, one-month load and the pandas read floor, timed.

Each measurement runs in a fresh child process (`python -m etl.bench --child …`) so that its
wall time and peak memory (ru_maxrss) are its own, imports included. The one-month load is
the last complete month (the present month is partial), loaded onto all the others.

    python -m etl bench                                    # SQLite in a temp folder
    python -m etl bench --database postgresql://postgres@127.0.0.1/test
    python -m etl bench --size full --size x10 --database sqlite --database postgresql://…
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

TARGETS = {"sqlite": 20.0, "postgresql": 30.0}   # seconds, full demo
MAX_FLOOR_RATIO = 2.0      # a full load within twice the pandas read floor
MAX_MONTH_SECONDS = 2.0    # one complete month loaded onto the rest
MAX_PEAK_MB = 1024         # whatever the size of the landing folder


def _child(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=("floor", "load"))
    p.add_argument("--landing", type=Path, required=True)
    p.add_argument("--database")
    a = p.parse_args(argv)
    import pandas  # noqa: F401  (imports are not part of the timed work)
    from cockpit.metrics.engine import make_engine
    from etl.run import run
    t0 = time.perf_counter()
    rows = 0
    if a.what == "floor":
        rows = _read_only(a.landing)
    else:
        engine = make_engine(a.database)
        summary = run(a.landing, engine, progress=False)
        rows = summary.rows_loaded + summary.rows_rejected
        assert summary.rows_rejected == 0, summary.reasons
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    phases = {} if a.what == "floor" else {k: round(v, 2) for k, v in summary.phases.items()}
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb, "phases": phases}))


def _read_only(landing: Path) -> int:
    """The floor: pandas merely reading every file (no validation, no database)."""
    import pandas as pd
    from etl.run import landing_files
    rows = 0
    for path in landing_files(landing):
        if path.suffix == ".csv":
            try:
                df = pd.read_csv(path, encoding="utf-8-sig")
            except UnicodeDecodeError:
                df = pd.read_csv(path, encoding="gb18030")
        else:
            df = pd.read_excel(path, engine="calamine")
        rows += len(df)
    return rows


def _measure(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "etl.bench", "--child", *args], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _link_tree(src: Path, dst: Path, skip: str | None = None) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if skip and rel.parts[0] == skip:
            continue
        target = dst / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)


def _fresh_database(url: str | None, tmp: Path) -> tuple[str, callable]:
    if not url or url.startswith("sqlite"):
        path = tmp / f"bench-{uuid.uuid4().hex[:6]}.db"
        return f"sqlite:///{path}", lambda: None
    from sqlalchemy import text
    from cockpit.metrics.engine import make_engine
    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"

    def drop():
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return f"{url}{sep}options=-csearch_path%3D{schema}", drop


def _complete_month(demo: Path) -> str:
    """The last month of the demo that is over (the present month is still partial)."""
    import datetime as dt
    months = sorted(p.name for p in demo.iterdir() if p.is_dir())
    current = dt.date.today().strftime("%Y-%m")
    return [m for m in months if m < current][-1]


def _demo(size: str, work: Path | None) -> Path:
    """The demo of this size, generated once (kept in the work folder between runs)."""
    demo = (work / size if work else Path(tempfile.gettempdir()) / f"cockpit-bench-{size}") / "demo"
    if not (demo / ".complete").exists():
        shutil.rmtree(demo, ignore_errors=True)
        t0 = time.perf_counter()
        # In a child process: on Linux a process's peak RSS survives fork and exec, so a parent
        # that had generated the demo itself would lend its peak to every measurement after it.
        subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(demo), "--size", size],
                       check=True, stdout=subprocess.DEVNULL)
        (demo / ".complete").write_text(size)
        print(f"demo ({size}) generated in {time.perf_counter() - t0:.1f} s")
    return demo


def _bench_size(size: str, demo: Path, databases: list[str | None]) -> dict:
    """Floor, full load and one-month load of one demo size on each database: {kind: figures}."""
    month = _complete_month(demo)
    floor = _measure("floor", "--landing", str(demo))
    print(f"{size:5} floor  pandas read only       {floor['seconds']:7.1f} s  {floor['rows']:>11,} rows  "
          f"peak {floor['peak_mb']:5.0f} MB")
    out = {}
    for url in databases:
        kind = "postgresql" if url and url.startswith("postgresql") else "sqlite"
        tmp = Path(tempfile.mkdtemp(prefix="bench-", dir=demo.parent))
        db, drop = _fresh_database(url, tmp)
        try:
            full = _measure("load", "--landing", str(demo), "--database", db)
        finally:
            drop()
        full["ratio"] = full["seconds"] / floor["seconds"]
        print(f"{size:5} {kind:10} full load        {full['seconds']:7.1f} s  {full['rows']:>11,} rows  "
              f"peak {full['peak_mb']:5.0f} MB  = {full['ratio']:.2f}x floor  phases {full['phases']}")
        db, drop = _fresh_database(url, tmp)
        try:
            landing = tmp / "landing"
            _link_tree(demo, landing, skip=month)
            _measure("load", "--landing", str(landing), "--database", db)
            _link_tree(demo, landing)
            inc = _measure("load", "--landing", str(landing), "--database", db)
            print(f"{size:5} {kind:10} one month {month} {inc['seconds']:6.1f} s  {inc['rows']:>11,} rows  "
                  f"peak {inc['peak_mb']:5.0f} MB")
        finally:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)
        out[kind] = {"floor": floor, "full": full, "month": inc}
    return out


def main(databases: list[str] | None, sizes: list[str], work: Path | None) -> int:
    databases = databases or [None]
    results = {size: _bench_size(size, _demo(size, work), databases) for size in dict.fromkeys(sizes)}
    ok = True
    for size, by_kind in results.items():
        for kind, r in by_kind.items():
            met = r["full"]["peak_mb"] <= MAX_PEAK_MB
            # The speed targets are the full demo's: at x10 a month is ten times the rows, and the
            # floor is not comparable (ten times the bytes in a third more files: docs/benchmarks.md).
            if size == "full":
                met &= (r["full"]["ratio"] <= MAX_FLOOR_RATIO and r["month"]["seconds"] <= MAX_MONTH_SECONDS
                        and r["full"]["seconds"] <= TARGETS[kind])
            ok &= met
    base = results.get("full")
    for size, by_kind in results.items():
        if size == "full" or base is None:
            continue
        for kind, r in by_kind.items():
            f = base[kind]["full"]
            rows, secs = r["full"]["rows"] / f["rows"], r["full"]["seconds"] / f["seconds"]
            peak = r["full"]["peak_mb"] / f["peak_mb"]
            print(f"{size}/full {kind:10} rows ×{rows:.2f}  time ×{secs:.2f}  (per row ×{secs / rows:.2f})  "
                  f"peak memory ×{peak:.2f}")
            ok &= abs(peak - 1) <= 0.10 and (kind != "postgresql" or secs <= 1.1 * rows)
    print(f"targets: at full size a full load ≤ {MAX_FLOOR_RATIO:g}x floor (and ≤ 20 s SQLite, ≤ 30 s PostgreSQL), "
          f"one month ≤ {MAX_MONTH_SECONDS:g} s; peak ≤ {MAX_PEAK_MB} MB at any size, x10 peak within ±10 % of full, "
          "x10 time on PostgreSQL ≤ 1.1 × its rows ratio")
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        from etl.__main__ import main as cli
        sys.exit(cli(["bench", *sys.argv[1:]]))
