"""Metrics: every indicator the cockpit shows, declared once with its 口径 and its meaning.

A metric is one measure (a count), a ratio of two measures, or a measure per 10万 常住人口. A
ratio is always computed as sum(numerator) ÷ sum(denominator) at the grain asked for — over the
units and the months of the period — and never as an average of rates.

Beside its 口径 each metric declares what its number means, and every page, export, test and
the wall derive their behaviour from that one declaration:

- `kind`: rate (比率), per_capita (每10万常住人口), count (工作量指标), stock (存量，取期末),
  cumulative (累计). Only rates and per-capita rates compare offices fairly: counts, stocks and
  cumulative figures depend on an office's size, so they never get a rank, an 优劣 colour or
  最好/最差 (`comparable`).
- `direction`: higher / lower / policy (higher is the policy aim, 少捕慎诉) / neutral (不评优劣).
  A count, stock or cumulative figure is always neutral.
- `maturity_months`: a cohort indicator booked in the month its cases began (线索 by the month
  found, 检察建议 by the month issued) is not final until its cases have run their course. The
  last `maturity_months` months up to the data month are immature (`immature_label`, e.g.
  核查中): shown with that mark, kept out of 同比/环比, ranks, medians and alerts.
- `min_sample`: for a rate, the smallest denominator whose value takes part in comparisons
  (below it the value is shown with 样本少 and is not ranked, not in the median, not compared);
  for a count, the smallest base whose change is shown in % (below it the change is absolute).
- `bounded`: a % rate that cannot exceed 100 % in meaning; a cell whose numerator exceeds its
  denominator (different cohorts in one month) is 不适用, not 325 %.
- `short`, `group`, `order`: the tile label, the domain it is listed under and its place there.
- `wall`: the wall panels it appears on (cockpit/screen/spec.py reads them); `core`: one of the
  core indicators of the overview, the county page and the wall's trends.

Every page, export and test reads these declarations; nothing else writes a formula.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace

from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.platforms import PLATFORM_BY_ID

HIGHER, LOWER, POLICY, NEUTRAL = "higher", "lower", "policy", "neutral"
DIRECTION_LABEL = {HIGHER: "越高越好", LOWER: "越低越好", POLICY: "政策导向：宜高（少捕慎诉）",
                   NEUTRAL: "不评优劣"}

RATE, PER_CAPITA, COUNT, STOCK, CUMULATIVE = "rate", "per_capita", "count", "stock", "cumulative"
KIND_LABEL = {RATE: "比率", PER_CAPITA: "每10万常住人口比率", COUNT: "工作量指标（不评优劣）",
              STOCK: "存量指标（取期末，不评优劣）", CUMULATIVE: "累计数（不评优劣）"}
COMPARABLE_KINDS = (RATE, PER_CAPITA)
PER_CAPITA_BASIS = 100_000  # persons; populations are in 万 (units.Unit.population)

# The domains the catalog is listed under, in menu order.
GROUP_LABEL = {"arrest": "审查逮捕", "prosecution": "审查起诉", "noncustody": "非羁押诉讼",
               "plea": "认罪认罚同录", "juvenile": "未成年人检察", "models": "数字检察监督",
               "cases": "监督案件来源"}


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    definition: str                  # 口径, in Chinese, as published
    numerator: str                   # measure id
    denominator: str | None = None   # measure id; None = a plain count or a per-capita rate
    unit: str = "%"                  # %, 人, 件, 次, 条, 个, 天, 万元, 人/10万人
    scale: float = 100.0             # value = scale × numerator ÷ denominator (or × numerator)
    direction: str = HIGHER          # higher | lower | policy | neutral
    platform: str = "case"           # cockpit.metrics.platforms id; its launch month applies
    national: dict[int, float] = field(default_factory=dict)  # national reference by year
    target: float | None = None
    core: bool = False               # one of the core indicators (overview, county page, wall)
    decimals: int = 1
    kind: str = ""                   # rate | per_capita | count | stock | cumulative ("" = derived)
    short: str = ""                  # tile label ("" = name)
    group: str = ""                  # GROUP_LABEL key (set by the section it is declared in)
    order: int = 0                   # place in the catalog (set below)
    maturity_months: int = 0         # the last N months up to the data month are immature
    immature_label: str = "核查中"
    min_sample: int = 0              # rates: minimum denominator; counts: minimum base for a % change
    bounded: bool | None = None      # a % rate that cannot exceed 100 % (None = derived: % rates)
    wall: tuple[str, ...] = ()       # wall panels (cockpit/screen/spec.py)

    def __post_init__(self):
        if not self.kind:
            if self.denominator:
                kind = RATE
            else:
                agg = MEASURE_BY_ID[self.numerator].time_agg
                kind = {"last": STOCK, "cumulative": CUMULATIVE}.get(agg, COUNT)
            object.__setattr__(self, "kind", kind)
        if self.kind not in KIND_LABEL:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}")
        if self.kind not in COMPARABLE_KINDS and self.direction != NEUTRAL:
            raise ValueError(f"{self.id}: a {self.kind} cannot be better or worse (direction must be neutral)")
        if self.kind == PER_CAPITA and self.denominator:
            raise ValueError(f"{self.id}: a per-capita rate divides by the population, not a measure")
        if self.bounded is None:
            object.__setattr__(self, "bounded", self.kind == RATE and self.unit == "%")
        if not self.short:
            object.__setattr__(self, "short", self.name)
        if self.direction not in DIRECTION_LABEL:
            raise ValueError(f"{self.id}: unknown direction {self.direction!r}")

    @property
    def is_ratio(self) -> bool:
        """A rate of two measures or a per-capita rate: a value that compares offices of any size."""
        return self.kind in COMPARABLE_KINDS

    @property
    def comparable(self) -> bool:
        """May be ranked, coloured better/worse and compared with the median (a rate with a direction)."""
        return self.kind in COMPARABLE_KINDS and self.direction != NEUTRAL

    @property
    def per_capita(self) -> bool:
        return self.kind == PER_CAPITA

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
    def kind_label(self) -> str:
        return KIND_LABEL[self.kind]

    @property
    def direction_label(self) -> str:
        return DIRECTION_LABEL[self.direction]

    @property
    def group_label(self) -> str:
        return GROUP_LABEL.get(self.group, "")

    @property
    def formula(self) -> str:
        num = MEASURE_BY_ID[self.numerator].name
        if self.kind == PER_CAPITA:
            return f"{num} ÷ 常住人口 × 10万"
        if not self.denominator:
            return num
        den = MEASURE_BY_ID[self.denominator].name
        return f"{num} ÷ {den}" + (" × 100%" if self.unit == "%" else "")

    @property
    def maturity_text(self) -> str:
        if not self.maturity_months:
            return ""
        return (f"最近{self.maturity_months}个月的数据仍在办理中，标注“{self.immature_label}”，"
                "不参与同比、环比、排名和预警。")

    @property
    def min_sample_text(self) -> str:
        if not self.min_sample:
            return ""
        if self.kind in COMPARABLE_KINDS:
            return f"分母不足{self.min_sample}的，标注“样本少”，不参与排名和比较。"
        return f"基数不足{self.min_sample}的，变化以绝对数表示。"


def _ratio(id, name, definition, num, den, **kw) -> Metric:
    kw.setdefault("min_sample", 20)
    return Metric(id, name, definition, num, den, **kw)


def _count(id, name, definition, measure, unit, **kw) -> Metric:
    kw.setdefault("scale", 1.0)
    kw.setdefault("decimals", 0)
    kw.setdefault("direction", NEUTRAL)
    kw.setdefault("min_sample", 10)
    return Metric(id, name, definition, measure, None, unit=unit, **kw)


def _per_capita(id, name, definition, measure, **kw) -> Metric:
    kw.setdefault("scale", 1.0)
    kw.setdefault("decimals", 1)
    return Metric(id, name, definition, measure, None, unit="人/10万人", kind=PER_CAPITA, **kw)


def _group(group: str, *metrics: Metric) -> tuple[Metric, ...]:
    return tuple(replace(m, group=group) for m in metrics)


_METRICS: tuple[Metric, ...] = (
    *_group(
        "arrest",
        _ratio("non_arrest_rate", "不捕率",
               "不批准逮捕人数 ÷（批准逮捕人数 + 不批准逮捕人数），按审结日期统计。",
               "arrest_not_approved", "arrest_decided", direction=POLICY,
               national={2018: 22.1, 2022: 43.4}, core=True, wall=("P01", "county")),
        _ratio("pretrial_detention_rate", "诉前羁押率",
               "批准和决定逮捕人数 ÷（提起公诉人数 + 不起诉人数），分子按审查逮捕审结日期、分母按审查起诉审结日期统计。"
               "（审查逮捕导出中的“批准逮捕”含自侦案件决定逮捕。）分子分母不是同一批人：某单位某月分子大于分母时"
               "（多见于办案量很小的市院本级），该格标注“不适用”，不显示超过100%的数值。",
               "arrest_approved", "pros_concluded", direction=LOWER,
               national={2018: 54.9, 2021: 42.7, 2022: 26.7}, core=True, wall=("P01", "county")),
        _ratio("assessment_coverage", "社会危险性评估覆盖率",
               "已开展社会危险性量化评估的人数 ÷ 审查逮捕审结人数。目标100%。",
               "arrest_assessed", "arrest_concluded", platform="P01", target=100.0, short="评估覆盖率",
               wall=("P01",)),
        _ratio("assessment_consistency", "评估与决定一致率",
               "逮捕决定与评估等级建议一致的人数 ÷ 已评估人数。评估等级“高”建议羁押（批准逮捕），"
               "“低”“中”建议非羁押（不批准逮捕）。",
               "arrest_consistent", "arrest_assessed", platform="P01", short="评估一致率", wall=("P01",)),
        _ratio("review_days_avg", "审查逮捕平均办案天数",
               "Σ（审结日期 − 受理日期）÷ 审查逮捕审结人数。法定期限7日。",
               "arrest_review_days", "arrest_concluded", unit="天", scale=1.0, direction=LOWER, target=7.0,
               short="平均办案天数", wall=("P01+",)),
        _per_capita("arrests_per_100k", "每十万人口批准逮捕人数",
                    "批准（决定）逮捕人数 ÷ 常住人口（2020年第七次人口普查）× 10万，按审结日期统计。"
                    "市院本级没有对应的辖区人口，不单独计算；全市 = 全市两级院批准逮捕人数 ÷ 全市常住人口。"
                    "按人口折算后可在大小不同的县区之间比较，但多少不评优劣。",
                    "arrest_approved", direction=NEUTRAL, short="万人批捕数"),
        _count("arrest_concluded", "审查逮捕审结人数", "审查逮捕案件审结的犯罪嫌疑人人数，按审结日期统计。",
               "arrest_concluded", "人", short="审查逮捕审结", wall=("P01+",)),
        _count("arrest_approved", "批准逮捕人数", "审查后批准（决定）逮捕的犯罪嫌疑人人数。", "arrest_approved", "人"),
        _count("arrest_assessed", "已量化评估人数", "审查逮捕中完成60项指标社会危险性量化评估的人数。",
               "arrest_assessed", "人", platform="P01", short="量化评估人数", wall=("P01+",)),
    ),
    *_group(
        "prosecution",
        _ratio("non_prosecution_rate", "不诉率", "不起诉人数 ÷（提起公诉人数 + 不起诉人数）。",
               "pros_not_indicted", "pros_concluded", direction=POLICY, national={2018: 7.7, 2022: 26.3},
               wall=("P03+",)),
        _ratio("plea_rate", "认罪认罚从宽适用率", "适用认罪认罚从宽制度审结人数 ÷ 审查起诉审结人数。",
               "pros_plea", "pros_concluded", national={2020: 86.8, 2023: 90.0}, core=True, short="认罪认罚适用率",
               wall=("P03", "county")),
        _ratio("fixed_rec_rate", "确定刑量刑建议提出率", "提出确定刑量刑建议数 ÷ 提出量刑建议数。",
               "pros_rec_fixed", "pros_rec", target=90.0, short="确定刑建议率", wall=("P03+",)),
        _ratio("rec_adoption_rate", "量刑建议采纳率",
               "法院采纳量刑建议人数 ÷ 提出量刑建议且法院已判决人数（按审查起诉审结月统计；尚未判决的不计入分子分母，"
               "故最近几个月的人数会随判决陆续增加）。",
               "pros_rec_adopted", "pros_rec_judged", target=95.0, core=True, wall=("P01+", "P03+", "county")),
        _ratio("post_arrest_non_prosecution_rate", "捕后不诉率", "捕后不起诉人数 ÷ 捕后审查起诉审结人数。",
               "post_arrest_not_indicted", "post_arrest_concluded", direction=LOWER),
        _ratio("post_arrest_light_rate", "捕后判轻刑率",
               "逮捕后被判处管制、拘役、缓刑、单处附加刑或免予刑事处罚的人数 ÷ 逮捕后已判决人数。",
               "post_arrest_light", "post_arrest_judged", direction=LOWER),
        _count("pros_concluded", "审查起诉审结人数", "审查起诉审结的人数（提起公诉 + 不起诉）。", "pros_concluded", "人"),
    ),
    *_group(
        "noncustody",
        _count("nc_under_supervision", "在管人数",
               "期末仍处于取保候审、监视居住措施下、由平台监管的人数。存量：季度、年度取期末月，不跨月相加。",
               "nc_under_supervision", "人", platform="P02", core=True, wall=("P02", "county")),
        _count("nc_new", "新增非羁押人数", "期内新决定取保候审、监视居住并纳入平台监管的人数。", "nc_new", "人",
               platform="P02", short="新增非羁押", wall=("P02+",)),
        _ratio("checkin_rate", "非羁押打卡率", "实际打卡次数 ÷ 应打卡次数。", "nc_checkin_done", "nc_checkin_due",
               platform="P02", core=True, wall=("P02", "county")),
        _ratio("warning_handled_rate", "预警及时处置率", "规定时限（24小时）内处置的预警数 ÷ 预警总数。",
               "nc_warnings_in_time", "nc_warnings", platform="P02", short="及时处置率", wall=("P02",)),
        _ratio("summons_rate", "传唤到案率", "按时到案次数 ÷ 在线传唤次数。", "nc_summons_on_time", "nc_summons",
               platform="P02", wall=("P02+",)),
        _ratio("abscond_rate", "脱管率",
               "期内脱管人数 ÷ 期末在管人数。脱管人数按人计：一人连续多月脱管，只在脱管当月计1人。"
               "分子是期内累计（流量）、分母是期末存量，故年度值约为月度值的12倍，只与同长度的期间比较。目标为0。",
               "nc_absconded", "nc_under_supervision", direction=LOWER, platform="P02", target=0.0, decimals=2,
               wall=("P02+",)),
        _count("nc_warnings", "预警数", "平台发出的越界、未打卡、脱管预警条数。", "nc_warnings", "条",
               platform="P02", wall=("P02",)),
        _count("nc_bail_amount", "新增保证金", "期内新决定取保候审人员缴纳的保证金合计（提存）。", "nc_bail_amount",
               "万元", scale=1 / 10000, platform="P02", decimals=1, wall=("P02+",)),
    ),
    *_group(
        "plea",
        _ratio("recording_coverage", "同录覆盖率", "有同步录音录像的认罪认罚具结书数 ÷ 认罪认罚具结书总数。要求全覆盖。",
               "plea_recorded", "plea_statements", platform="P03", target=100.0, core=True, wall=("P03", "county")),
        _ratio("remote_hearing_share", "远程听取意见占比", "远程听取意见数 ÷ 听取意见总数（具结书数）。",
               "plea_remote", "plea_statements", platform="P03", short="远程听取意见", wall=("P03",)),
        _ratio("efp_return_rate", "电子捺印回传率", "电子捺印文书一键回传数 ÷ 认罪认罚具结书数。",
               "plea_efp_returned", "plea_statements", platform="P03", short="电子捺印回传", wall=("P03",)),
        _count("plea_statements", "认罪认罚具结书数", "签署认罪认罚具结书的件数。", "plea_statements", "件",
               platform="P03", short="具结书", wall=("P03+",)),
    ),
    *_group(
        "juvenile",
        _ratio("conditional_non_prosecution_rate", "附条件不起诉率", "附条件不起诉人数 ÷ 审结未成年人数。",
               "juv_conditional", "juv_concluded", direction=POLICY, platform="P04", short="附条件不起诉率",
               wall=("P04",)),
        _ratio("social_survey_rate", "社会调查开展率", "开展社会调查的人数 ÷ 审结未成年人数。",
               "juv_survey", "juv_concluded", platform="P04", short="社会调查率", wall=("P04",)),
        _count("juv_concluded", "审结未成年人数", "审查起诉审结的未成年犯罪嫌疑人人数。", "juv_concluded", "人",
               platform="P04", short="审结未成年人", wall=("P04",)),
    ),
    *_group(
        "models",
        _count("platforms", "综合分析平台", "截至期末已建成上线的综合分析平台数（累计）。", "platforms_launched", "个",
               platform="models", wall=("headline",)),
        _count("models", "数字检察监督模型", "截至期末已建成上线的法律监督模型数（累计）。", "models_launched", "个",
               platform="models", short="监督模型", wall=("headline",)),
        _count("records_collected", "采集数据", "各模型从政府、司法机关、企业等采集归集的数据条数。", "records_collected",
               "条", platform="models", wall=("headline",)),
        _count("clues", "监督线索", "数字检察监督模型发现的法律监督线索数，按发现日期统计。", "clue_found", "条",
               platform="models", wall=("headline", "county")),
        _ratio("clue_verification_rate", "线索核查率",
               "已核查线索数 ÷ 发现线索数，按线索发现月统计（同一批线索）。",
               "clue_verified", "clue_found", platform="models", maturity_months=3, immature_label="核查中",
               wall=("models",)),
        _ratio("clue_case_rate", "线索成案率",
               "成案线索数 ÷ 已核查线索数，按线索发现月统计（同一批线索）。即模型的精准率：核查过的线索中有多少"
               "成为监督案件；核查属实但未立监督案件（另行处理）的不计入成案。",
               "clue_cased", "clue_verified", platform="models", maturity_months=3, immature_label="核查中",
               wall=("models",)),
        _ratio("clue_drop_rate", "线索不属实率",
               "核查不属实的线索数 ÷ 已核查线索数，按线索发现月统计（同一批线索）。即模型线索中经核查被排除的比例，"
               "原因见各模型页面的“不属实原因”。结构指标，不评优劣。",
               "clue_dropped", "clue_verified", direction=NEUTRAL, platform="models", maturity_months=3,
               immature_label="核查中", short="不属实率"),
        _count("clues_pressed", "督办线索", "案件管理部门对超过办理期限的线索发出督办（流程监控通知）的条数，按督办日期统计。"
               "期限见线索办理期限规则（系统配置的各环节办理期限）。",
               "clue_pressed", "条", platform="models", short="督办线索", wall=("clues",)),
        _count("suggestions", "检察建议", "制发的检察建议份数，按发出日期统计。", "sugg_issued", "件", platform="models",
               wall=("headline",)),
        _ratio("suggestion_reply_rate", "检察建议回复率",
               "在2个月内回复的检察建议数 ÷ 回复期限届满的检察建议数，按回复期限（发出日期 + 2个月）所在月统计；"
               "回复日期不晚于期限当日即为按期。",
               "sugg_replied_in_time", "sugg_due", platform="models", wall=("models",)),
        _ratio("suggestion_adoption_rate", "检察建议采纳率",
               "被采纳的检察建议数 ÷ 制发的检察建议数，按发出月统计（同一批建议）。被建议单位有2个月回复期，"
               "期间尚未答复的不算采纳。",
               "sugg_adopted", "sugg_issued", platform="models", maturity_months=3, immature_label="办理中",
               wall=("models",)),
        _count("children_back_to_school", "失学儿童重新入学", "经“控辍保学”等模型督促重新入学的失学儿童人数，按线索发现月统计。",
               "clue_back_to_school", "人", platform="models", maturity_months=3, immature_label="办理中",
               short="失学儿童复学", wall=("headline", "P04")),
        _count("duty_crime_transfers", "移送职务犯罪", "经模型发现并移送的职务犯罪案件（人），按线索发现月统计。",
               "clue_duty_crime", "人", platform="models", maturity_months=3, immature_label="办理中",
               wall=("headline",)),
        _count("corrected_cases", "监督纠正违法", "经模型发现、监督纠正的违法案件数，按线索发现月统计。",
               "clue_corrected", "件", platform="models", maturity_months=3, immature_label="办理中",
               wall=("headline",)),
        _ratio("suggestion_revisit_rate", "回头看整改到位率",
               "回头看认定整改到位的检察建议数 ÷ 已回头看的检察建议数，按发出月统计（同一批建议）。"
               "回头看在回复后3至6个月进行，近期发出的建议尚未回头看。",
               "sugg_revisit_ok", "sugg_revisited", platform="models", maturity_months=9, immature_label="办理中",
               short="回头看到位率"),
    ),
    *_group(
        "cases",
        _count("sup_cases", "法律监督案件", "立案办理的法律监督案件数，按立案日期统计。", "sup_cases", "件",
               platform="models"),
        _ratio("big_data_case_share", "大数据线索成案占比",
               "来源于大数据法律监督模型线索的监督案件数 ÷ 法律监督案件总数，按立案日期统计（数字检察贡献率的组成部分）。",
               "sup_cases_big_data", "sup_cases", platform="models", short="大数据成案占比"),
        _ratio("case_source_procedure", "依程序移送案件占比",
               "依程序移送的监督案件数 ÷ 法律监督案件总数（三个结构比之案件来源结构）。结构指标，不评优劣。",
               "sup_cases_procedure", "sup_cases", direction=NEUTRAL, platform="models", short="依程序移送"),
        _ratio("case_source_application", "依申请案件占比",
               "依当事人申请的监督案件数 ÷ 法律监督案件总数（三个结构比之案件来源结构）。结构指标，不评优劣。",
               "sup_cases_application", "sup_cases", direction=NEUTRAL, platform="models", short="依申请"),
        _ratio("case_source_initiative", "主动发现案件占比",
               "检察机关依职权主动发现的监督案件数（含大数据模型线索）÷ 法律监督案件总数（三个结构比之案件来源结构）。"
               "结构指标，不评优劣。",
               "sup_cases_initiative", "sup_cases", direction=NEUTRAL, platform="models", short="主动发现"),
    ),
)



def _local_metrics() -> tuple[Metric, ...]:
    """Indicators declared outside this file: `COCKPIT_EXTRA_METRICS` names modules (comma
    separated) whose `METRICS` tuples are appended to the catalog — a province's own ratios of
    existing measures, declared once, with no other code to change. The tests use it to prove
    that one declaration reaches every page, the export and the wall."""
    out: list[Metric] = []
    for name in filter(None, (x.strip() for x in os.environ.get("COCKPIT_EXTRA_METRICS", "").split(","))):
        out.extend(importlib.import_module(name).METRICS)
    return tuple(out)


METRICS: tuple[Metric, ...] = tuple(replace(m, order=i) for i, m in enumerate(_METRICS + _local_metrics()))
METRIC_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}
CORE_METRICS: tuple[str, ...] = tuple(m.id for m in METRICS if m.core)
GROUPS: dict[str, tuple[str, ...]] = {g: tuple(m.id for m in METRICS if m.group == g) for g in GROUP_LABEL}


def on_wall(panel: str) -> tuple[str, ...]:
    """The metrics placed on a wall panel, in catalog order."""
    return tuple(m.id for m in METRICS if panel in m.wall)


assert len(METRIC_BY_ID) == len(METRICS), "a metric id is declared twice"
assert all(m.group in GROUP_LABEL for m in METRICS), "a metric is outside every group"
