"""The declarations agree with each other: contracts, staging, measures, metrics, docs."""
from __future__ import annotations

import re
from pathlib import Path

from cockpit.metrics.catalog import METRICS
from cockpit.metrics.measures import MEASURE_BY_ID, MEASURES
from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from etl.docs import render
from etl.reader import identify
from cockpit.metrics.schema import staging_columns

ROOT = Path(__file__).resolve().parent.parent


def test_docs_data_contracts_is_generated_from_the_code():
    assert (ROOT / "docs" / "data-contracts.md").read_text(encoding="utf-8") == render(), \
        "docs/data-contracts.md is stale: run `python -m etl contracts`"


def test_every_measure_reads_columns_its_source_has():
    for m in MEASURES:
        columns = {name for name, _ in staging_columns(SOURCE_BY_ID[m.source])}
        assert m.month in columns, m.id
        words = set(re.findall(r"[a-z_]+", f"{m.where} {m.expr}")) - {"and", "or", "is", "not", "null", "in"}
        # a `where` may read earlier records of its own source (a subquery over its own table)
        own = {SOURCE_BY_ID[m.source].table}
        assert words <= columns | own, (m.id, words - columns - own)
        if m.by_model:
            assert "model_id" in columns, m.id


def test_every_metric_is_built_from_declared_measures_and_platforms():
    ids = [m.id for m in METRICS]
    assert len(ids) == len(set(ids))
    for metric in METRICS:
        assert all(x in MEASURE_BY_ID for x in metric.measures), metric.id
        assert metric.platform in PLATFORM_BY_ID, metric.id
        assert metric.definition and metric.name


def test_every_indicator_of_the_brief_is_declared():
    names = {m.name for m in METRICS}
    brief = ["不捕率", "诉前羁押率", "不诉率", "认罪认罚从宽适用率", "确定刑量刑建议提出率", "量刑建议采纳率", "捕后不诉率",
             "捕后判轻刑率", "社会危险性评估覆盖率", "评估与决定一致率", "审查逮捕平均办案天数", "非羁押打卡率",
             "预警及时处置率", "传唤到案率", "脱管率", "同录覆盖率", "远程听取意见占比", "电子捺印回传率", "线索核查率",
             "线索成案率", "检察建议回复率", "检察建议采纳率", "附条件不起诉率"]
    assert set(brief) <= names, set(brief) - names


def test_each_source_is_recognised_by_its_own_headers():
    for source in SOURCES:
        found, _ = identify([c.header for c in source.columns])
        assert found is source, source.id
        required_only = [c.header for c in source.columns if c.required]
        assert identify(required_only)[0] is source, source.id
