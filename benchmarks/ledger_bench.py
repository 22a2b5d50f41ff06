"""Speed of the clue ledger: placing a register of clues on their paths (ledger.clue_path) and
summarising it (backlog, overdue list), the work behind /clues, the model pages and the wall.

    python benchmarks/ledger_bench.py --clues 50000 --runs 5

Target (docs/benchmarks.md): 50,000 clues — ten times a large city's register — placed and
summarised in well under a second.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from test_ledger import synthetic_register  # noqa: E402  (the test's register, one definition)

from cockpit.metrics.deadlines import load_rules  # noqa: E402
from cockpit.metrics.ledger import backlog, clue_path, overdue_list  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clues", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    frame, rules = synthetic_register(args.clues), load_rules()
    clue_path(frame.head(10), date(2026, 1, 1), rules)          # warm up (imports, caches)
    path_s, summary_s = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        p = clue_path(frame, date(2026, 1, 1), rules)
        path_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        backlog(p)
        overdue_list(p)
        summary_s.append(time.perf_counter() - t)
    print(f"{args.clues:,} clues, {args.runs} runs: clue_path median {statistics.median(path_s) * 1000:.0f} ms "
          f"(max {max(path_s) * 1000:.0f}); backlog + overdue list median {statistics.median(summary_s) * 1000:.0f} ms "
          f"(max {max(summary_s) * 1000:.0f})")


if __name__ == "__main__":
    main()
