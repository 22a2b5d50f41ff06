"""Periods: parsing, round trips, months, 同比/环比, labels, bad input."""
import pytest

from cockpit.metrics.periods import Period, add_months, month_range


# --- helpers ---------------------------------------------------------------------------------

def test_add_months_crosses_years():
    assert add_months("2024-01", -1) == "2023-12"
    assert add_months("2023-12", 1) == "2024-01"
    assert add_months("2024-05", -12) == "2023-05"
    assert add_months("2024-05", 0) == "2024-05"
    assert add_months("2024-05", 20) == "2026-01"


def test_month_range():
    assert month_range("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert month_range("2024-05", "2024-05") == ["2024-05"]
    assert month_range("2024-06", "2024-05") == []


@pytest.mark.parametrize("bad", ["2024-13", "2024-00", "2024-5", "24-05", "2024/05", ""])
def test_helpers_reject_bad_months(bad):
    with pytest.raises(ValueError):
        add_months(bad, 1)


# --- parsing and round trips -----------------------------------------------------------------

@pytest.mark.parametrize("text, kind, end", [
    ("2024-05", "month", "2024-05"),
    ("2024Q2", "quarter", "2024-06"),
    ("2024Q1", "quarter", "2024-03"),
    ("2024Q4", "quarter", "2024-12"),
    ("2024", "year", "2024-12"),
    ("2024-05:ytd", "ytd", "2024-05"),
    ("2024-05:r12", "r12", "2024-05"),
])
def test_parse_and_round_trip(text, kind, end):
    p = Period.parse(text)
    assert (p.kind, p.end) == (kind, end)
    assert str(p) == text
    assert Period.parse(str(p)) == p


@pytest.mark.parametrize("bad", [
    "", "2024-13", "2024-00", "2024-5", "2024Q5", "2024Q0", "2024q2", "2024-Q2", "24",
    "2024-05:qtd", "2024-05:YTD", "2024:ytd", " 2024-05", "2024-05 ", "2024-05-01", "abcd", "20240",
])
def test_parse_rejects_anything_else(bad):
    with pytest.raises(ValueError):
        Period.parse(bad)


def test_parse_rejects_non_strings():
    with pytest.raises(ValueError):
        Period.parse(2024)


def test_constructor_validates():
    with pytest.raises(ValueError):
        Period("week", "2024-05")
    with pytest.raises(ValueError):
        Period("quarter", "2024-05")  # a quarter ends in Mar/Jun/Sep/Dec
    with pytest.raises(ValueError):
        Period("year", "2024-06")
    with pytest.raises(ValueError):
        Period.quarter(2024, 5)


def test_periods_are_frozen_and_hashable():
    p = Period.parse("2024Q2")
    with pytest.raises(AttributeError):
        p.end = "2024-09"
    assert {p, Period.quarter(2024, 2)} == {p}


# --- months ------------------------------------------------------------------------------------

def test_months_of_each_kind():
    assert Period.parse("2024-05").months() == ["2024-05"]
    assert Period.parse("2024Q2").months() == ["2024-04", "2024-05", "2024-06"]
    assert Period.parse("2024").months() == month_range("2024-01", "2024-12")
    assert Period.parse("2024-05:ytd").months() == month_range("2024-01", "2024-05")
    assert Period.parse("2024-01:ytd").months() == ["2024-01"]
    assert Period.parse("2024-05:r12").months() == month_range("2023-06", "2024-05")


def test_start():
    assert Period.parse("2024Q3").start == "2024-07"
    assert Period.parse("2024").start == "2024-01"
    assert Period.parse("2024-05:r12").start == "2023-06"
    assert Period.parse("2024-05:ytd").start == "2024-01"


def test_contains():
    q = Period.parse("2024Q2")
    assert "2024-04" in q and "2024-06" in q
    assert "2024-03" not in q and "2024-07" not in q


# --- 同比 and 环比 -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, year_ago", [
    ("2024-05", "2023-05"),
    ("2024Q2", "2023Q2"),
    ("2024", "2023"),
    ("2024-05:ytd", "2023-05:ytd"),
    ("2024-05:r12", "2023-05:r12"),
])
def test_year_ago(text, year_ago):
    assert str(Period.parse(text).year_ago()) == year_ago


@pytest.mark.parametrize("text, previous", [
    ("2024-05", "2024-04"),
    ("2024-01", "2023-12"),
    ("2024Q1", "2023Q4"),
    ("2024Q3", "2024Q2"),
    ("2024", "2023"),
    ("2024-05:r12", "2024-04:r12"),  # the rolling window one month earlier
])
def test_previous(text, previous):
    assert str(Period.parse(text).previous()) == previous


def test_ytd_has_no_previous():
    assert Period.parse("2024-05:ytd").previous() is None


# --- labels ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, label", [
    ("2024-05", "2024年5月"),
    ("2024-12", "2024年12月"),
    ("2024Q2", "2024年第2季度"),
    ("2024", "2024年"),
    ("2024-05:ytd", "2024年1—5月"),
    ("2024-01:ytd", "2024年1月"),
    ("2024-05:r12", "2023年6月—2024年5月（近12个月）"),
])
def test_labels(text, label):
    assert Period.parse(text).label == label


# --- default and clamp -------------------------------------------------------------------------

def test_default_is_the_latest_month():
    assert Period.default("2024-05") == Period.month("2024-05")
    assert Period.default(None).kind == "month"  # empty store: this month


def test_clamp():
    assert Period.parse("2024-03").clamp("2024-05") == Period.parse("2024-03")
    assert Period.parse("2024-08").clamp("2024-05") == Period.parse("2024-05")
    assert Period.parse("2024Q3").clamp("2024-05") == Period.parse("2024Q2")  # in progress
    assert Period.parse("2025").clamp("2024-05") == Period.parse("2024")
    assert Period.parse("2024-09:ytd").clamp("2024-05") == Period.parse("2024-05:ytd")
    assert Period.parse("2024-09:r12").clamp("2024-05") == Period.parse("2024-05:r12")
    assert Period.parse("2024Q3").clamp(None) == Period.parse("2024Q3")


def test_is_complete():
    assert Period.parse("2024Q1").is_complete("2024-05")
    assert not Period.parse("2024Q2").is_complete("2024-05")
    assert not Period.parse("2024Q1").is_complete(None)


def test_the_data_date_is_the_data_months_last_day_or_today_if_earlier():
    from datetime import date

    from cockpit.metrics.periods import data_date
    assert data_date("2024-02", date(2026, 1, 1)) == date(2024, 2, 29)
    assert data_date("2025-12", date(2026, 1, 1)) == date(2025, 12, 31)
    assert data_date("2026-01", date(2026, 1, 15)) == date(2026, 1, 15)    # the month still runs
    assert data_date(None, date(2026, 1, 15)) == date(2026, 1, 15)
