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
