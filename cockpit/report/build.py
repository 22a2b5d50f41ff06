"""`build_pack`: the monthly pack (研判会商材料) of a month, for the city or one unit, as a Word
document and a PDF of the same content, written atomically into a folder.

Each file is written to a temporary name in the same folder and moved over the final name
(`os.replace`), so a re-run replaces the pack and a crash never leaves half a file."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Callable

from cockpit.metrics import units as U
from cockpit.metrics.periods import month_label, month_ordinal
from cockpit.metrics.query import MetricStore
from cockpit.report import content, docx, pdf
from cockpit.report.charts import cjk_family
from cockpit.report.context import Context
from cockpit.report.errors import ReportError
from cockpit.report.library import pack_name

ProgressFn = Callable[[int, int, str], None]


def check_month(store: MetricStore, month: str | None) -> str:
    """The pack's month: `month` checked against the data, or the data month (the latest month
    every live core indicator has reached). ReportError (Chinese) for a malformed month, a month
    after the data month or before the first month with data."""
    if store.is_empty or store.data_month is None:
        raise ReportError("数据库中还没有任何数据：请先导入数据（python -m etl run --landing 目录）。")
    if month is None:
        return store.data_month
    try:
        o = month_ordinal(str(month))
    except ValueError:
        raise ReportError(f"月份“{month}”格式不对：请写成 YYYY-MM，例如 2024-05。") from None
    if o > month_ordinal(store.data_month):
        raise ReportError(f"{month_label(month)}晚于数据截至月份（{month_label(store.data_month)}）：该月数据尚未齐全，"
                          "不能生成研判会商材料。")
    if o < month_ordinal(store.first_month):
        raise ReportError(f"{month_label(month)}早于最早有数据的月份（{month_label(store.first_month)}），不能生成研判会商材料。")
    return f"{o // 12:04d}-{o % 12 + 1:02d}"


def check_unit(unit: str | None) -> str | None:
    if unit in (None, "", U.CITY):
        return None
    if unit not in U.UNIT_BY_CODE:
        codes = "、".join(f"{u.code}（{u.short}）" for u in U.UNITS)
        raise ReportError(f"没有编码为“{unit}”的检察院。可用的单位编码：{codes}。")
    return unit


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then move it over `path`."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def build_pack(store: MetricStore, month: str | None, unit: str | None, out_dir: Path, *, engine=None,
               progress: ProgressFn | None = None, generated_at: dt.datetime | None = None) -> list[Path]:
    """Build the pack of `month` (default: the data month) for the city (`unit` None) or one unit
    code, into `out_dir` as `研判会商材料-YYYY-MM-<全市|单位>.docx` and `.pdf`; returns
    [docx_path, pdf_path]. `engine`: the store's database, for the alert thresholds, the
    annotations, the clue ledger and the data quality (default: the shared engine).
    `progress(done, total, what)` is called as sections and county pages are built and as each
    file is written. `generated_at` (default now) is the timestamp printed and stored in both
    files: the same data and the same `generated_at` give the same bytes."""
    month = check_month(store, month)
    unit = check_unit(unit)
    cjk_family()                              # fail early, in Chinese, without a CJK font
    if engine is None:
        from cockpit.metrics.engine import read_database_url, shared_engine
        engine = shared_engine(read_database_url())
    generated_at = (generated_at or dt.datetime.now()).replace(microsecond=0)
    ctx = Context(store, engine, month, unit, generated_at)
    total = len(content.sections(ctx)) + len(content.county_codes(ctx)) + 2
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, what)

    doc = content.build_document(ctx, step)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = pack_name(month, unit)
    docx_path, pdf_path = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"
    write_atomic(docx_path, docx.render(doc))
    step("Word 文档")
    write_atomic(pdf_path, pdf.render(doc))
    step("PDF")
    return [docx_path, pdf_path]
