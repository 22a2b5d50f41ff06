"""Date parsing: every spelling the exports use, and no impossible day slipping through."""
from __future__ import annotations

import pandas as pd

from etl.validate import month_strings, parse_datetimes


def parsed(*values):
    return [None if pd.isna(v) else str(v) for v in parse_datetimes(pd.Series(pd.array(values, dtype="str")))]


def test_every_spelling_is_read():
    assert parsed("2023-05-06", "2023/5/6", "2023年5月6日", "20230506", "2023.5.6") == ["2023-05-06 00:00:00"] * 5
    assert parsed("2023-05-06 14:03:00", "2023/5/6 14:03") == ["2023-05-06 14:03:00"] * 2


def test_impossible_days_are_refused_not_rolled_over():
    assert parsed("2024-02-30", "2023-02-29", "2023/4/31", "2024-02-29", "2024-03-01") == [
        None, None, None, "2024-02-29 00:00:00", "2024-03-01 00:00:00"]


def test_impossible_days_are_refused_in_every_spelling():
    assert parsed("2023年2月30日", "20230230", "2023/2/30 10:00", " 2023.4.31 ", "2023-06-31 08:00:00") == [None] * 5
    # real first days of a month, in the same spellings, stay
    assert parsed("2023年3月2日", "20230301", "2023/3/3 10:00", " 2023.5.1 ", "2023-07-01 08:00:00") == [
        "2023-03-02 00:00:00", "2023-03-01 00:00:00", "2023-03-03 10:00:00", "2023-05-01 00:00:00",
        "2023-07-01 08:00:00"]


def test_empty_and_garbage_are_missing():
    assert parsed("", "三月一日", "2023-13-01") == [None, None, None]


def test_month_strings():
    values = parse_datetimes(pd.Series(pd.array(["2023-05-06", "", "2024/12/31 23:59"], dtype="str")))
    assert [None if pd.isna(v) else v for v in month_strings(values)] == ["2023-05", None, "2024-12"]
