"""`python -m etl run`: the load with a progress bar and a summary a data clerk can read."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from cockpit.metrics.engine import make_engine
from etl.run import FAILED, STATUS_LABEL, RunSummary, run


def run_command(landing: Path, database: str | None, quiet: bool = False, verbose: bool = False) -> int:
    if not landing.is_dir():
        print(f"找不到落地目录：{landing}", file=sys.stderr)
        return 2
    engine = make_engine(database)
    log = (lambda msg: print(msg, file=sys.stderr)) if verbose else None
    summary = run(landing, engine, progress=False if quiet else None, log=log)
    print(format_summary(summary))
    engine.dispose()
    return 1 if summary.failed else 0


def format_summary(s: RunSummary) -> str:
    lines = []
    if not s.files:
        lines.append(f"没有新文件（{s.skipped} 个文件此前已导入，内容未变），数据未变化。")
        return "\n".join(lines)
    status = Counter(f.status for f in s.files)
    lines.append(f"本次导入：新文件 {len(s.files)} 个（另有 {s.skipped} 个此前已导入），用时 {s.seconds:.1f} 秒")
    lines.append("  " + "，".join(f"{STATUS_LABEL[k]} {v} 个" for k, v in status.most_common()))
    lines.append(f"  入库 {s.rows_loaded:,} 行，退回 {s.rows_rejected:,} 行（原因见 etl_reject 表）")
    if s.reasons:
        lines.append("  退回原因：")
        for reason, n in sorted(s.reasons.items(), key=lambda kv: -kv[1])[:10]:
            lines.append(f"    {reason}：{n} 行")
    for f in s.files:
        if f.status not in ("loaded",) and f.notes:
            lines.append(f"  [{STATUS_LABEL[f.status]}] {f.file_name}：{'；'.join(f.notes)}")
    if s.run_id is not None:
        lines.append(f"已发布数据快照 #{s.run_id}")
    if any(f.status == FAILED for f in s.files):
        lines.append("有文件无法读取，退出码 1。")
    return "\n".join(lines)
