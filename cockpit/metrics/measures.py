"""Measures: the additive counts and sums every metric is built from — declared once.

Like a dbt semantic model: each measure names the staged records it counts (`source`, a
portable SQL `where` over the staging columns), the month it is booked in (`month`), what it
adds up (`expr`: "1" counts rows) and how it behaves over time (`time_agg`):

  sum         a flow: a period's value is the sum of its months
  last        a stock (people under supervision): a period's value is its last month's
  cumulative  a running total: a period's value is everything booked up to its end

A `where` may also read earlier records of its own source (a subquery over its own staging
table); `reads_back` then says how many months back, so that a record loaded later also
recomputes the months after it (see `etl.rollup.affected_cells`).

The ETL materialises every measure into `fact_measure(unit_code, month, measure_id, value)`
(and, for sources that carry a model id, also per model into `fact_model_measure`) from these
declarations; the drill-down lists select the records behind a measure with the same `where`.
A measure declared `sparse` (a few rows in a big table, e.g. the warnings among millions of
check-ins) gets a partial index in staging, so its records for a quarter are found without
reading the quarter's other rows (cockpit.metrics.schema).
Plain data only: this module imports nothing from the app or the ETL.
"""
from __future__ import annotations

from dataclasses import dataclass

WARNING_DEADLINE_MINUTES = 24 * 60  # a non-custody warning is handled within 24 hours
LIGHT_SENTENCES = ("拘役", "管制", "缓刑", "单处附加刑", "免予刑事处罚")


@dataclass(frozen=True)
class Measure:
    id: str
    name: str                 # Chinese name
    unit: str                 # 人, 件, 次, 条, 个, 天, 元
    source: str               # cockpit.metrics.contracts source id
    month: str                # staging month column the value is booked in
    where: str = ""           # portable SQL over staging columns; "" = every row
    expr: str = "1"           # what is added up
    time_agg: str = "sum"     # sum | last | cumulative
    by_model: bool = False    # also materialised per model (fact_model_measure)
    reads_back: int = 0       # months of earlier records the `where` reads (0: only its own row)
    sparse: bool = False      # a rare subset of a big source that pages list and group by period:
                              # staged with a partial index over (unit, month) for its `where`


def _m(*args, **kwargs) -> Measure:
    return Measure(*args, **kwargs)


_light = ", ".join(f"'{s}'" for s in LIGHT_SENTENCES)

MEASURES: tuple[Measure, ...] = (
    # 审查逮捕 (arrest review; the case system, plus the social-danger assessment)
    _m("arrest_received", "审查逮捕受理人数", "人", "arrest", "received_month"),
    _m("arrest_concluded", "审查逮捕审结人数", "人", "arrest", "concluded_month"),
    _m("arrest_decided", "批准逮捕和不批准逮捕人数", "人", "arrest", "concluded_month",
       "decision IN ('批准逮捕', '不批准逮捕')"),
    _m("arrest_approved", "批准逮捕人数", "人", "arrest", "concluded_month", "decision = '批准逮捕'"),
    _m("arrest_not_approved", "不批准逮捕人数", "人", "arrest", "concluded_month", "decision = '不批准逮捕'"),
    _m("arrest_not_approved_no_danger", "无社会危险性不捕人数", "人", "arrest", "concluded_month",
       "decision = '不批准逮捕' AND non_arrest_reason = '无社会危险性'"),
    _m("arrest_review_days", "审查逮捕办案天数合计", "天", "arrest", "concluded_month", expr="review_days"),
    _m("arrest_assessed", "已量化评估人数", "人", "arrest", "concluded_month", "risk_band IS NOT NULL"),
    _m("arrest_band_low", "评估等级为低的人数", "人", "arrest", "concluded_month", "risk_band = '低'"),
    _m("arrest_band_mid", "评估等级为中的人数", "人", "arrest", "concluded_month", "risk_band = '中'"),
    _m("arrest_band_high", "评估等级为高的人数", "人", "arrest", "concluded_month", "risk_band = '高'"),
    _m("arrest_consistent", "决定与评估等级一致人数", "人", "arrest", "concluded_month",
       "(risk_band = '高' AND decision = '批准逮捕') OR (risk_band IN ('低', '中') AND decision = '不批准逮捕')"),
    # 审查起诉 (prosecution outcomes)
    _m("pros_concluded", "审查起诉审结人数（起诉 + 不起诉）", "人", "prosecution", "concluded_month",
       "outcome IN ('提起公诉', '不起诉')"),
    _m("pros_indicted", "提起公诉人数", "人", "prosecution", "concluded_month", "outcome = '提起公诉'"),
    _m("pros_not_indicted", "不起诉人数", "人", "prosecution", "concluded_month", "outcome = '不起诉'"),
    _m("pros_plea", "适用认罪认罚审结人数", "人", "prosecution", "concluded_month", "plea = 1"),
    _m("pros_rec", "提出量刑建议人数", "人", "prosecution", "concluded_month", "sentencing_rec IN ('确定刑', '幅度刑')"),
    _m("pros_rec_fixed", "提出确定刑量刑建议人数", "人", "prosecution", "concluded_month", "sentencing_rec = '确定刑'"),
    _m("pros_rec_judged", "提出量刑建议且法院已判决人数", "人", "prosecution", "concluded_month",
       "sentencing_rec IN ('确定刑', '幅度刑') AND rec_adopted IS NOT NULL"),
    _m("pros_rec_adopted", "量刑建议被法院采纳人数", "人", "prosecution", "concluded_month",
       "sentencing_rec IN ('确定刑', '幅度刑') AND rec_adopted = 1"),
    _m("post_arrest_concluded", "捕后审查起诉审结人数", "人", "prosecution", "concluded_month", "custody = '逮捕'"),
    _m("post_arrest_not_indicted", "捕后不起诉人数", "人", "prosecution", "concluded_month",
       "custody = '逮捕' AND outcome = '不起诉'"),
    _m("post_arrest_judged", "逮捕后已判决人数", "人", "prosecution", "concluded_month",
       "custody = '逮捕' AND judgment IS NOT NULL"),
    _m("post_arrest_light", "逮捕后判轻刑人数", "人", "prosecution", "concluded_month",
       f"custody = '逮捕' AND judgment IN ({_light})"),
    # 非羁押诉讼 (non-custody supervision)
    # Under a measure at the month's end: not released, or released only after that month (a
    # roster exported a few days after the month's end already carries the next month's release).
    _m("nc_under_supervision", "在管人数（月末）", "人", "nc_person", "stat_month",
       "end_date IS NULL OR end_month > stat_month", time_agg="last"),
    _m("nc_new", "新增非羁押人数", "人", "nc_person", "stat_month", "start_month = stat_month"),
    _m("nc_released", "解除非羁押措施人数", "人", "nc_person", "stat_month", "end_month = stat_month"),
    # 本月是否脱管 should be 是 only in the month the person absconded, but an upstream system
    # may repeat it every month the person stays away. A person counts in month M when flagged
    # in M and NOT flagged in the calendar month before (same 人员编号; `prev_month` is derived
    # at validation): away three months counts once, in the month they absconded; away, back
    # and away again later counts twice. A row-value NOT IN over the flagged person-months
    # (uncorrelated, so the unaliased drill-down can use the same text; both columns are
    # required, never NULL): SQLite builds it once, PostgreSQL probes it for flagged rows only.
    _m("nc_absconded", "脱管人数", "人", "nc_person", "stat_month",
       "absconded = 1 AND (person_no, prev_month) NOT IN "
       "(SELECT person_no, stat_month FROM stg_nc_person WHERE absconded = 1)", reads_back=1),
    _m("nc_bail_amount", "新增保证金", "元", "nc_person", "stat_month",
       "start_month = stat_month AND bail_amount IS NOT NULL", expr="bail_amount"),
    _m("nc_checkin_due", "应打卡次数", "次", "nc_event", "occurred_month", "kind = '打卡'"),
    _m("nc_checkin_done", "实际打卡次数", "次", "nc_event", "occurred_month", "kind = '打卡' AND result = '已打卡'"),
    _m("nc_summons", "在线传唤次数", "次", "nc_event", "occurred_month", "kind = '传唤'"),
    _m("nc_summons_on_time", "按时到案次数", "次", "nc_event", "occurred_month", "kind = '传唤' AND result = '按时到案'"),
    _m("nc_warnings", "预警数", "条", "nc_event", "occurred_month", "kind = '预警'", sparse=True),
    _m("nc_warnings_in_time", "规定时限内处置的预警数", "条", "nc_event", "occurred_month",
       f"kind = '预警' AND handle_minutes IS NOT NULL AND handle_minutes <= {WARNING_DEADLINE_MINUTES}"),
    _m("nc_warnings_abscond", "脱管预警数", "条", "nc_event", "occurred_month",
       "kind = '预警' AND warning_type = '脱管预警'"),
    # 认罪认罚同步录音录像 (plea hearings)
    _m("plea_statements", "认罪认罚具结书数", "件", "plea", "signed_month"),
    _m("plea_recorded", "有同步录音录像的具结书数", "件", "plea", "signed_month", "recorded = 1"),
    _m("plea_remote", "远程听取意见数", "件", "plea", "signed_month", "hearing_mode = '远程'"),
    _m("plea_efp_returned", "电子捺印文书回传数", "件", "plea", "signed_month", "efp_returned = 1"),
    # 未检 (juvenile)
    _m("juv_concluded", "审结未成年人数", "人", "juvenile", "concluded_month"),
    _m("juv_conditional", "附条件不起诉人数", "人", "juvenile", "concluded_month", "outcome = '附条件不起诉'"),
    _m("juv_not_prosecuted", "未成年人不起诉人数", "人", "juvenile", "concluded_month", "outcome = '不起诉'"),
    _m("juv_survey", "开展社会调查人数", "人", "juvenile", "concluded_month", "social_survey = 1"),
    # 平台和模型 (the registry)
    _m("platforms_launched", "上线综合分析平台数", "个", "registry", "launch_month",
       "category = '综合分析平台'", time_agg="cumulative"),
    _m("models_launched", "上线法律监督模型数", "个", "registry", "launch_month",
       "category = '法律监督模型'", time_agg="cumulative"),
    _m("records_collected", "采集数据量", "条", "collection", "stat_month", expr="records", by_model=True),
    # 线索 (clues found by the models)
    _m("clue_found", "发现监督线索数", "条", "clue", "found_month", by_model=True),
    _m("clue_verified", "已核查线索数", "条", "clue", "found_month", "status IN ('属实', '不属实')", by_model=True),
    _m("clue_substantiated", "核查属实（成案）线索数", "条", "clue", "found_month", "status = '属实'", by_model=True),
    _m("clue_corrected", "监督纠正违法案件数", "件", "clue", "found_month", "outcome = '监督纠正违法'", by_model=True),
    _m("clue_duty_crime", "移送职务犯罪线索（人）", "人", "clue", "found_month", "outcome = '移送职务犯罪线索'",
       by_model=True),
    _m("clue_back_to_school", "帮助失学儿童重新入学人数", "人", "clue", "found_month", "outcome = '督促复学'",
       by_model=True),
    # a clue's path (PRACTICE §3), booked in the month the clue was found (a cohort)
    _m("clue_cased", "成案线索数", "条", "clue", "found_month", "case_date IS NOT NULL", by_model=True),
    _m("clue_documented", "已制发监督文书的线索数", "条", "clue", "found_month", "doc_date IS NOT NULL",
       by_model=True),
    _m("clue_rectified", "已整改线索数", "条", "clue", "found_month", "rectified = 1", by_model=True),
    _m("clue_dropped", "核查不属实线索数", "条", "clue", "found_month", "status = '不属实'", by_model=True),
    # 督办: booked in the month case management pressed the clue
    _m("clue_pressed", "督办线索数", "条", "clue", "pressed_month", "pressed_date IS NOT NULL", by_model=True),
    # 法律监督案件 by how their source came (三个结构比 ③), booked in the month opened
    _m("sup_cases", "法律监督案件数", "件", "sup_case", "opened_month"),
    _m("sup_cases_procedure", "依程序移送的监督案件数", "件", "sup_case", "opened_month", "origin = '依程序移送'"),
    _m("sup_cases_application", "依申请的监督案件数", "件", "sup_case", "opened_month", "origin = '依申请'"),
    _m("sup_cases_initiative", "主动发现的监督案件数", "件", "sup_case", "opened_month", "origin = '主动发现'"),
    _m("sup_cases_big_data", "大数据线索成案数", "件", "sup_case", "opened_month", "big_data = 1"),
    # 检察建议 (procuratorial suggestions)
    _m("sugg_issued", "制发检察建议数", "件", "suggestion", "issued_month", by_model=True),
    _m("sugg_adopted", "检察建议被采纳数", "件", "suggestion", "issued_month", "adopted = 1", by_model=True),
    _m("sugg_rectified", "检察建议已整改数", "件", "suggestion", "issued_month", "rectified = 1"),
    _m("sugg_replied", "检察建议已回复数", "件", "suggestion", "issued_month", "replied_date IS NOT NULL"),
    _m("sugg_due", "到期应回复的检察建议数", "件", "suggestion", "due_month"),
    _m("sugg_replied_in_time", "按期（2个月内）回复数", "件", "suggestion", "due_month",
       "replied_date IS NOT NULL AND replied_date <= due_date"),
    _m("sugg_revisited", "已回头看的检察建议数", "件", "suggestion", "issued_month", "revisit_date IS NOT NULL"),
    _m("sugg_revisit_ok", "回头看整改到位的检察建议数", "件", "suggestion", "issued_month",
       "revisit_result = '整改到位'"),
)

MEASURE_BY_ID: dict[str, Measure] = {m.id: m for m in MEASURES}
