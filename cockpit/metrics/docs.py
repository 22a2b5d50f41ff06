"""docs/metrics.md, generated from the catalog so the document and the code never disagree:
the catalogue's indicators, the clue ledger's indicators (`ledger.LEDGER_INDICATORS`) and the
deadline rules of the clue path and the 检察建议 register (the packaged `deadlines.toml`).

`python -m cockpit.metrics.docs` rewrites it; tests/test_metrics_doc.py fails when it is stale.
"""
from __future__ import annotations

from pathlib import Path

from cockpit.metrics.catalog import GROUP_LABEL, METRICS, Metric
from cockpit.metrics.contracts import SOURCE_BY_ID, month_column
from cockpit.metrics.deadlines import PACKAGED, PREVIOUS, Stage, load_rules
from cockpit.metrics.ledger import LEDGER_INDICATORS, LedgerIndicator
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.platforms import PLATFORM_BY_ID

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

INTRO = """# Indicators (指标口径)

Generated from `cockpit/metrics/catalog.py`, `cockpit/metrics/ledger.py` and
`cockpit/metrics/deadlines.toml` by `python -m cockpit.metrics.docs`; a test fails when this
file and the code disagree. Do not edit by hand.

Every page, export and the wall read these declarations. What the columns mean:

- **kind**: 比率 (a ratio of two counts, Σ分子 ÷ Σ分母 at any grain, never an average of rates);
  每10万常住人口比率 (a count ÷ the 2020 census population); 工作量指标 (a count: sums over months
  and units); 存量 (a stock: a period's value is its last month's, summed over units, never
  over months); 累计数 (everything up to the period's end). Only rates with a direction compare
  offices: counts, stocks and cumulative figures never get a rank, an 优劣 colour or 最好/最差.
- **direction**: 越高越好 / 越低越好 / 政策导向 (higher is the policy aim) / 不评优劣.
- **maturity**: a cohort indicator (booked in the month its cases began) whose last N months up
  to 数据截至 are still being worked: shown marked (核查中 / 办理中) and kept out of 同比/环比,
  ranks, medians and alerts.
- **minimum sample**: for a rate, the smallest denominator that takes part in comparisons
  (below it: 样本少, shown but not ranked or compared); for a count, the smallest base whose
  change is shown in % (below it the change is absolute).
- **launch**: months before the platform's launch are 未上线, never 0.
- A bounded % rate (cannot exceed 100 % in meaning) whose numerator exceeds its denominator in
  a cell is 不适用.
- Ranks are off by default (`COCKPIT_RANKING=on` turns them on; docs/decisions.md).
"""


def _cell(text: str) -> str:
    return str(text).replace("|", "｜").replace("\n", " ")


def _row(m: Metric) -> str:
    num = MEASURE_BY_ID[m.numerator].name
    den = "常住人口" if m.per_capita else (MEASURE_BY_ID[m.denominator].name if m.denominator else "—")
    maturity = f"{m.maturity_months} 个月（{m.immature_label}）" if m.maturity_months else "—"
    sample = str(m.min_sample) if m.min_sample else "—"
    platform = PLATFORM_BY_ID[m.platform]
    extra = []
    if m.bounded:
        extra.append("≤100%")
    if m.core:
        extra.append("核心")
    if m.wall:
        extra.append("大屏：" + "、".join(m.wall))
    return "| " + " | ".join(_cell(x) for x in (
        f"{m.name}<br>`{m.id}`", m.kind_label, m.direction_label, m.unit, str(m.decimals), num, den,
        maturity, sample, f"{platform.name}（{platform.launch}）", m.definition, "；".join(extra) or "—")) + " |"


def _header(source_id: str, column: str) -> str:
    """The export header of a column (or of the date column behind a month column)."""
    for c in SOURCE_BY_ID[source_id].columns:
        if column in (c.name, month_column(c.name)):
            return c.header
    return column


DIRECTION_LABEL = {"neutral": "不评优劣", "higher": "越高越好", "lower": "越低越好"}
LEDGER_INTRO = """
## 线索台账指标 (clue ledger)

Counted from each clue's path (`cockpit/metrics/ledger.py`: `clue_path`, `indicator_values`),
not from the monthly facts: a **stock** (存量) is counted as of the data date (the last day of
数据截至, or today if earlier); a **count** is booked in the month of the date named. They are
counts: never ranked or coloured better-worse.
"""
RULES_INTRO = """
## 办理期限规则 (deadline rules)

From the packaged `cockpit/metrics/deadlines.toml` (an office may point `COCKPIT_DEADLINES` at
its own copy). A stage applies per its conditions; it opens on its start date and is due the
limit after it (a months limit ends on the same day of the month, clipped to the month's end);
a due date is not overdue on the day itself. （暂定） marks a placeholder number, not a
published rule."""


def _ledger_row(i: LedgerIndicator) -> str:
    kind = "存量（截至数据日期）" if i.kind == "stock" else f"工作量指标（计入{_header('clue', i.month)}当月）"
    return "| " + " | ".join(_cell(x) for x in (
        f"{i.name}<br>`{i.id}`", kind, DIRECTION_LABEL.get(i.direction, i.direction), i.unit, i.definition)) + " |"


def _values(source_id: str, column: str, values: tuple) -> str:
    """A condition's values as the export writes them (a flag's 1/0 as 是/否)."""
    flag = any(c.name == column and c.type == "flag" for c in SOURCE_BY_ID[source_id].columns)
    return "/".join({"1": "是", "0": "否"}.get(str(v), str(v)) if flag else str(v) for v in values)


def _conditions(source_id: str, stage: Stage) -> str:
    parts = [f"仅当{_header(source_id, c)}为{_values(source_id, c, v)}" for c, v in stage.only_if]
    parts += [f"{_header(source_id, c)}为{_values(source_id, c, v)}时不适用" for c, v in stage.unless]
    return "；".join(parts) or "均适用"


def _stage_row(source_id: str, stage: Stage) -> str:
    start = "上一已完成环节的日期" if stage.start == PREVIOUS else _header(source_id, stage.start)
    return "| " + " | ".join(_cell(x) for x in (
        f"{stage.label}<br>`{stage.id}`", _header(source_id, stage.date), start, stage.limit_text,
        _conditions(source_id, stage), stage.basis)) + " |"


def render() -> str:
    out = [INTRO]
    for group, label in GROUP_LABEL.items():
        out.append(f"\n## {label} (`{group}`)\n")
        out.append("| 指标 | 类型 | 方向 | 单位 | 小数 | 分子 | 分母 | 成熟期 | 最小样本 | 平台（上线） | 口径 | 其他 |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        out.extend(_row(m) for m in METRICS if m.group == group)
    out.append(LEDGER_INTRO)
    out.append("| 指标 | 类型 | 方向 | 单位 | 口径 |")
    out.append("|---|---|---|---|---|")
    out.extend(_ledger_row(i) for i in LEDGER_INDICATORS)
    out.append(RULES_INTRO)
    rules = load_rules(PACKAGED)
    for kind, title in (("clue", "法律监督线索（`[[clue]]`）"), ("suggestion", "检察建议台账（`[[suggestion]]`）")):
        out.append(f"\n### {title}\n")
        out.append("| 环节 | 完成日期 | 起算日期 | 期限 | 适用 | 依据 |")
        out.append("|---|---|---|---|---|---|")
        out.extend(_stage_row(kind, st) for st in rules.stages(kind))
    return "\n".join(out) + "\n"


def write(path: Path = DOC) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
