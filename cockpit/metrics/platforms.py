"""Where the data comes from, and since when.

A metric belongs to one data platform; months before that platform's launch are
"未上线" (not yet live), never zero. The four comprehensive analysis platforms are the ones
the article counts; the case system and the model family are data sources, not platforms.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    id: str
    name: str
    launch: str              # first month with data, YYYY-MM
    counted: bool            # one of the 4 综合分析平台 the article counts
    validation: tuple[str, str] | None = None  # pilot/validation months, inclusive


PLATFORMS: tuple[Platform, ...] = (
    Platform("case", "检察业务应用系统（案件数据）", "2021-01", False),
    Platform("P01", "社会危险性量化统计分析平台", "2023-01", True, ("2023-01", "2023-04")),
    Platform("P02", "非羁押诉讼数字监督平台", "2023-03", True),
    Platform("P03", "认罪认罚同步录音录像管理平台", "2022-10", True),
    Platform("P04", "运城“指南针”未检云平台", "2023-08", True),
    Platform("models", "数字检察监督模型", "2022-03", False),
)

PLATFORM_BY_ID: dict[str, Platform] = {p.id: p for p in PLATFORMS}
