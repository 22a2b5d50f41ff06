"""The article's figures for 2022-01..2023-12, as the metric layer must report them."""
from __future__ import annotations

from cockpit.metrics.query import MetricStore

REHAB_MODEL = "M01"  # 强制隔离戒毒行政检察监督模型


def two_years(store: MetricStore, metric: str) -> float:
    return store.value(metric, "CITY", "2022") + store.value(metric, "CITY", "2023")


def assert_article_figures(store: MetricStore) -> None:
    assert store.value("platforms", "CITY", "2023") == 4
    assert store.value("models", "CITY", "2023") == 20
    assert 1_200_000 <= two_years(store, "records_collected") < 1_300_000
    assert 300 <= two_years(store, "clues") < 350
    rehab = sum(store.by_model("clue_found", year).set_index("model_id")["value"].get(REHAB_MODEL, 0)
                for year in ("2022", "2023"))
    assert rehab == 160
    assert 50 <= two_years(store, "suggestions") < 60
    assert 20 <= two_years(store, "children_back_to_school") < 30
    assert two_years(store, "duty_crime_transfers") == 3
    assert 20 <= two_years(store, "corrected_cases") < 30
    validation = sum(store.value("arrest_assessed", "CITY", m) for m in ("2023-01", "2023-02", "2023-03", "2023-04"))
    assert validation == 905
