"""What a number means, declared once beside its 口径 (issue 10): kinds, maturity, minimum
sample, bounded rates, periods that end at the data, per-capita rates. Hand-built facts with
known answers; each test is named after the trap it guards."""
import pandas as pd
import pytest

from cockpit.metrics.catalog import (COMPARABLE_KINDS, METRIC_BY_ID, METRICS, NEUTRAL, PER_CAPITA, Metric)
from cockpit.metrics.query import MetricStore, flag_label
from cockpit.metrics.units import CITY, COUNTY_CODES, UNIT_BY_CODE

YANHU, LINYI, WANRONG, WENXI = "140802", "140821", "140822", "140823"
CITY_OFFICE = "140800"


def store(rows) -> MetricStore:
    return MetricStore.from_frames(pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"]))


def row(df, unit):
    sel = df[df["unit"] == unit]
    assert len(sel) == 1
    return sel.iloc[0]


def arrests(month, unit, not_approved, decided):
    return [(unit, month, "arrest_not_approved", not_approved), (unit, month, "arrest_decided", decided),
            (unit, month, "arrest_concluded", decided)]


def clues(month, unit, found, verified):
    return [(unit, month, "clue_found", found), (unit, month, "clue_verified", verified)]


# --- the declaration itself ----------------------------------------------------------------------

def test_a_count_stock_or_cumulative_cannot_be_declared_better_or_worse():
    with pytest.raises(ValueError, match="neutral"):
        Metric("x", "批准逮捕人数", "…", "arrest_approved", None, unit="人", scale=1.0, direction="lower")


def test_every_metric_declares_a_kind_and_only_rates_are_comparable():
    for m in METRICS:
        assert m.kind and m.group and m.short
        if m.comparable:
            assert m.kind in COMPARABLE_KINDS and m.direction != NEUTRAL
        else:
            assert m.kind not in COMPARABLE_KINDS or m.direction == NEUTRAL
    assert METRIC_BY_ID["nc_under_supervision"].kind == "stock"
    assert METRIC_BY_ID["models"].kind == "cumulative"
    assert METRIC_BY_ID["arrest_approved"].kind == "count" and not METRIC_BY_ID["arrest_approved"].comparable


# --- item 2: no period past the data -------------------------------------------------------------

def _full_core_month(month, unit=YANHU, supervised=50):
    """Every core indicator of one unit booked in a month (so the month counts as 数据截至)."""
    return (arrests(month, unit, 30, 100)
            + [(unit, month, "arrest_approved", 70), (unit, month, "pros_concluded", 200),
               (unit, month, "pros_plea", 180), (unit, month, "pros_rec_judged", 150),
               (unit, month, "pros_rec_adopted", 140), (unit, month, "nc_under_supervision", supervised),
               (unit, month, "nc_checkin_due", 300), (unit, month, "nc_checkin_done", 290),
               (unit, month, "plea_statements", 100), (unit, month, "plea_recorded", 99)])


def test_a_year_view_ends_at_the_data_month_not_in_the_partial_month_after_it():
    rows = _full_core_month("2026-10", supervised=914) + _full_core_month("2026-11", supervised=914)
    rows += [(YANHU, "2026-12", "nc_under_supervision", 910),      # a partial December: one feed only
             (YANHU, "2026-12", "arrest_concluded", 5)]
    s = store(rows)
    assert s.latest_month == "2026-12" and s.data_month == "2026-11"
    assert s.value("nc_under_supervision", CITY, "2026") == 914        # not December's 910
    assert s.value("nc_under_supervision", CITY, "2026Q4") == 914
    r = row(s.query("arrest_concluded", CITY, "2026"), CITY)
    assert r["numerator"] == 200                                          # December's 5 not added


def test_a_period_wholly_after_the_data_month_has_no_data():
    s = store(_full_core_month("2026-10") + _full_core_month("2026-11") + [(YANHU, "2026-12", "arrest_concluded", 5)])
    r = row(s.query("non_arrest_rate", CITY, "2026-12"), CITY)
    assert r["status"] == "no_data" and r["value"] is None
    assert list(s.series("non_arrest_rate", CITY)["month"])[-1] == "2026-11"   # trends stop at 数据截至


def test_a_period_in_the_future_falls_back_to_the_data_month_not_the_partial_month():
    from cockpit.components.params import parse_period
    s = store(_full_core_month("2026-10") + _full_core_month("2026-11") + [(YANHU, "2026-12", "arrest_concluded", 5)])
    period, notes = parse_period("2031-02", s)
    assert str(period) == "2026-11" and "数据截至2026年11月" in notes[0].text
    period, _ = parse_period("2031", s)
    assert str(period) == "2026" and s.value("arrest_concluded", CITY, period) == 200


# --- item 4: immature cohorts --------------------------------------------------------------------

def test_an_immature_cohort_month_is_flagged_and_never_compared():
    months = [f"2024-{m:02d}" for m in range(1, 13)] + [f"2025-{m:02d}" for m in range(1, 13)]
    rows = [r for m in months for r in clues(m, YANHU, 100, 98)]
    rows[-1] = (YANHU, "2025-12", "clue_verified", 51)                  # the last month: still being verified
    s = store(rows)
    assert s.data_month == "2025-12"
    metric = METRIC_BY_ID["clue_verification_rate"]
    assert metric.maturity_months == 3
    r = row(s.query("clue_verification_rate", CITY, "2025-12"), CITY)
    assert r["value"] == pytest.approx(51.0) and r["flag"] == "immature"
    assert flag_label(metric, r["flag"]) == "核查中"
    assert r["yoy_change"] is None and r["pop_change"] is None          # no "同比 ▼47 个百分点"
    ytd = row(s.query("clue_verification_rate", CITY, "2025"), CITY)
    assert ytd["flag"] == "immature" and ytd["yoy_change"] is None
    mature = row(s.query("clue_verification_rate", CITY, "2025-09"), CITY)
    assert mature["flag"] == "" and mature["yoy_change"] == pytest.approx(0.0)
    series = s.series("clue_verification_rate", CITY, "2025-08", "2025-12")
    assert list(series["flag"]) == ["", "", "immature", "immature", "immature"]


def test_an_immature_value_is_not_ranked_nor_in_the_median():
    rows = [r for u, v in ((YANHU, 90), (LINYI, 80), (WANRONG, 70)) for r in clues("2025-06", u, 100, v)]
    rows += [(YANHU, "2025-12", "clue_found", 10)]
    s = store(rows)
    df = s.by_unit("clue_verification_rate", "2025-06")
    assert list(df.loc[df["unit"].isin([YANHU, LINYI, WANRONG]), "rank"]) == [1, 2, 3]
    df = s.by_unit("clue_verification_rate", "2025-11")       # inside the maturity window
    assert df["rank"].isna().all() and df["county_median"].isna().all()


# --- item 5: small samples -----------------------------------------------------------------------

def test_a_small_sample_is_shown_but_not_ranked_or_in_the_median():
    s = store(arrests("2024-05", YANHU, 40, 100) + arrests("2024-05", LINYI, 30, 100)
              + arrests("2024-05", WANRONG, 1, 3))                        # 万荣 1/3 = 33.3 %
    df = s.by_unit("non_arrest_rate", "2024-05")
    wr = row(df, WANRONG)
    assert wr["value"] == pytest.approx(100 / 3) and wr["flag"] == "small"
    assert wr["rank"] is None and row(df, YANHU)["rank"] == 1 and row(df, LINYI)["rank"] == 2
    assert row(df, YANHU)["rank_of"] == 2
    assert row(df, YANHU)["county_median"] == pytest.approx(35.0)       # 万荣 left out
    assert flag_label(METRIC_BY_ID["non_arrest_rate"], "small") == "样本少"


def test_a_change_from_a_small_count_is_absolute_not_minus_100_percent():
    s = store([(YANHU, "2023-05", "sugg_issued", 1), (YANHU, "2024-05", "sugg_issued", 0)])
    r = row(s.query("suggestions", CITY, "2024-05"), CITY)
    assert r["value"] == 0 and r["yoy_change"] == -1 and r["yoy_pct"] is None     # not "▼−100.0 %"
    s = store([(YANHU, "2023-05", "sugg_issued", 40), (YANHU, "2024-05", "sugg_issued", 30)])
    r = row(s.query("suggestions", CITY, "2024-05"), CITY)
    assert r["yoy_pct"] == pytest.approx(-25.0)


def test_an_immature_outcome_count_enters_no_year_on_year_change():
    s = store([(YANHU, "2023-05", "clue_corrected", 12), (YANHU, "2024-05", "clue_corrected", 2)])
    r = row(s.query("corrected_cases", CITY, "2024-05"), CITY)
    assert r["flag"] == "immature" and r["yoy_change"] is None and r["yoy_pct"] is None


# --- item 6: rates above 100 % -------------------------------------------------------------------

def test_a_bounded_rate_whose_numerator_exceeds_its_denominator_is_not_applicable():
    s = store([(CITY_OFFICE, "2024-05", "arrest_approved", 13), (CITY_OFFICE, "2024-05", "pros_concluded", 4),
               (YANHU, "2024-05", "arrest_approved", 30), (YANHU, "2024-05", "pros_concluded", 100)])
    df = s.by_unit("pretrial_detention_rate", "2024-05")
    r = row(df, CITY_OFFICE)
    assert r["status"] == "not_applicable" and r["value"] is None       # never 325 %
    assert row(df, CITY)["value"] == pytest.approx(100 * 43 / 104)        # the city's sums still count them


# --- counts: no rank, no gap to the city total ---------------------------------------------------

def test_a_count_is_never_ranked_and_shows_its_share_of_the_city_not_a_gap():
    s = store([(YANHU, "2024-05", "arrest_approved", 300), (LINYI, "2024-05", "arrest_approved", 100)])
    df = s.by_unit("arrest_approved", "2024-05")
    assert df["rank"].isna().all() and df["gap_to_city"].isna().all() and df["county_median"].isna().all()
    assert row(df, YANHU)["share_of_city"] == pytest.approx(75.0)


# --- per-capita rates ----------------------------------------------------------------------------

def test_a_per_capita_rate_divides_by_the_population_and_not_the_city_office():
    m = METRIC_BY_ID["arrests_per_100k"]
    assert m.kind == PER_CAPITA
    s = store([(YANHU, "2024-05", "arrest_approved", 93), (CITY_OFFICE, "2024-05", "arrest_approved", 7)])
    df = s.by_unit("arrests_per_100k", "2024-05")
    assert row(df, YANHU)["value"] == pytest.approx(93 / (UNIT_BY_CODE[YANHU].population * 10_000) * 100_000)
    assert row(df, CITY_OFFICE)["status"] == "not_applicable"
    total_pop = sum(UNIT_BY_CODE[c].population for c in COUNTY_CODES) * 10_000
    assert row(df, CITY)["value"] == pytest.approx(100 / total_pop * 100_000)
