"""docs/metrics.md, generated from the catalog so the document and the code never disagree.

`python -m cockpit.metrics.docs` rewrites it; tests/test_metrics_doc.py fails when it is stale.
"""
from __future__ import annotations

from pathlib import Path

from cockpit.metrics.catalog import GROUP_LABEL, METRICS, Metric
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.platforms import PLATFORM_BY_ID

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

INTRO = """# Indicators (指标口径)

Generated from `cockpit/metrics/catalog.py` by `python -m cockpit.metrics.docs`; a test fails
when this file and the code disagree. Do not edit by hand.

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


def render() -> str:
    out = [INTRO]
    for group, label in GROUP_LABEL.items():
        out.append(f"\n## {label} (`{group}`)\n")
        out.append("| 指标 | 类型 | 方向 | 单位 | 小数 | 分子 | 分母 | 成熟期 | 最小样本 | 平台（上线） | 口径 | 其他 |")
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
        out.extend(_row(m) for m in METRICS if m.group == group)
    return "\n".join(out) + "\n"


def write(path: Path = DOC) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write())
