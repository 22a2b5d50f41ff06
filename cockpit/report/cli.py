"""`python -m cockpit report`: the monthly pack from the command line (wired into
cockpit.auth.cli). Re-running is harmless: the files are replaced atomically."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cockpit.report.errors import ReportError
from cockpit.report.library import reports_dir


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("report", help="生成月度研判会商材料（Word 和 PDF）",
                       description="生成某月的研判会商材料：可编辑的 Word 文档和内容相同的 PDF。"
                                   "同名文件将被替换（先写临时文件再改名，重复运行无害）。")
    p.add_argument("--month", help="月份 YYYY-MM（默认：数据截至月份）")
    p.add_argument("--unit", help="单位编码，如 140802（默认：全市，并附各县区院分页）")
    p.add_argument("--out", help="输出目录（默认：COCKPIT_REPORTS_DIR 或 data/reports）")
    return p


def run(args, engine) -> int:
    """Build the pack; 0 on success, 2 (with a Chinese message on stderr) when it cannot be built."""
    from cockpit.metrics.query import MetricStore
    from cockpit.report.build import build_pack

    def progress(done: int, total: int, what: str) -> None:
        print(f"[{done}/{total}] {what}", file=sys.stderr, flush=True)

    out = Path(args.out) if args.out else reports_dir()
    try:
        store = MetricStore.load(engine)
        paths = build_pack(store, args.month, args.unit, out, engine=engine, progress=progress)
    except ReportError as err:
        print(f"错误：{err}", file=sys.stderr)
        return 2
    print("已生成研判会商材料：")
    for p in paths:
        print(f"  {p}")
    return 0
