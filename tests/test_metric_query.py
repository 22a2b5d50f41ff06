"""The metric query layer on small hand-built facts with known answers, and loading from SQLite."""
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.query import BY_UNIT_COLUMNS, QUERY_COLUMNS, MetricStore
from cockpit.metrics.units import CITY, COUNTIES, COUNTY_CODES, UNIT_CODES

YANHU, LINYI, WANRONG, WENXI = "140802", "140821", "140822", "140823"
CITY_OFFICE = "140800"


def store(rows, model_rows=None, **kw) -> MetricStore:
    facts = pd.DataFrame(rows, columns=["unit_code", "month", "measure_id", "value"])
    models = None if model_rows is None else pd.DataFrame(
        model_rows, columns=["model_id", "unit_code", "month", "measure_id", "value"])
    return MetricStore.from_frames(facts, models, **kw)


def row(df, unit, metric_id=None):
    sel = df[df["unit"] == unit]
    if metric_id is not None:
        sel = sel[sel["metric_id"] == metric_id]
    assert len(sel) == 1
    return sel.iloc[0]


# --- ratios: Σnumerator ÷ Σdenominator, never an average of rates ------------------------------

def arrests(month, unit, not_approved, decided):
    """Arrest-review facts: 不批准逮捕 and 批准+不批准 (every concluded person was decided)."""
    return [(unit, month, "arrest_not_approved", not_approved), (unit, month, "arrest_decided", decided),
            (unit, month, "arrest_concluded", decided)]


def test_city_ratio_is_ratio_of_sums_not_mean_of_rates():
    s = store(arrests("2024-05", YANHU, 10, 100) + arrests("2024-05", LINYI, 9, 10))
    df = s.query(["non_arrest_rate"], [CITY, COUNTIES, YANHU, LINYI], "2024-05")
    assert list(df.columns) == list(QUERY_COLUMNS)
    city = row(df, CITY)
    assert city["numerator"] == 19 and city["denominator"] == 110
    assert city["value"] == pytest.approx(100 * 19 / 110)       # 17.27 %
    assert city["value"] != pytest.approx((10.0 + 90.0) / 2)    # not the mean of the rates (50 %)
    assert city["unit_label"] == "全市" and city["status"] == "ok"
    assert row(df, COUNTIES)["value"] == pytest.approx(100 * 19 / 110)
    assert row(df, YANHU)["value"] == pytest.approx(10.0)
    assert row(df, LINYI)["value"] == pytest.approx(90.0)


def test_quarter_ratio_sums_months_then_divides():
    rows = arrests("2024-04", YANHU, 1, 10) + arrests("2024-05", YANHU, 30, 40) + arrests("2024-06", YANHU, 0, 50)
    s = store(rows)
    r = row(s.query(["non_arrest_rate"], [YANHU], "2024Q2"), YANHU)
    assert (r["numerator"], r["denominator"]) == (31, 100)
    assert r["value"] == pytest.approx(31.0)   # the mean of the monthly rates would be 28.3


def test_city_office_alone_is_not_the_city():
    s = store(arrests("2024-05", CITY_OFFICE, 2, 8) + arrests("2024-05", YANHU, 10, 100))
    df = s.query(["non_arrest_rate"], [CITY_OFFICE, CITY, COUNTIES], "2024-05")
    assert row(df, CITY_OFFICE)["value"] == pytest.approx(25.0)
    assert row(df, CITY_OFFICE)["unit_label"] == "市院本级"
    assert row(df, CITY)["value"] == pytest.approx(100 * 12 / 108)
    assert row(df, COUNTIES)["value"] == pytest.approx(10.0)


def test_scale_of_a_count():
    s = store([(YANHU, "2024-05", "nc_bail_amount", 250000), (LINYI, "2024-05", "nc_bail_amount", 50000)])
    assert METRIC_BY_ID["nc_bail_amount"].scale == pytest.approx(1 / 10000)
    r = row(s.query("nc_bail_amount", CITY, "2024-05"), CITY)
    assert r["value"] == pytest.approx(30.0)   # 万元
    assert r["numerator"] == 300000


# --- stocks: never summed over time ------------------------------------------------------------

def supervision():
    rows = []
    for month, a, b, absconded in [("2024-04", 30, 5, 1), ("2024-05", 40, 6, 2), ("2024-06", 50, 7, 3)]:
        rows += [(YANHU, month, "nc_under_supervision", a), (LINYI, month, "nc_under_supervision", b),
                 (YANHU, month, "nc_absconded", absconded)]
    return rows


def test_stock_over_a_quarter_is_its_last_month():
    s = store(supervision())
    df = s.query(["nc_under_supervision"], [CITY, YANHU], "2024Q2")
    assert row(df, CITY)["value"] == 57        # June: 50 + 7, not 30+40+50+5+6+7
    assert row(df, YANHU)["value"] == 50
    assert s.value("nc_under_supervision", CITY, "2024") == 57
    assert s.value("nc_under_supervision", CITY, "2024-05") == 46


def test_flow_over_stock_ratio_follows_each_side():
    """脱管率: absconded (a flow, summed) ÷ under supervision (a stock, last month)."""
    s = store(supervision())
    r = row(s.query("abscond_rate", CITY, "2024Q2"), CITY)
    assert (r["numerator"], r["denominator"]) == (6, 57)
    assert r["value"] == pytest.approx(100 * 6 / 57)


def test_stock_of_a_quarter_in_progress_is_the_latest_month():
    s = store(supervision()[:6])   # April and May only
    assert s.latest_month == "2024-05"
    assert s.value("nc_under_supervision", CITY, "2024Q2") == 46


# --- cumulative counts ------------------------------------------------------------------------

def test_cumulative_count_adds_everything_up_to_the_end():
    rows = [(CITY_OFFICE, "2022-01", "models_launched", 2),   # before the models platform's launch
            (CITY_OFFICE, "2022-06", "models_launched", 3),
            (YANHU, "2023-02", "models_launched", 5),
            (YANHU, "2024-05", "clue_found", 1)]              # the store's data reaches 2024-05
    s = store(rows)
    assert s.value("models", CITY, "2021-12") is None                 # before launch: 未上线
    assert row(s.query("models", CITY, "2021-12"), CITY)["status"] == "not_live"
    assert s.value("models", CITY, "2022-05") == 2
    assert s.value("models", CITY, "2023Q1") == 10
    assert s.value("models", CITY, "2024-05") == 10                  # no new model: still 10
    assert s.value("models", CITY, "2022") == 5
    r = row(s.query("models", CITY, "2023Q1"), CITY)
    # a count's change from a base below its min_sample (10) is absolute, never "+400 %"
    assert r["yoy_value"] == 2 and r["yoy_change"] == 8 and r["yoy_pct"] is None
    big = store([(CITY_OFFICE, "2022-01", "models_launched", 20), (YANHU, "2023-02", "models_launched", 5),
                 (YANHU, "2024-05", "clue_found", 1)])
    r = row(big.query("models", CITY, "2023Q1"), CITY)
    assert r["yoy_value"] == 20 and r["yoy_change"] == 5 and r["yoy_pct"] == pytest.approx(25.0)
    assert row(s.query("models", CITY, "2024-08"), CITY)["status"] == "no_data"  # after the data


# --- launch: 未上线, never 0 -------------------------------------------------------------------

def checkins(month, unit, done, due):
    return [(unit, month, "nc_checkin_done", done), (unit, month, "nc_checkin_due", due)]


def test_not_live_before_launch_whatever_the_facts_say():
    assert METRIC_BY_ID["checkin_rate"].launch == "2023-03"
    s = store(checkins("2023-02", YANHU, 5, 10) + checkins("2023-03", YANHU, 9, 10))
    r = row(s.query("checkin_rate", [YANHU], "2023-02"), YANHU)
    assert r["status"] == "not_live"
    assert r["value"] is None and r["numerator"] is None and r["denominator"] is None


def test_months_before_launch_are_left_out_of_a_period():
    s = store(checkins("2023-01", YANHU, 0, 10) + checkins("2023-02", YANHU, 5, 10) + checkins("2023-03", YANHU, 9, 10))
    r = row(s.query("checkin_rate", [YANHU], "2023Q1"), YANHU)
    assert r["status"] == "ok"
    assert (r["numerator"], r["denominator"]) == (9, 10)
    assert r["value"] == pytest.approx(90.0)
    assert r["yoy_value"] is None and r["pop_value"] is None   # 2022Q1, 2022Q4: wholly before launch


def test_series_marks_months_before_launch():
    s = store(checkins("2023-01", YANHU, 0, 10) + checkins("2023-03", YANHU, 9, 10) + checkins("2023-04", YANHU, 8, 10))
    ser = s.series("checkin_rate", CITY, "2023-01", "2023-05")
    assert list(ser["month"]) == ["2023-01", "2023-02", "2023-03", "2023-04", "2023-05"]
    assert list(ser["status"]) == ["not_live", "not_live", "ok", "ok", "no_data"]
    assert ser["value"].iloc[0] is None
    assert ser["value"].iloc[2] == pytest.approx(90.0)
    assert ser["value"].iloc[3] == pytest.approx(80.0)


# --- no data ------------------------------------------------------------------------------------

def test_no_data_when_the_denominator_is_zero():
    s = store(arrests("2024-05", YANHU, 0, 0) + arrests("2024-05", LINYI, 3, 10))
    df = s.query("non_arrest_rate", [YANHU, LINYI, WANRONG, CITY], "2024-05")
    assert row(df, YANHU)["status"] == "no_data" and row(df, YANHU)["value"] is None
    assert row(df, WANRONG)["status"] == "no_data"          # no rows: 0 ÷ 0
    assert row(df, WANRONG)["denominator"] == 0
    assert row(df, CITY)["value"] == pytest.approx(30.0)


def test_missing_row_inside_the_data_is_zero_but_outside_is_no_data():
    s = store([(YANHU, "2024-04", "pros_concluded", 7), (YANHU, "2024-06", "pros_concluded", 9)])
    assert s.value("pros_concluded", LINYI, "2024-05") == 0     # live, covered month: 0
    assert s.value("pros_concluded", YANHU, "2024-05") == 0
    r = row(s.query("pros_concluded", CITY, "2024-08"), CITY)   # after the data
    assert r["status"] == "no_data" and r["value"] is None
    r = row(s.query("plea_statements", CITY, "2024-05"), CITY)  # a feed never loaded
    assert r["status"] == "no_data" and r["value"] is None


def test_ratio_whose_numerator_feed_is_missing_is_no_data():
    """诉前羁押率: arrests (numerator) and prosecutions (denominator) are two feeds."""
    s = store([(YANHU, "2024-05", "pros_concluded", 10)])
    r = row(s.query("pretrial_detention_rate", CITY, "2024-05"), CITY)
    assert r["status"] == "no_data" and r["value"] is None
    assert r["denominator"] == 10 and r["numerator"] is None


# --- 同比 / 环比 ---------------------------------------------------------------------------------

def test_yoy_and_pop_of_a_count():
    s = store([(YANHU, "2023-05", "pros_concluded", 100), (YANHU, "2024-04", "pros_concluded", 150),
               (YANHU, "2024-05", "pros_concluded", 120)])
    r = row(s.query("pros_concluded", CITY, "2024-05"), CITY)
    assert r["value"] == 120
    assert (r["yoy_value"], r["yoy_change"], r["yoy_pct"]) == (100, 20, pytest.approx(20.0))
    assert (r["pop_value"], r["pop_change"], r["pop_pct"]) == (150, -30, pytest.approx(-20.0))


def test_yoy_of_a_rate_is_in_percentage_points():
    s = store(arrests("2023-05", YANHU, 20, 100) + arrests("2024-05", YANHU, 30, 100) + arrests("2024-04", YANHU, 0, 0))
    r = row(s.query("non_arrest_rate", CITY, "2024-05"), CITY)
    assert r["value"] == pytest.approx(30.0) and r["yoy_value"] == pytest.approx(20.0)
    assert r["yoy_change"] == pytest.approx(10.0)      # +10 percentage points
    assert r["yoy_pct"] == pytest.approx(50.0)         # +50 % relative
    assert r["pop_value"] is None and r["pop_change"] is None and r["pop_pct"] is None  # April: 0 ÷ 0


def test_relative_change_from_zero_is_none():
    s = store([(YANHU, "2023-05", "pros_concluded", 0), (YANHU, "2024-05", "pros_concluded", 4)])
    r = row(s.query("pros_concluded", CITY, "2024-05"), CITY)
    assert r["yoy_value"] == 0 and r["yoy_change"] == 4 and r["yoy_pct"] is None


def test_a_period_in_progress_is_compared_like_for_like():
    """2024Q2 with data up to May: Apr–May 2024 vs Apr–May 2023 (同比) and Jan–Feb 2024 (环比)."""
    months = ["2023-04", "2023-05", "2023-06", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
    rows = [(YANHU, m, "pros_concluded", v) for m, v in zip(months, [1, 2, 40, 3, 4, 50, 5, 6])]
    rows += [(YANHU, m, "nc_under_supervision", v) for m, v in zip(months, [10, 20, 30, 40, 50, 60, 70, 80])]
    s = store(rows)
    r = row(s.query("pros_concluded", CITY, "2024Q2"), CITY)
    assert (r["value"], r["yoy_value"], r["pop_value"]) == (11, 3, 7)
    r = row(s.query("nc_under_supervision", CITY, "2024Q2"), CITY)
    assert (r["value"], r["yoy_value"], r["pop_value"]) == (80, 20, 50)
    r = row(s.query("pros_concluded", CITY, "2023Q2"), CITY)     # complete: whole quarters
    assert r["value"] == 43


def test_ytd_has_yoy_but_no_pop():
    s = store([(YANHU, m, "pros_concluded", 10) for m in ["2023-01", "2023-02", "2023-03", "2024-01", "2024-02"]])
    r = row(s.query("pros_concluded", CITY, "2024-02:ytd"), CITY)
    assert r["value"] == 20 and r["yoy_value"] == 20 and r["yoy_change"] == 0
    assert r["pop_value"] is None


# --- by_unit: ranks and gaps ---------------------------------------------------------------------

def detention(unit, approved, concluded, month="2024-05"):
    return [(unit, month, "arrest_approved", approved), (unit, month, "pros_concluded", concluded)]


def test_rank_of_a_lower_is_better_metric():
    assert not METRIC_BY_ID["pretrial_detention_rate"].better_when_higher
    rows = (detention(YANHU, 30, 100) + detention(LINYI, 20, 100) + detention(WANRONG, 20, 100)
            + detention(WENXI, 50, 100) + detention(CITY_OFFICE, 1, 100))
    s = store(rows)
    df = s.by_unit("pretrial_detention_rate", "2024-05")
    assert list(df.columns) == list(BY_UNIT_COLUMNS)
    assert list(df["unit"]) == list(UNIT_CODES) + [CITY, COUNTIES]
    assert row(df, LINYI)["rank"] == 1 and row(df, WANRONG)["rank"] == 1   # 20 %: tie, best (lowest)
    assert row(df, YANHU)["rank"] == 3                                      # 30 %
    assert row(df, WENXI)["rank"] == 4                                      # 50 %: worst
    assert row(df, CITY_OFFICE)["rank"] is None                             # not a county
    assert row(df, CITY)["rank"] is None
    others = df[df["unit"].isin(set(COUNTY_CODES) - {YANHU, LINYI, WANRONG, WENXI})]
    assert (others["status"] == "no_data").all() and others["rank"].isna().all()
    assert row(df, YANHU)["rank_of"] == 4
    assert row(df, YANHU)["county_median"] == pytest.approx(25.0)
    city = 100 * 121 / 500
    assert row(df, CITY)["value"] == pytest.approx(city)
    assert row(df, YANHU)["city_value"] == pytest.approx(city)
    assert row(df, YANHU)["gap_to_city"] == pytest.approx(30.0 - city)
    assert row(df, CITY)["tier"] == "group" and row(df, CITY_OFFICE)["tier"] == "city"
    assert row(df, YANHU)["tier"] == "county"


def test_rank_of_a_higher_is_better_metric():
    s = store(arrests("2024-05", YANHU, 10, 100) + arrests("2024-05", LINYI, 40, 100) + arrests("2024-05", WANRONG, 25, 100))
    df = s.by_unit("non_arrest_rate", "2024-05")
    assert [row(df, u)["rank"] for u in (LINYI, WANRONG, YANHU)] == [1, 2, 3]


def test_values_equal_at_the_displayed_precision_share_a_rank():
    assert METRIC_BY_ID["non_arrest_rate"].decimals == 1
    s = store(arrests("2024-05", YANHU, 10, 30) + arrests("2024-05", LINYI, 333, 1000)   # 33.33 and 33.3
              + arrests("2024-05", WANRONG, 20, 100))
    df = s.by_unit("non_arrest_rate", "2024-05")
    assert [row(df, u)["rank"] for u in (YANHU, LINYI, WANRONG)] == [1, 1, 3]


# --- by_model ------------------------------------------------------------------------------------

def test_by_model_totals():
    model_rows = [("M01", YANHU, "2023-05", "clue_found", 4), ("M01", LINYI, "2023-06", "clue_found", 3),
                  ("M02", CITY_OFFICE, "2023-05", "clue_found", 10), ("M03", YANHU, "2022-01", "clue_found", 8)]
    s = store([(YANHU, "2023-05", "clue_found", 4)], model_rows)
    df = s.by_model("clue_found", "2023Q2")
    assert list(df["model_id"]) == ["M02", "M01", "M03"]
    assert list(df["value"]) == [10, 7, 0]
    assert df["share"].iloc[0] == pytest.approx(100 * 10 / 17)
    assert s.by_model("clue_found", "2023Q2", units=YANHU)["value"].tolist() == [4, 0, 0]
    assert set(s.by_model("clue_found", "2022-01")["status"]) == {"not_live"}   # before 2022-03


# --- output conventions ----------------------------------------------------------------------

def test_missing_values_are_none_not_nan():
    s = store(arrests("2024-05", YANHU, 0, 0))
    r = s.query("non_arrest_rate", [YANHU], "2024-05").iloc[0]
    for col in ("value", "yoy_value", "yoy_change", "yoy_pct", "pop_value", "pop_change", "pop_pct"):
        assert r[col] is None, col


def test_one_row_per_metric_and_unit_in_order():
    s = store(arrests("2024-05", YANHU, 1, 2))
    df = s.query(["non_arrest_rate", "arrest_concluded"], [CITY, YANHU, COUNTIES], "2024-05")
    assert list(zip(df["metric_id"], df["unit"])) == [
        ("non_arrest_rate", CITY), ("non_arrest_rate", YANHU), ("non_arrest_rate", COUNTIES),
        ("arrest_concluded", CITY), ("arrest_concluded", YANHU), ("arrest_concluded", COUNTIES)]
    assert set(df["period"]) == {"2024-05"}


def test_unknown_metric_or_unit_raises():
    s = store(arrests("2024-05", YANHU, 1, 2))
    with pytest.raises(KeyError):
        s.query("no_such_metric", CITY, "2024-05")
    with pytest.raises(KeyError):
        s.query("non_arrest_rate", "999999", "2024-05")
    with pytest.raises(ValueError):
        s.query("non_arrest_rate", CITY, "2024-5")


def test_latest_month_and_default_period():
    s = store(arrests("2024-03", YANHU, 1, 2) + arrests("2024-05", LINYI, 1, 2))
    assert s.latest_month == "2024-05" and s.first_month == "2024-03"
    assert str(s.default_period()) == "2024-05"
    assert s.query("non_arrest_rate").iloc[0]["period"] == "2024-05"   # default: CITY, latest month


def test_deadlines_booked_ahead_do_not_move_the_latest_month():
    rows = arrests("2024-05", YANHU, 1, 2) + [(YANHU, "2024-07", "sugg_due", 3)]
    assert store(rows).latest_month == "2024-07"
    assert store(rows, published_at=datetime(2024, 6, 3, 2, 0)).latest_month == "2024-05"


def test_duplicate_fact_rows_add_up():
    s = store([(YANHU, "2024-05", "pros_concluded", 3), (YANHU, "2024-05", "pros_concluded", 4)])
    assert s.value("pros_concluded", YANHU, "2024-05") == 7


# --- loading from the database -------------------------------------------------------------------

DDL = [
    "CREATE TABLE fact_measure (unit_code TEXT, month TEXT, measure_id TEXT, value FLOAT)",
    "CREATE TABLE fact_model_measure (model_id TEXT, unit_code TEXT, month TEXT, measure_id TEXT, value FLOAT)",
    "CREATE TABLE etl_run (run_id INTEGER, started_at TIMESTAMP, finished_at TIMESTAMP, "
    "files_new INTEGER, rows_loaded INTEGER, rows_rejected INTEGER)",
]


def test_load_from_the_database(engine):
    """`engine` (tests/conftest.py): a fresh SQLite file in a tmp dir, and a fresh PostgreSQL
    schema when the server is reachable."""
    facts = (arrests("2024-04", YANHU, 5, 50) + arrests("2024-05", YANHU, 10, 100)
             + arrests("2024-05", LINYI, 9, 10) + supervision())
    with engine.begin() as conn:
        for ddl in DDL:
            conn.execute(text(ddl))
        conn.execute(text("INSERT INTO fact_measure VALUES (:u, :m, :k, :v)"),
                     [dict(u=u, m=m, k=k, v=v) for u, m, k, v in facts])
        conn.execute(text("INSERT INTO fact_model_measure VALUES ('M01', :u, '2024-05', 'clue_found', 6)"),
                     [dict(u=YANHU)])
        conn.execute(text("INSERT INTO etl_run VALUES (1, '2024-06-01 01:00:00', '2024-06-01 01:05:00', 3, 10, 0), "
                          "(2, '2024-07-01 01:00:00', '2024-07-01 01:04:30', 1, 10, 2)"))
    s = MetricStore.load(engine)
    assert not s.is_empty
    assert s.snapshot == 2 == MetricStore.current_snapshot(engine)
    assert s.published_at == datetime(2024, 7, 1, 1, 4, 30)
    assert s.latest_month == "2024-06"
    r = row(s.query("non_arrest_rate", CITY, "2024-05"), CITY)
    assert r["value"] == pytest.approx(100 * 19 / 110)
    assert r["pop_value"] == pytest.approx(10.0)
    assert s.value("nc_under_supervision", CITY, "2024Q2") == 57
    assert s.by_model("clue_found", "2024-05")["value"].tolist() == [6]
    expected = store(facts).query(["non_arrest_rate", "abscond_rate"], [CITY, YANHU], "2024Q2")
    pd.testing.assert_frame_equal(s.query(["non_arrest_rate", "abscond_rate"], [CITY, YANHU], "2024Q2"), expected)


def test_load_from_an_empty_database(engine):
    s = MetricStore.load(engine)   # no tables at all: a fresh install
    assert MetricStore.current_snapshot(engine) == 0
    assert s.is_empty and s.snapshot == 0 and s.published_at is None and s.latest_month is None
    df = s.query(["non_arrest_rate", "checkin_rate"], [CITY, YANHU], "2024-05")
    assert len(df) == 4 and set(df["status"]) == {"no_data"} and df["value"].isna().all()
    assert s.query("checkin_rate", CITY, "2022-05").iloc[0]["status"] == "not_live"
    assert len(s.by_unit("non_arrest_rate", "2024-05")) == 16
    assert len(s.series("non_arrest_rate", CITY)) == 0
    assert len(s.by_model("clue_found", "2024-05")) == 0


def test_load_with_empty_tables(engine):
    with engine.begin() as conn:
        for ddl in DDL:
            conn.execute(text(ddl))
    s = MetricStore.load(engine)
    assert s.is_empty and s.snapshot == 0 and s.latest_month is None
    assert s.query("non_arrest_rate", CITY, "2024-05").iloc[0]["status"] == "no_data"


def test_load_from_a_plain_sqlite_file(tmp_path):
    """The project's engine is not required: any SQLAlchemy engine on the store will do."""
    from sqlalchemy import create_engine
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with engine.begin() as conn:
        conn.execute(text(DDL[0]))
        conn.execute(text("INSERT INTO fact_measure VALUES ('140802', '2024-05', 'pros_concluded', 12)"))
    s = MetricStore.load(engine)
    assert s.snapshot == 0 and s.published_at is None
    assert s.value("pros_concluded", CITY, "2024-05") == 12
    engine.dispose()


def test_data_month_is_the_last_month_every_core_indicator_reaches(demo_db_url):
    """The small demo's cases end 2024-06, but 检察建议 deadlines are booked two months ahead:
    `latest_month` says 2024-08, the data (and every default period) ends 2024-06."""
    from cockpit.metrics.engine import make_engine
    from cockpit.metrics.catalog import CORE_METRICS
    engine = make_engine(demo_db_url)
    try:
        s = MetricStore.load(engine)
    finally:
        engine.dispose()
    assert s.latest_month > "2024-06"
    assert s.data_month == "2024-06"
    assert s.default_period().end == "2024-06"
    at = s.query(list(CORE_METRICS), [CITY], "2024-06")
    assert (at["status"].isin(["ok", "not_live"])).all()
    after = s.query(list(CORE_METRICS), [CITY], s.latest_month)
    assert (after["status"] == "no_data").any()


def test_measure_total_sums_flows_takes_a_stocks_last_month_and_starts_at_launch():
    rows = arrests("2024-04", YANHU, 1, 10) + arrests("2024-05", LINYI, 2, 20) + [
        (YANHU, "2024-04", "nc_under_supervision", 30), (YANHU, "2024-05", "nc_under_supervision", 35),
        (YANHU, "2023-01", "nc_under_supervision", 99)]           # before the platform went live (2023-03)
    s = store(rows)
    assert s.measure_total("arrest_decided", CITY, "2024-04", "2024-05") == 30
    assert s.measure_total("arrest_decided", YANHU, "2024-04", "2024-05") == 10
    assert s.measure_total("nc_under_supervision", YANHU, "2024-04", "2024-05") == 35   # a stock: not 65
    assert s.measure_total("nc_under_supervision", YANHU, "2023-01", "2023-02") is None  # not live yet


@pytest.mark.parametrize("period", ["2024-06", "2024Q2", "2023", "2024-05:ytd", "2021-01"])
def test_cells_are_the_querys_values_statuses_and_flags(demo_store, period):
    """`cells` (the alerts' month-by-month reads) answers exactly what `query` does, cell by cell."""
    from cockpit.metrics.catalog import METRICS
    from cockpit.metrics import units as U
    ids = [m.id for m in METRICS]
    units = (U.CITY, U.COUNTIES, *U.UNIT_CODES)
    df = demo_store.query(ids, units, period)
    expected = {(m, u): (v, st, f) for m, u, v, st, f in
                zip(df["metric_id"], df["unit"], df["value"], df["status"], df["flag"])}
    assert demo_store.cells(ids, units, period) == expected
    assert {st for _, st, _ in expected.values()} >= ({"not_live"} if period == "2021-01" else {"ok"})
