"""Metrics: every indicator the cockpit shows, declared once with its 口径.

A metric is either one measure (a count) or a ratio of two measures. A ratio is always
computed as sum(numerator) ÷ sum(denominator) at the grain asked for — over the units and the
months of the period — and never as an average of rates. Every page, export and test reads
these declarations; nothing else writes a formula.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.platforms import PLATFORM_BY_ID

HIGHER, LOWER, POLICY = "higher", "lower", "policy"
DIRECTION_LABEL = {HIGHER: "越高越好", LOWER: "越低越好", POLICY: "政策导向：宜高"}


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    definition: str                  # 口径, in Chinese, as published
    numerator: str                   # measure id
    denominator: str | None = None   # measure id; None = a plain count
    unit: str = "%"                  # %, 人, 件, 次, 条, 个, 天, 万元
    scale: float = 100.0             # value = scale × numerator ÷ denominator (or × numerator)
    direction: str = HIGHER          # higher | lower | policy (policy: higher is the policy aim)
    platform: str = "case"           # cockpit.metrics.platforms id; its launch month applies
    national: dict[int, float] = field(default_factory=dict)  # national reference by year
    target: float | None = None
    core: bool = False               # one of the core indicators (wall, overview)
    decimals: int = 1

    @property
    def is_ratio(self) -> bool:
        return self.denominator is not None

    @property
    def launch(self) -> str:
        return PLATFORM_BY_ID[self.platform].launch

    @property
    def measures(self) -> tuple[str, ...]:
        return (self.numerator,) + ((self.denominator,) if self.denominator else ())

    @property
    def better_when_higher(self) -> bool:
        return self.direction in (HIGHER, POLICY)

    @property
    def formula(self) -> str:
        num = MEASURE_BY_ID[self.numerator].name
        if not self.denominator:
            return num
        den = MEASURE_BY_ID[self.denominator].name
        return f"{num} ÷ {den}" + (" × 100%" if self.unit == "%" else "")


def _ratio(id, name, definition, num, den, **kw) -> Metric:
    return Metric(id, name, definition, num, den, **kw)


def _count(id, name, definition, measure, unit, **kw) -> Metric:
    kw.setdefault("scale", 1.0)
    kw.setdefault("decimals", 0)
    return Metric(id, name, definition, measure, None, unit=unit, **kw)


METRICS: tuple[Metric, ...] = (
    # --- 审查逮捕 -----------------------------------------------------------------------------
    _ratio("non_arrest_rate", "不捕率",
           "不批准逮捕人数 ÷（批准逮捕人数 + 不批准逮捕人数），按审结日期统计。",
           "arrest_not_approved", "arrest_decided", direction=POLICY,
           national={2018: 22.1, 2022: 43.4}, core=True),
    _ratio("pretrial_detention_rate", "诉前羁押率",
           "批准和决定逮捕人数 ÷（提起公诉人数 + 不起诉人数），分子按审查逮捕审结日期、分母按审查起诉审结日期统计。"
           "（审查逮捕导出中的“批准逮捕”含自侦案件决定逮捕。）",
           "arrest_approved", "pros_concluded", direction=LOWER,
           national={2018: 54.9, 2021: 42.7, 2022: 26.7}, core=True),
    _ratio("assessment_coverage", "社会危险性评估覆盖率",
           "已开展社会危险性量化评估的人数 ÷ 审查逮捕审结人数。目标100%。",
           "arrest_assessed", "arrest_concluded", platform="P01", target=100.0),
    _ratio("assessment_consistency", "评估与决定一致率",
           "逮捕决定与评估等级建议一致的人数 ÷ 已评估人数。评估等级“高”建议羁押（批准逮捕），"
           "“低”“中”建议非羁押（不批准逮捕）。",
           "arrest_consistent", "arrest_assessed", platform="P01"),
    _ratio("review_days_avg", "审查逮捕平均办案天数",
           "Σ（审结日期 − 受理日期）÷ 审查逮捕审结人数。法定期限7日。",
           "arrest_review_days", "arrest_concluded", unit="天", scale=1.0, direction=LOWER, target=7.0),
    _count("arrest_concluded", "审查逮捕审结人数", "审查逮捕案件审结的犯罪嫌疑人人数，按审结日期统计。",
           "arrest_concluded", "人"),
    _count("arrest_approved", "批准逮捕人数", "审查后批准（决定）逮捕的犯罪嫌疑人人数。", "arrest_approved", "人",
           direction=LOWER),
    _count("arrest_assessed", "已量化评估人数", "审查逮捕中完成60项指标社会危险性量化评估的人数。",
           "arrest_assessed", "人", platform="P01"),
    # --- 审查起诉 -----------------------------------------------------------------------------
    _ratio("non_prosecution_rate", "不诉率", "不起诉人数 ÷（提起公诉人数 + 不起诉人数）。",
           "pros_not_indicted", "pros_concluded", direction=POLICY, national={2018: 7.7, 2022: 26.3}),
    _ratio("plea_rate", "认罪认罚从宽适用率", "适用认罪认罚从宽制度审结人数 ÷ 审查起诉审结人数。",
           "pros_plea", "pros_concluded", national={2020: 86.8, 2023: 90.0}, core=True),
    _ratio("fixed_rec_rate", "确定刑量刑建议提出率", "提出确定刑量刑建议数 ÷ 提出量刑建议数。",
           "pros_rec_fixed", "pros_rec", target=90.0),
    _ratio("rec_adoption_rate", "量刑建议采纳率",
           "法院采纳量刑建议人数 ÷ 提出量刑建议且法院已判决人数（按审查起诉审结月统计；尚未判决的不计入分子分母，"
           "故最近几个月的人数会随判决陆续增加）。",
           "pros_rec_adopted", "pros_rec_judged", target=95.0, core=True),
    _ratio("post_arrest_non_prosecution_rate", "捕后不诉率", "捕后不起诉人数 ÷ 捕后审查起诉审结人数。",
           "post_arrest_not_indicted", "post_arrest_concluded", direction=LOWER),
    _ratio("post_arrest_light_rate", "捕后判轻刑率",
           "逮捕后被判处管制、拘役、缓刑、单处附加刑或免予刑事处罚的人数 ÷ 逮捕后已判决人数。",
           "post_arrest_light", "post_arrest_judged", direction=LOWER),
    _count("pros_concluded", "审查起诉审结人数", "审查起诉审结的人数（提起公诉 + 不起诉）。", "pros_concluded", "人"),
    # --- 非羁押诉讼 ---------------------------------------------------------------------------
    _count("nc_under_supervision", "在管人数", "期末仍处于取保候审、监视居住措施下、由平台监管的人数（存量，取期末月）。",
           "nc_under_supervision", "人", platform="P02", core=True),
    _count("nc_new", "新增非羁押人数", "期内新决定取保候审、监视居住并纳入平台监管的人数。", "nc_new", "人",
           platform="P02"),
    _ratio("checkin_rate", "非羁押打卡率", "实际打卡次数 ÷ 应打卡次数。", "nc_checkin_done", "nc_checkin_due",
           platform="P02", core=True),
    _ratio("warning_handled_rate", "预警及时处置率", "规定时限（24小时）内处置的预警数 ÷ 预警总数。",
           "nc_warnings_in_time", "nc_warnings", platform="P02"),
    _ratio("summons_rate", "传唤到案率", "按时到案次数 ÷ 在线传唤次数。", "nc_summons_on_time", "nc_summons",
           platform="P02"),
    _ratio("abscond_rate", "脱管率", "期内脱管人数 ÷ 期末在管人数。目标为0。", "nc_absconded",
           "nc_under_supervision", direction=LOWER, platform="P02", target=0.0, decimals=2),
    _count("nc_warnings", "预警数", "平台发出的越界、未打卡、脱管预警条数。", "nc_warnings", "条",
           direction=LOWER, platform="P02"),
    _count("nc_bail_amount", "新增保证金", "期内新决定取保候审人员缴纳的保证金合计（提存）。", "nc_bail_amount",
           "万元", scale=1 / 10000, platform="P02", decimals=1),
    # --- 认罪认罚同步录音录像 -------------------------------------------------------------------
    _ratio("recording_coverage", "同录覆盖率", "有同步录音录像的认罪认罚具结书数 ÷ 认罪认罚具结书总数。要求全覆盖。",
           "plea_recorded", "plea_statements", platform="P03", target=100.0, core=True),
    _ratio("remote_hearing_share", "远程听取意见占比", "远程听取意见数 ÷ 听取意见总数（具结书数）。",
           "plea_remote", "plea_statements", platform="P03"),
    _ratio("efp_return_rate", "电子捺印回传率", "电子捺印文书一键回传数 ÷ 认罪认罚具结书数。",
           "plea_efp_returned", "plea_statements", platform="P03"),
    _count("plea_statements", "认罪认罚具结书数", "签署认罪认罚具结书的件数。", "plea_statements", "件", platform="P03"),
    # --- 未检 ---------------------------------------------------------------------------------
    _ratio("conditional_non_prosecution_rate", "附条件不起诉率", "附条件不起诉人数 ÷ 审结未成年人数。",
           "juv_conditional", "juv_concluded", direction=POLICY, platform="P04"),
    _ratio("social_survey_rate", "社会调查开展率", "开展社会调查的人数 ÷ 审结未成年人数。",
           "juv_survey", "juv_concluded", platform="P04"),
    _count("juv_concluded", "审结未成年人数", "审查起诉审结的未成年犯罪嫌疑人人数。", "juv_concluded", "人",
           platform="P04"),
    # --- 平台、模型、线索、检察建议 ---------------------------------------------------------------
    _count("platforms", "综合分析平台", "截至期末已建成上线的综合分析平台数（累计）。", "platforms_launched", "个",
           platform="models"),
    _count("models", "数字检察监督模型", "截至期末已建成上线的法律监督模型数（累计）。", "models_launched", "个",
           platform="models"),
    _count("records_collected", "采集数据", "各模型从政府、司法机关、企业等采集归集的数据条数。", "records_collected",
           "条", platform="models"),
    _count("clues", "监督线索", "数字检察监督模型发现的法律监督线索数，按发现日期统计。", "clue_found", "条",
           platform="models"),
    _ratio("clue_verification_rate", "线索核查率", "已核查线索数 ÷ 发现线索数。", "clue_verified", "clue_found",
           platform="models"),
    _ratio("clue_case_rate", "线索成案率", "核查属实（成案）线索数 ÷ 已核查线索数。", "clue_substantiated",
           "clue_verified", platform="models"),
    _count("suggestions", "检察建议", "制发的检察建议份数，按发出日期统计。", "sugg_issued", "件", platform="models"),
    _ratio("suggestion_reply_rate", "检察建议回复率", "在2个月内回复的检察建议数 ÷ 回复期限届满的检察建议数，按回复期限统计。",
           "sugg_replied_in_time", "sugg_due", platform="models"),
    _ratio("suggestion_adoption_rate", "检察建议采纳率", "被采纳的检察建议数 ÷ 制发的检察建议数。",
           "sugg_adopted", "sugg_issued", platform="models"),
    _count("children_back_to_school", "失学儿童重新入学", "经“控辍保学”等模型督促重新入学的失学儿童人数。",
           "clue_back_to_school", "人", platform="models"),
    _count("duty_crime_transfers", "移送职务犯罪", "经模型发现并移送的职务犯罪案件（人）。", "clue_duty_crime", "人",
           platform="models"),
    _count("corrected_cases", "监督纠正违法", "经模型发现、监督纠正的违法案件数。", "clue_corrected", "件",
           platform="models"),
)

METRIC_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
CORE_METRICS: tuple[str, ...] = tuple(m.id for m in METRICS if m.core)
