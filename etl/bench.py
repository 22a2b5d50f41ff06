"""`python -m etl bench`: full load, one-month load and the pandas read floor, timed.

Each measurement runs in a fresh child process (`python -m etl.bench --child …`) so that its
wall time and peak memory (ru_maxrss) are its own, imports included.

    python -m etl bench                                    # SQLite in a temp folder
    python -m etl bench --database postgresql://postgres@127.0.0.1/test
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

TARGETS = {"sqlite": 20.0, "postgresql": 30.0}


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


def main(databases: list[str] | None, size: str, work: Path | None) -> int:
    from etl.demo import generate
    work = work or Path(tempfile.gettempdir()) / f"cockpit-bench-{size}"
    demo = work / "demo"
    if not (demo / ".complete").exists():
        shutil.rmtree(demo, ignore_errors=True)
        t0 = time.perf_counter()
        summary = generate(demo, size=size)
        (demo / ".complete").write_text(json.dumps(summary, ensure_ascii=False, default=str))
        print(f"demo ({size}): {summary['files']} files, {summary['rows']:,} rows, "
              f"generated in {time.perf_counter() - t0:.1f} s")
    months = sorted(p.name for p in demo.iterdir() if p.is_dir())
    last = months[-1]
    floor = _measure("floor", "--landing", str(demo))
    print(f"floor  pandas read only          {floor['seconds']:6.1f} s  {floor['rows']:>10,} rows  "
          f"peak {floor['peak_mb']:.0f} MB")
    ok = True
    for url in databases or [None]:
        kind = "postgresql" if url and url.startswith("postgresql") else "sqlite"
        tmp = Path(tempfile.mkdtemp(prefix="bench-", dir=work))
        db, drop = _fresh_database(url, tmp)
        try:
            full = _measure("load", "--landing", str(demo), "--database", db)
            ratio = full["seconds"] / floor["seconds"]
            print(f"{kind:10} full load              {full['seconds']:6.1f} s  {full['rows']:>10,} rows  "
                  f"peak {full['peak_mb']:.0f} MB  = {ratio:.2f}x floor  (target ≤ {TARGETS[kind]:.0f} s, ≤ 3x)")
        finally:
            drop()
        db, drop = _fresh_database(url, tmp)
        try:
            landing = tmp / "landing"
            _link_tree(demo, landing, skip=last)
            _measure("load", "--landing", str(landing), "--database", db)
            _link_tree(demo, landing)
            inc = _measure("load", "--landing", str(landing), "--database", db)
            print(f"{kind:10} one month ({last})     {inc['seconds']:6.1f} s  {inc['rows']:>10,} rows  "
                  f"peak {inc['peak_mb']:.0f} MB  (target ≤ 2 s)")
        finally:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)
        ok &= full["seconds"] <= TARGETS[kind] and ratio <= 3 and inc["seconds"] <= 2 and full["peak_mb"] <= 1536
    print("all targets met" if ok else "SOME TARGETS MISSED")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2:])
    else:
        from etl.__main__ import main as cli
        sys.exit(cli(["bench", *sys.argv[1:]]))
