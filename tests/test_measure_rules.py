"""Given/expect, one trap per test: hand-made export rows → `etl.run.run` → the fact a measure gets.

Every measure of `cockpit.metrics.measures.MEASURES` is named by at least one test here
(`@covers`); the last test fails when a measure is declared without one. Each test writes a
few rows, loads them on SQLite and PostgreSQL (the `engine` fixture) and reads the facts back
from `fact_measure` / `fact_model_measure` (and, where the rule is about time, through
`MetricStore`).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.query import MetricStore
from etl.run import run
from exports import (arrest_row, clue_row, collection_row, juvenile_row, nc_event_row, nc_person_row, plea_row,
                     prosecution_row, registry_row, suggestion_row, sup_case_row, write_source)

TODAY = dt.date(2024, 12, 31)   # the day of every load here: all test dates lie before it
YANHU, LINYI = "140802", "140821"
COVERED: set[str] = set()


def covers(*measure_ids: str):
    """Marks a test as the given/expect test of these measures."""
    unknown = set(measure_ids) - set(MEASURE_BY_ID)
    assert not unknown, f"not declared measures: {unknown}"
    COVERED.update(measure_ids)
    return lambda test: test


def load(engine, landing, source_id: str, rows: list[dict], name: str | None = None):
    write_source(landing, source_id, rows, name)
    summary = run(landing, engine, today=TODAY, progress=False)
    assert summary.rows_rejected == 0, summary.reasons
    return summary


def facts(engine, measure_id: str) -> dict[tuple[str, str], float]:
    """{(unit, month): value} of one measure, zeros left out."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT unit_code, month, value FROM fact_measure WHERE measure_id = :m "
                                 "AND value <> 0"), {"m": measure_id}).all()
    return {(u, m): v for u, m, v in rows}


def model_facts(engine, measure_id: str) -> dict[tuple[str, str, str], float]:
    """{(model, unit, month): value} of one by-model measure, zeros left out."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT model_id, unit_code, month, value FROM fact_model_measure "
                                 "WHERE measure_id = :m AND value <> 0"), {"m": measure_id}).all()
    return {(i, u, m): v for i, u, m, v in rows}


# ---- 审查逮捕人员 (arrest) ---------------------------------------------------------------------------

@covers("arrest_received", "arrest_concluded", "arrest_review_days")
def test_a_review_received_in_one_month_and_concluded_in_the_next_is_booked_in_each(engine, landing):
    rows = [arrest_row(1, 受理日期="2024-03-28", 审结日期="2024-04-03"),    # 6 days, across the month's end
            arrest_row(2, 受理日期="2024-04-01", 审结日期="2024-04-05")]    # 4 days
    load(engine, landing, "arrest", rows)
    assert facts(engine, "arrest_received") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}
    assert facts(engine, "arrest_concluded") == {(YANHU, "2024-04"): 2}
    assert facts(engine, "arrest_review_days") == {(YANHU, "2024-04"): 10}


@covers("arrest_decided", "arrest_approved", "arrest_not_approved", "arrest_not_approved_no_danger")
def test_only_a_non_arrest_for_no_social_danger_is_a_no_danger_non_arrest_and_co_suspects_are_two_persons(
        engine, landing):
    rows = [arrest_row(1, 审查结论="批准逮捕", 不捕理由=""),
            arrest_row(2, 部门受案号="运盐检捕受〔2024〕1号", 审查结论="批准逮捕", 不捕理由=""),  # same case
            arrest_row(3, 审查结论="不批准逮捕", 不捕理由="无社会危险性"),
            arrest_row(4, 审查结论="不批准逮捕", 不捕理由="证据不足"),
            arrest_row(5, 审查结论="不批准逮捕", 不捕理由="")]
    load(engine, landing, "arrest", rows)
    assert facts(engine, "arrest_decided") == {(YANHU, "2024-03"): 5}
    assert facts(engine, "arrest_approved") == {(YANHU, "2024-03"): 2}
    assert facts(engine, "arrest_not_approved") == {(YANHU, "2024-03"): 3}
    assert facts(engine, "arrest_not_approved_no_danger") == {(YANHU, "2024-03"): 1}


@covers("arrest_assessed", "arrest_band_low", "arrest_band_mid", "arrest_band_high", "arrest_consistent")
def test_a_middle_band_agrees_with_a_non_arrest_and_a_person_without_a_band_is_not_assessed(engine, landing):
    rows = [arrest_row(1, 评估等级="高", 社会危险性评估分值="82", 审查结论="批准逮捕", 不捕理由=""),        # agrees
            arrest_row(2, 评估等级="中", 社会危险性评估分值="55", 审查结论="不批准逮捕", 不捕理由="无社会危险性"),  # agrees
            arrest_row(3, 评估等级="中", 社会危险性评估分值="61", 审查结论="批准逮捕", 不捕理由=""),        # does not
            arrest_row(4, 评估等级="低", 社会危险性评估分值="20", 审查结论="批准逮捕", 不捕理由=""),        # does not
            arrest_row(5, 评估等级="", 社会危险性评估分值="", 触发指标="", 审查结论="不批准逮捕",
                       不捕理由="无社会危险性")]                                                        # not assessed
    load(engine, landing, "arrest", rows)
    assert facts(engine, "arrest_assessed") == {(YANHU, "2024-03"): 4}
    assert facts(engine, "arrest_band_low") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "arrest_band_mid") == {(YANHU, "2024-03"): 2}
    assert facts(engine, "arrest_band_high") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "arrest_consistent") == {(YANHU, "2024-03"): 2}


# ---- 审查起诉人员 (prosecution) ----------------------------------------------------------------------

@covers("pros_concluded", "pros_indicted", "pros_not_indicted", "pros_plea")
def test_a_prosecution_is_booked_in_the_month_it_was_concluded_not_received(engine, landing):
    rows = [prosecution_row(1, 受理日期="2024-02-20", 审结日期="2024-03-10", 审结情况="提起公诉", 是否认罪认罚="是"),
            prosecution_row(2, 审结情况="不起诉", 是否认罪认罚="否", 量刑建议="未提出"),
            prosecution_row(3, 审结日期="2024-04-02", 审结情况="提起公诉", 是否认罪认罚="是")]
    load(engine, landing, "prosecution", rows)
    assert facts(engine, "pros_concluded") == {(YANHU, "2024-03"): 2, (YANHU, "2024-04"): 1}
    assert facts(engine, "pros_indicted") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}
    assert facts(engine, "pros_not_indicted") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "pros_plea") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}


@covers("pros_rec", "pros_rec_fixed", "pros_rec_judged", "pros_rec_adopted")
def test_a_sentencing_recommendation_not_yet_judged_is_outside_the_adoption_denominator(engine, landing):
    judged = {"判决日期": "2024-05-10", "判决结果": "有期徒刑以上"}
    rows = [prosecution_row(1, 量刑建议="确定刑", 法院是否采纳量刑建议="是", **judged),
            prosecution_row(2, 量刑建议="幅度刑", 法院是否采纳量刑建议="否", **judged),
            prosecution_row(3, 量刑建议="确定刑", 法院是否采纳量刑建议=""),          # the court has not ruled yet
            prosecution_row(4, 量刑建议="未提出", 法院是否采纳量刑建议="", **judged)]  # no recommendation at all
    load(engine, landing, "prosecution", rows)
    assert facts(engine, "pros_rec") == {(YANHU, "2024-03"): 3}
    assert facts(engine, "pros_rec_fixed") == {(YANHU, "2024-03"): 2}
    assert facts(engine, "pros_rec_judged") == {(YANHU, "2024-03"): 2}
    assert facts(engine, "pros_rec_adopted") == {(YANHU, "2024-03"): 1}


@covers("post_arrest_concluded", "post_arrest_not_indicted", "post_arrest_judged", "post_arrest_light")
def test_only_persons_held_under_arrest_count_after_arrest_and_probation_is_a_light_sentence(engine, landing):
    def judged(result):
        return {"判决日期": "2024-05-10", "判决结果": result}
    rows = [prosecution_row(1, 审结时强制措施="逮捕", **judged("缓刑")),              # light
            prosecution_row(2, 审结时强制措施="逮捕", **judged("有期徒刑以上")),
            prosecution_row(3, 审结时强制措施="逮捕", **judged("无罪")),              # judged, not light
            prosecution_row(4, 审结时强制措施="逮捕"),                                # not judged yet
            prosecution_row(5, 审结时强制措施="逮捕", 审结情况="不起诉", 量刑建议="未提出"),
            prosecution_row(6, 审结时强制措施="取保候审", **judged("缓刑"))]          # never arrested
    load(engine, landing, "prosecution", rows)
    assert facts(engine, "post_arrest_concluded") == {(YANHU, "2024-03"): 5}
    assert facts(engine, "post_arrest_not_indicted") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "post_arrest_judged") == {(YANHU, "2024-03"): 3}
    assert facts(engine, "post_arrest_light") == {(YANHU, "2024-03"): 1}


# ---- 非羁押人员月度名册 (nc_person) -----------------------------------------------------------------

def absconder(person_no: str, flags: dict[str, str], unit: str = YANHU) -> list[dict]:
    """A person's roster rows: {month: 本月是否脱管}."""
    return [nc_person_row(person_no, m, 承办单位编码=unit, 本月是否脱管=f) for m, f in flags.items()]


@covers("nc_absconded")
def test_a_person_away_three_months_counts_once_in_the_month_they_absconded(engine, landing):
    # an upstream system that repeats the flag while the person stays away
    rows = absconder("FJY140802-2023-0001", {"2024-02": "否", "2024-03": "是", "2024-04": "是", "2024-05": "是",
                                             "2024-06": "否"})
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_absconded") == {(YANHU, "2024-03"): 1}
    store = MetricStore.load(engine)
    assert store.measure_total("nc_absconded", YANHU, "2024-03", "2024-03") == 1
    assert store.measure_total("nc_absconded", YANHU, "2024-04", "2024-05") == 0
    assert store.measure_total("nc_absconded", "CITY", "2024-01", "2024-06") == 1


@covers("nc_absconded")
def test_a_person_who_absconds_again_after_a_month_back_counts_twice(engine, landing):
    rows = absconder("FJY140802-2023-0002", {"2024-03": "是", "2024-04": "否", "2024-05": "是"})
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_absconded") == {(YANHU, "2024-03"): 1, (YANHU, "2024-05"): 1}


@covers("nc_absconded")
def test_a_flag_across_the_turn_of_the_year_counts_once(engine, landing):
    rows = absconder("FJY140802-2023-0003", {"2023-11": "否", "2023-12": "是", "2024-01": "是"})
    rows += absconder("FJY140802-2023-0004", {"2023-11": "是", "2024-01": "是"})  # no row for 2023-12: away again
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_absconded") == {(YANHU, "2023-11"): 1, (YANHU, "2023-12"): 1, (YANHU, "2024-01"): 1}


@covers("nc_absconded")
def test_the_month_before_is_the_same_persons_not_anyone_elses(engine, landing):
    rows = absconder("FJY140802-2023-0005", {"2024-03": "是", "2024-04": "否"})
    rows += absconder("FJY140802-2023-0006", {"2024-03": "否", "2024-04": "是"})
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_absconded") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}


@covers("nc_absconded")
def test_a_month_before_loaded_later_takes_back_the_count_of_the_month_after(engine, landing):
    """Incremental load equals a full load: the repeated flag of April counts while March is
    missing and stops counting once March (flagged) arrives in a later load — also when the
    person is booked to another unit in April."""
    load(engine, landing, "nc_person", absconder("FJY140802-2023-0007", {"2024-04": "是"}, unit=LINYI),
         name="april.csv")
    assert facts(engine, "nc_absconded") == {(LINYI, "2024-04"): 1}
    load(engine, landing, "nc_person", absconder("FJY140802-2023-0007", {"2024-03": "是"}), name="march.csv")
    assert facts(engine, "nc_absconded") == {(YANHU, "2024-03"): 1}
    assert MetricStore.load(engine).measure_total("nc_absconded", "CITY", "2024-03", "2024-04") == 1


@covers("nc_under_supervision")
def test_a_stock_is_the_months_value_not_a_sum(engine, landing):
    rows = [nc_person_row(f"FJY140802-2024-{i:04d}", m) for i in (1, 2) for m in ("2024-04", "2024-05", "2024-06")]
    rows.append(nc_person_row("FJY140802-2024-0003", "2024-04"))
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_under_supervision") == {(YANHU, "2024-04"): 3, (YANHU, "2024-05"): 2,
                                                     (YANHU, "2024-06"): 2}
    store = MetricStore.load(engine)
    assert store.measure_total("nc_under_supervision", YANHU, "2024-04", "2024-06") == 2   # June's, not 7
    assert store.measure_total("nc_under_supervision", "CITY", "2024-04", "2024-04") == 3


@covers("nc_under_supervision", "nc_released")
def test_a_person_released_in_the_month_is_released_and_no_longer_under_supervision(engine, landing):
    rows = [nc_person_row("FJY140802-2024-0011", "2024-04"),
            nc_person_row("FJY140802-2024-0011", "2024-05", 解除日期="2024-05-20"),
            nc_person_row("FJY140802-2024-0012", "2024-05")]
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_released") == {(YANHU, "2024-05"): 1}
    assert facts(engine, "nc_under_supervision") == {(YANHU, "2024-04"): 1, (YANHU, "2024-05"): 1}


@covers("nc_under_supervision", "nc_released")
def test_a_release_after_the_months_end_still_counts_the_person_under_supervision_that_month(engine, landing):
    """A June roster exported on 5 July carries a release dated 3 July: the person was under a
    measure at June's end (在管), and is released in July, once."""
    rows = [nc_person_row("FJY140802-2024-0031", "2024-06", 解除日期="2024-07-03"),
            nc_person_row("FJY140802-2024-0031", "2024-07", 解除日期="2024-07-03")]
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_under_supervision") == {(YANHU, "2024-06"): 1}     # zeros left out
    assert facts(engine, "nc_released") == {(YANHU, "2024-07"): 1}


@covers("nc_new", "nc_bail_amount")
def test_a_person_is_new_and_their_bail_counted_only_in_the_month_of_the_decision(engine, landing):
    rows = [nc_person_row("FJY140802-2024-0021", m, 决定日期="2024-04-28", **{"保证金(元)": "5000"})
            for m in ("2024-04", "2024-05")]
    rows += [nc_person_row("FJY140802-2024-0022", "2024-05", 决定日期="2024-05-02", **{"保证金(元)": "3000"}),
             nc_person_row("FJY140802-2024-0023", "2024-05", 决定日期="2024-05-09")]   # no bail
    load(engine, landing, "nc_person", rows)
    assert facts(engine, "nc_new") == {(YANHU, "2024-04"): 1, (YANHU, "2024-05"): 2}
    assert facts(engine, "nc_bail_amount") == {(YANHU, "2024-04"): 5000, (YANHU, "2024-05"): 3000}


# ---- 非羁押监管事件 (nc_event) ------------------------------------------------------------------

def warning(n: int, kind: str, occurred: str, handled: str = "", handling: str = "核实正常") -> dict:
    return nc_event_row(f"SJ{n:04d}", 事件类型="预警", 预警类型=kind, 发生时间=occurred, 结果="",
                        处置时间=handled, 处置结果=handling if handled else "处置中")


@covers("nc_warnings", "nc_warnings_in_time")
def test_a_warning_handled_in_exactly_24_hours_is_in_time(engine, landing):
    rows = [warning(1, "越界预警", "2024-03-05 10:00:00", "2024-03-06 10:00:00"),   # exactly 24 h
            warning(2, "越界预警", "2024-03-05 10:00:00", "2024-03-06 10:01:00"),   # 24 h 1 min
            warning(3, "未打卡预警", "2024-03-05 22:00:00", "2024-03-05 22:30:00"),
            warning(4, "未打卡预警", "2024-03-06 22:00:00")]                        # not handled yet
    load(engine, landing, "nc_event", rows)
    assert facts(engine, "nc_warnings") == {(YANHU, "2024-03"): 4}
    assert facts(engine, "nc_warnings_in_time") == {(YANHU, "2024-03"): 2}


@covers("nc_warnings", "nc_warnings_abscond")
def test_a_warning_is_booked_in_the_month_it_occurred_not_the_month_it_was_handled(engine, landing):
    rows = [warning(1, "脱管预警", "2024-03-31 23:00:00", "2024-04-01 08:00:00", "核实脱管"),
            warning(2, "越界预警", "2024-04-02 09:00:00", "2024-04-02 10:00:00")]
    load(engine, landing, "nc_event", rows)
    assert facts(engine, "nc_warnings_abscond") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "nc_warnings") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}


@covers("nc_checkin_due", "nc_checkin_done", "nc_summons", "nc_summons_on_time")
def test_a_missed_check_in_is_due_but_not_done_and_a_late_summons_is_not_on_time(engine, landing):
    rows = [nc_event_row("SJ0001", 结果="已打卡"),
            nc_event_row("SJ0002", 结果="未打卡"),
            nc_event_row("SJ0003", 事件类型="传唤", 结果="按时到案"),
            nc_event_row("SJ0004", 事件类型="传唤", 结果="未按时到案"),
            nc_event_row("SJ0005", 事件类型="传唤", 结果="按时到案", 发生时间="2024-04-01 09:00:00")]
    load(engine, landing, "nc_event", rows)
    assert facts(engine, "nc_checkin_due") == {(YANHU, "2024-03"): 2}
    assert facts(engine, "nc_checkin_done") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "nc_summons") == {(YANHU, "2024-03"): 2, (YANHU, "2024-04"): 1}
    assert facts(engine, "nc_summons_on_time") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}


# ---- 认罪认罚具结书同步录音录像 (plea) ----------------------------------------------------------------

@covers("plea_statements", "plea_recorded", "plea_remote", "plea_efp_returned")
def test_a_statement_without_recording_counts_in_the_total_but_not_as_recorded(engine, landing):
    rows = [plea_row(1, 是否同步录音录像="是", 听取意见方式="远程", 电子捺印文书回传="是"),
            plea_row(2, 是否同步录音录像="否", 听取意见方式="现场", 电子捺印文书回传="否"),
            plea_row(3, 具结日期="2024-04-01", 听取意见方式="远程")]
    load(engine, landing, "plea", rows)
    assert facts(engine, "plea_statements") == {(YANHU, "2024-03"): 2, (YANHU, "2024-04"): 1}
    assert facts(engine, "plea_recorded") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}
    assert facts(engine, "plea_remote") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}
    assert facts(engine, "plea_efp_returned") == {(YANHU, "2024-03"): 1, (YANHU, "2024-04"): 1}


# ---- 未成年人审查起诉案件 (juvenile) ------------------------------------------------------------------

@covers("juv_concluded", "juv_conditional", "juv_not_prosecuted", "juv_survey")
def test_a_conditional_non_prosecution_is_not_a_plain_non_prosecution(engine, landing):
    rows = [juvenile_row(1, 审结情况="附条件不起诉", 是否开展社会调查="是"),
            juvenile_row(2, 审结情况="不起诉", 是否开展社会调查="否"),
            juvenile_row(3, 审结情况="提起公诉", 是否开展社会调查="是")]
    load(engine, landing, "juvenile", rows)
    assert facts(engine, "juv_concluded") == {(YANHU, "2024-03"): 3}
    assert facts(engine, "juv_conditional") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "juv_not_prosecuted") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "juv_survey") == {(YANHU, "2024-03"): 2}


# ---- 平台和模型台账 (registry), 数据采集台账 (collection) ------------------------------------------------

@covers("platforms_launched", "models_launched")
def test_a_launch_is_booked_once_and_counts_in_every_later_month(engine, landing):
    rows = [registry_row("P01", 类别="综合分析平台", 上线日期="2024-02-10"),
            registry_row("M01", 上线日期="2024-03-15"),
            registry_row("M02", 上线日期="2024-03-20", 状态="停用"),   # stopped later: it was still launched
            registry_row("M03", 上线日期="2024-05-02", 建设单位编码="140881")]
    load(engine, landing, "registry", rows)
    assert facts(engine, "platforms_launched") == {("140800", "2024-02"): 1}
    assert facts(engine, "models_launched") == {("140800", "2024-03"): 2, ("140881", "2024-05"): 1}
    store = MetricStore.load(engine)
    assert store.measure_total("models_launched", "CITY", "2024-04", "2024-04") == 2   # a running total
    assert store.measure_total("models_launched", "CITY", "2024-05", "2024-05") == 3
    assert store.measure_total("platforms_launched", "CITY", "2024-05", "2024-05") == 1


@covers("records_collected")
def test_a_models_records_from_several_providers_add_up_per_model(engine, landing):
    rows = [collection_row("M01", "运城市公安局", 1200), collection_row("M01", "运城市强制隔离戒毒所", 345),
            collection_row("M02", "运城市中级人民法院", 10),
            collection_row("M01", "运城市公安局", 7, 统计月份="2024-04")]
    load(engine, landing, "collection", rows)
    assert facts(engine, "records_collected") == {("140800", "2024-03"): 1555, ("140800", "2024-04"): 7}
    assert model_facts(engine, "records_collected") == {("M01", "140800", "2024-03"): 1545,
                                                        ("M02", "140800", "2024-03"): 10,
                                                        ("M01", "140800", "2024-04"): 7}


# ---- 法律监督线索台账 (clue) -----------------------------------------------------------------------

@covers("clue_found", "clue_verified", "clue_substantiated", "clue_corrected", "clue_duty_crime",
        "clue_back_to_school")
def test_a_clue_verified_months_later_is_booked_in_the_month_it_was_found(engine, landing):
    rows = [clue_row(1, 核查状态="属实", 核查日期="2024-06-02", 处理结果="监督纠正违法"),
            clue_row(2, 发现日期="2024-03-20", 核查状态="不属实", 核查日期="2024-04-01"),
            clue_row(3, 发现日期="2024-03-25"),                                            # still being checked
            clue_row(4, 模型编号="M02", 发现日期="2024-04-02", 核查状态="属实", 核查日期="2024-04-20",
                     处理结果="移送职务犯罪线索"),
            clue_row(5, 模型编号="M03", 承办单位编码="140881", 发现日期="2024-04-03", 核查状态="属实",
                     核查日期="2024-04-10", 处理结果="督促复学")]
    load(engine, landing, "clue", rows)
    city = "140800"
    assert facts(engine, "clue_found") == {(city, "2024-03"): 3, (city, "2024-04"): 1, ("140881", "2024-04"): 1}
    assert facts(engine, "clue_verified") == {(city, "2024-03"): 2, (city, "2024-04"): 1, ("140881", "2024-04"): 1}
    assert facts(engine, "clue_substantiated") == {(city, "2024-03"): 1, (city, "2024-04"): 1,
                                                   ("140881", "2024-04"): 1}
    assert facts(engine, "clue_corrected") == {(city, "2024-03"): 1}
    assert facts(engine, "clue_duty_crime") == {(city, "2024-04"): 1}
    assert facts(engine, "clue_back_to_school") == {("140881", "2024-04"): 1}
    assert model_facts(engine, "clue_found") == {("M01", city, "2024-03"): 3, ("M02", city, "2024-04"): 1,
                                                 ("M03", "140881", "2024-04"): 1}
    assert model_facts(engine, "clue_back_to_school") == {("M03", "140881", "2024-04"): 1}


@covers("clue_cased", "clue_documented", "clue_rectified", "clue_dropped")
def test_a_clues_path_is_booked_in_the_month_it_was_found_whenever_each_step_happened(engine, landing):
    rows = [clue_row(1, 发现日期="2024-03-12", 核查状态="属实", 核查日期="2024-04-10", 处理结果="制发检察建议",
                     成案日期="2024-04-20", 监督文书="检察建议书", 文书日期="2024-05-06", 回复日期="2024-06-30",
                     是否整改="是"),
            clue_row(2, 发现日期="2024-03-15", 核查状态="属实", 核查日期="2024-04-10", 处理结果="其他"),  # no case
            clue_row(3, 发现日期="2024-03-20", 核查状态="不属实", 核查日期="2024-04-02", 不属实原因="数据比对误差"),
            clue_row(4, 模型编号="M04", 发现日期="2024-04-02", 核查状态="属实", 核查日期="2024-04-22",
                     处理结果="监督纠正违法", 成案日期="2024-05-02", 监督文书="纠正违法通知书", 文书日期="2024-05-10",
                     是否整改="否")]
    load(engine, landing, "clue", rows)
    city = "140800"
    assert facts(engine, "clue_cased") == {(city, "2024-03"): 1, (city, "2024-04"): 1}
    assert facts(engine, "clue_documented") == {(city, "2024-03"): 1, (city, "2024-04"): 1}
    assert facts(engine, "clue_rectified") == {(city, "2024-03"): 1}
    assert facts(engine, "clue_dropped") == {(city, "2024-03"): 1}
    assert model_facts(engine, "clue_cased") == {("M01", city, "2024-03"): 1, ("M04", city, "2024-04"): 1}


@covers("clue_pressed")
def test_a_pressed_clue_is_booked_in_the_month_it_was_pressed(engine, landing):
    rows = [clue_row(1, 发现日期="2024-01-10", 登记日期="2024-01-30", 督办日期="2024-02-05"),
            clue_row(2, 发现日期="2024-01-11"),
            clue_row(3, 模型编号="M02", 发现日期="2024-01-12", 督办日期="2024-03-01")]
    load(engine, landing, "clue", rows)
    city = "140800"
    assert facts(engine, "clue_pressed") == {(city, "2024-02"): 1, (city, "2024-03"): 1}
    assert model_facts(engine, "clue_pressed") == {("M01", city, "2024-02"): 1, ("M02", city, "2024-03"): 1}


def test_a_stage_dated_before_the_clue_was_found_is_quarantined_with_its_reason(engine, landing):
    write_source(landing, "clue", [clue_row(1, 发现日期="2024-03-12", 登记日期="2024-03-01")])
    summary = run(landing, engine, today=TODAY, progress=False)
    assert summary.rows_rejected == 1
    with engine.connect() as conn:
        reason = conn.execute(text("SELECT reason FROM etl_reject")).scalar_one()
    assert "登记日期早于发现日期" in reason


def test_an_older_clue_export_without_the_path_columns_still_loads(engine, landing):
    old = ["线索编号", "模型编号", "承办单位编码", "发现日期", "线索摘要", "核查状态", "核查日期", "处理结果"]
    from exports import write_csv
    write_csv(landing / "clue_old.csv", old, [clue_row(1, 核查状态="属实", 核查日期="2024-04-01", 处理结果="其他")])
    summary = run(landing, engine, today=TODAY, progress=False)
    assert (summary.rows_loaded, summary.rows_rejected) == (1, 0)
    assert facts(engine, "clue_found") == {("140800", "2024-03"): 1}


# ---- 法律监督案件 (sup_case) -----------------------------------------------------------------------

@covers("sup_cases", "sup_cases_procedure", "sup_cases_application", "sup_cases_initiative", "sup_cases_big_data")
def test_cases_are_booked_by_the_month_opened_and_a_big_data_case_is_one_found_on_initiative(engine, landing):
    rows = [sup_case_row(1),
            sup_case_row(2, 案件来源="依申请", 立案日期="2024-03-20"),
            sup_case_row(3, 案件来源="主动发现", 是否大数据线索="是", 线索编号="XS140802-2024-0001", 模型编号="M10",
                         立案日期="2024-04-01"),
            sup_case_row(4, 案件来源="主动发现", 立案日期="2024-04-02")]
    load(engine, landing, "sup_case", rows)
    assert facts(engine, "sup_cases") == {(YANHU, "2024-03"): 2, (YANHU, "2024-04"): 2}
    assert facts(engine, "sup_cases_procedure") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "sup_cases_application") == {(YANHU, "2024-03"): 1}
    assert facts(engine, "sup_cases_initiative") == {(YANHU, "2024-04"): 2}
    assert facts(engine, "sup_cases_big_data") == {(YANHU, "2024-04"): 1}


def test_a_big_data_case_without_its_clue_number_is_quarantined(engine, landing):
    write_source(landing, "sup_case", [sup_case_row(1, 是否大数据线索="是")])
    summary = run(landing, engine, today=TODAY, progress=False)
    assert summary.rows_rejected == 1
    with engine.connect() as conn:
        assert "必须填写「线索编号」" in conn.execute(text("SELECT reason FROM etl_reject")).scalar_one()


# ---- 检察建议台账 (suggestion) ---------------------------------------------------------------------

@covers("sugg_due", "sugg_replied_in_time", "sugg_replied")
def test_a_reply_on_the_due_date_counts_and_one_a_day_late_does_not(engine, landing):
    rows = [suggestion_row(1, 发出日期="2024-03-04", 回复期限="2024-05-04", 回复日期="2024-05-04"),
            suggestion_row(2, 发出日期="2024-03-05", 回复期限="2024-05-05", 回复日期="2024-05-06"),
            suggestion_row(3, 发出日期="2024-03-06", 回复期限="2024-05-06")]                # no reply
    load(engine, landing, "suggestion", rows)
    city = "140800"
    assert facts(engine, "sugg_due") == {(city, "2024-05"): 3}          # booked in the month it falls due
    assert facts(engine, "sugg_replied_in_time") == {(city, "2024-05"): 1}
    assert facts(engine, "sugg_replied") == {(city, "2024-03"): 2}      # booked in the month it was issued


@covers("sugg_issued", "sugg_adopted", "sugg_rectified")
def test_an_adopted_suggestion_counts_in_its_issue_month_and_one_without_a_model_not_for_any_model(
        engine, landing):
    rows = [suggestion_row(1, 回复日期="2024-04-20", 是否采纳="是", 是否整改="是"),
            suggestion_row(2, 模型编号="", 发出日期="2024-03-10", 回复期限="2024-05-10", 回复日期="2024-04-25",
                           是否采纳="否", 是否整改="否"),
            suggestion_row(3, 发出日期="2024-04-02", 回复期限="2024-06-02")]
    load(engine, landing, "suggestion", rows)
    city = "140800"
    assert facts(engine, "sugg_issued") == {(city, "2024-03"): 2, (city, "2024-04"): 1}
    assert facts(engine, "sugg_adopted") == {(city, "2024-03"): 1}
    assert facts(engine, "sugg_rectified") == {(city, "2024-03"): 1}
    assert model_facts(engine, "sugg_issued") == {("M01", city, "2024-03"): 1, ("M01", city, "2024-04"): 1}
    assert model_facts(engine, "sugg_adopted") == {("M01", city, "2024-03"): 1}


@covers("sugg_revisited", "sugg_revisit_ok")
def test_a_revisit_counts_in_the_month_the_suggestion_was_issued(engine, landing):
    rows = [suggestion_row(1, 回复日期="2024-04-20", 是否采纳="是", 是否整改="是", 整改日期="2024-05-10",
                           回头看日期="2024-09-12", 回头看结果="整改到位"),
            suggestion_row(2, 发出日期="2024-03-10", 回复期限="2024-05-10", 回复日期="2024-04-25", 是否采纳="是",
                           回头看日期="2024-10-08", 回头看结果="整改不到位"),
            suggestion_row(3, 发出日期="2024-04-02", 回复期限="2024-06-02", 回复日期="2024-05-20", 是否采纳="是")]
    load(engine, landing, "suggestion", rows)
    city = "140800"
    assert facts(engine, "sugg_revisited") == {(city, "2024-03"): 2}
    assert facts(engine, "sugg_revisit_ok") == {(city, "2024-03"): 1}


# ---- the last word: every measure has its given/expect test -------------------------------------------

def test_every_measure_has_a_given_expect_test():
    missing = sorted(set(MEASURE_BY_ID) - COVERED)
    assert not missing, f"measures without a given/expect test in this file: {missing}"
