"""docs/data-contracts.md, generated from `cockpit.metrics.contracts` so the two never disagree."""
from __future__ import annotations

from pathlib import Path

from cockpit.metrics.measures import MEASURES
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.contracts import MAX_LENGTH, SOURCES, month_column

TYPE_LABEL = {
    "text": "文本", "unit": "单位编码", "date": "日期", "datetime": "日期时间", "month": "统计月份",
    "int": "非负整数", "enum": "枚举", "flag": "是/否", "float": "小数",
}

INTRO = """# Data contracts (数据接口规范)

Generated from `etl/contracts.py` by `python -m etl contracts`; a test fails when this file and
the code disagree. Do not edit by hand.

Every upstream system sends one export per unit and month (CSV in UTF-8, UTF-8 with BOM or
GB18030, or XLSX/XLS). The loader finds the header row within the first 10 rows (a title
row above it is fine), recognises the export by its headers, maps each Chinese header (or one
of its aliases) to the internal column, and checks every row:

- a required column missing from the file: every row of the file is quarantined, naming the column;
- an extra column: ignored, and named in the ledger note;
- a required cell empty, a value outside the allowed values, an unparseable date, a date after
  today (deadlines excepted), an unknown unit code, a negative or non-integer count, a row with
  fewer or more fields than the header (a file cut off mid-row), a second row with the same
  natural key (in the same load or already loaded): the row is quarantined in `etl_reject`
  with its file, line and reason;
- a file whose content was already loaded (under any name) is recorded as a duplicate and not
  loaded again; a file that cannot be read at all (empty, not CSV/XLSX, unknown encoding,
  no recognisable header) is recorded as failed and `python -m etl run` exits with code 1.

Dates are accepted as `2023-05-06`, `2023/5/6`, `2023年5月6日`, `20230506` or an Excel date
cell, years 1900–2100; date-times with `HH:MM[:SS]`; months as `2023-05`, `2023年5月`, `202305`.
Flags (是/否) also accept Y/N and 1/0, nothing else (not TRUE/FALSE). Full-width and
half-width brackets in headers are the same.

Every cell is at most as long as its column allows (200 characters unless the table says
otherwise) and contains no control characters (NUL and the like): a cell breaking either is
quarantined. A CSV line over 1 MB, or a sheet whose used range exceeds 20 million cells or
1,000 columns, fails the file.

Known limitation: a record is loaded once. A corrected re-export of an already loaded record
(same natural key) is quarantined as a duplicate; corrections go through the data office.
"""


def render() -> str:
    out = [INTRO]
    for s in SOURCES:
        platform = PLATFORM_BY_ID[s.platform]
        out.append(f"\n## `{s.id}` — {s.name}\n")
        out.append(f"- upstream system: {s.system}; platform: {platform.name} (data from {platform.launch})")
        keys = "、".join(s.column(k).header for k in s.key)
        out.append(f"- staging table: `{s.table}`; natural key: {keys}")
        if s.months:
            out.append("- month columns derived: " + ", ".join(f"`{month_column(c)}`" for c in s.months))
        if s.derived:
            out.append("- derived columns: " + ", ".join(f"`{n}`" for n, _ in s.derived))
        if s.checks:
            out.append("- cross-column checks: " + ", ".join(f"`{c}`" for c in s.checks))
        feeds = sorted(m.id for m in MEASURES if m.source == s.id)
        out.append("- feeds measures: " + ", ".join(f"`{m}`" for m in feeds))
        out.append("")
        out.append("| header (表头) | column | type | required | allowed values / notes |")
        out.append("|---|---|---|---|---|")
        for c in s.columns:
            notes = []
            if c.allowed:
                notes.append("、".join(c.allowed))
            if c.aliases:
                notes.append("also: " + "、".join(c.aliases))
            if c.personal:
                notes.append("personal data — masked in the UI")
            if c.future_ok:
                notes.append("may lie in the future")
            if c.max_value is not None:
                notes.append(f"0–{c.max_value}")
            if c.max_length != MAX_LENGTH:
                notes.append(f"at most {c.max_length} characters")
            out.append(f"| {c.header} | `{c.name}` | {TYPE_LABEL[c.type]} | {'是' if c.required else '否'} | "
                       f"{'; '.join(notes)} |")
    return "\n".join(out) + "\n"


def write_contracts_doc(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
