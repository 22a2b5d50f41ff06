"""The article's figures for 2022-01..2023-12, as the metric layer must report them."""
from __future__ import annotations

from cockpit.metrics.periods import Period
from cockpit.metrics.query import MetricStore
from cockpit.metrics.records import group_counts

REHAB_MODEL = "M01"  # 强制隔离戒毒行政检察监督模型


def two_years(store: MetricStore, metric: str) -> float:
    return store.value(metric, "CITY", "2022") + store.value(metric, "CITY", "2023")


def assessed_cases_in_validation(engine) -> int:
    """Distinct case numbers (部门受案号) behind 已量化评估人数 in the assessment's validation
    period 2023-01..04 (the article's 905 are cases, not persons), through the drill-down layer."""
    period = Period("ytd", "2023-04")
    cases = group_counts(engine, "arrest", ["case_no"], "CITY", period, measure_id="arrest_assessed")
    return len(cases)


def assert_article_figures(store: MetricStore, engine) -> None:
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
    assert assessed_cases_in_validation(engine) == 905
    persons = sum(store.value("arrest_assessed", "CITY", m) for m in ("2023-01", "2023-02", "2023-03", "2023-04"))
    assert persons > 905   # cases of several suspects
