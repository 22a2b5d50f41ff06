"""Command line: `python -m etl demo|run|bench|contracts`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


SIZES = ("small", "full", "x10")   # etl.demo.SIZES (not imported: the command line starts fast)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="运城检察 数据驾驶舱 — ETL")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="write believable demo export files")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", choices=SIZES, default="full",
                   help="small: weekly check-ins; full: ~1.5 M rows; x10: ten times full's people and events")
    p.add_argument("--seed", type=int, default=20231)
    p.add_argument("--start", default="2021-01", help="first month, YYYY-MM")
    p.add_argument("--end", default=None, help="last month, YYYY-MM (default: the present month)")

    p = sub.add_parser("run", help="load new files from a landing folder into the store")
    p.add_argument("--landing", type=Path, required=True)
    p.add_argument("--database", default=None, help="database URL (default: DATABASE_URL or the SQLite file)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--verbose", action="store_true", help="log every file and the time and memory of each phase")

    p = sub.add_parser("bench", help="time full and incremental loads against the pandas read floor")
    p.add_argument("--database", action="append", default=None,
                   help="database URL to benchmark (repeatable; default: a temporary SQLite file)")
    p.add_argument("--size", choices=SIZES, action="append", default=None,
                   help="demo size to load (repeatable: --size full --size x10 compares them; default: full)")
    p.add_argument("--work", type=Path, default=None, help="folder for the demo files (kept between runs)")

    p = sub.add_parser("contracts", help="write docs/data-contracts.md from the contracts in code")
    p.add_argument("--out", type=Path, default=Path("docs/data-contracts.md"))

    args = parser.parse_args(argv)
    if args.command == "demo":
        from etl.demo import generate
        summary = generate(args.out, size=args.size, seed=args.seed, start=args.start, end=args.end,
                           progress=sys.stderr.isatty())
        print(f"已生成 {summary['files']} 个文件，共 {summary['rows']:,} 行 → {args.out}")
        return 0
    if args.command == "run":
        from etl.cli import run_command
        return run_command(args.landing, args.database, quiet=args.quiet, verbose=args.verbose)
    if args.command == "bench":
        from etl.bench import main as bench_main
        return bench_main(args.database, args.size or ["full"], args.work)
    if args.command == "contracts":
        from etl.docs import write_contracts_doc
        write_contracts_doc(args.out)
        print(f"已写入 {args.out}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
