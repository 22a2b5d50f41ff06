"""docs/metrics.md is generated from the catalog; it must not go stale."""
from cockpit.metrics.catalog import METRICS
from cockpit.metrics.docs import DOC, render


def test_docs_metrics_is_generated_from_the_catalog():
    assert DOC.read_text(encoding="utf-8") == render(), \
        "docs/metrics.md is stale: run `python -m cockpit.metrics.docs`"


def test_every_indicator_is_in_the_doc_with_its_kind_and_maturity():
    text = render()
    for m in METRICS:
        line = next(l for l in text.splitlines() if l.startswith("| ") and f"`{m.id}`" in l)
        assert m.kind_label in line and m.definition.replace("|", "｜") in line
        if m.maturity_months:
            assert f"{m.maturity_months} 个月（{m.immature_label}）" in line


def test_the_ledger_indicators_and_the_deadline_rules_are_in_the_doc():
    from cockpit.metrics.deadlines import PACKAGED, load_rules
    from cockpit.metrics.ledger import LEDGER_INDICATORS

    text = render()
    lines = [l for l in text.splitlines() if l.startswith("| ")]
    for i in LEDGER_INDICATORS:
        line = next(l for l in lines if f"`{i.id}`" in l)
        assert i.name in line and i.definition in line
        assert ("存量" if i.kind == "stock" else "工作量指标") in line
    rules = load_rules(PACKAGED)
    for kind in ("clue", "suggestion"):
        section = text.split("`[[" + kind + "]]`", 1)[1].split("\n### ", 1)[0]
        for stage in rules.stages(kind):
            line = next(l for l in section.splitlines() if l.startswith(f"| {stage.label}<br>`{stage.id}`"))
            assert stage.limit_text in line and stage.basis in line
            assert ("（暂定）" in line) == stage.placeholder
    assert "7日（暂定）" in text and "2个月" in text and "不设期限" in text
