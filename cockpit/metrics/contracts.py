"""Source contracts: one export per upstream system.

Each contract lists the Chinese column headers exactly as the upstream system exports them,
the internal name each maps to, its type, whether it is required and its allowed values.
The staging table of a source (`stg_<id>`) has one column per contract column plus the
derived columns listed under `derived`, and the lineage columns `file_name` and `line_no`.
`docs/data-contracts.md` is the same contract for people; a test keeps the two in step.

Types:
  text      free text (trimmed; empty = missing)
  unit      a unit code of BRIEF §3 (six digits)
  date      a calendar date, in any of the spellings Chinese case systems export
            (2023-05-06, 2023/5/6, 2023年5月6日, 20230506, an Excel date cell)
  datetime  a date with a time of day (seconds optional)
  month     a statistics month (2023-05, 2023/05, 2023年5月, 202305)
  int       a non-negative whole number (counts, scores, amounts in 元)
  enum      one of `allowed`
  flag      是/否 (also accepted: Y/N, 1/0 — exactly the spellings in FLAG_SPELLINGS); stored as 1/0

Every column also declares the most characters a cell may hold (`max_length`) and the
characters it may not contain (`forbidden`, by default the control characters, NUL among them):
a cell breaking either is quarantined with a reason, on every database alike — PostgreSQL
refuses NUL in text and index entries over 2704 bytes, SQLite takes both, so without these
limits one row could fail a PostgreSQL load that SQLite accepts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# The spellings a 是/否 column accepts, and what each stands for; anything else is quarantined.
FLAG_SPELLINGS: dict[str, int] = {"是": 1, "否": 0, "Y": 1, "N": 0, "y": 1, "n": 0, "1": 1, "0": 0}
# Control characters (C0 except tab, line feed and carriage return, and DEL): no export writes
# them; NUL in particular cannot be stored in PostgreSQL text.
CONTROL_CHARS = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
MAX_LENGTH = 200          # characters of a cell, unless the column declares otherwise
CODE_LENGTH = 64          # numbers and codes (案号, 编号)
NAME_LENGTH = 50          # a person's name
MODEL_ID_LENGTH = 16      # fact_model_measure.model_id is VARCHAR(16)
# PostgreSQL's B-tree refuses an index entry over 2704 bytes: the natural key's columns,
# at 4 bytes a character, must stay below it (a test checks every source).
INDEX_ENTRY_BYTES = 2704


@dataclass(frozen=True)
class Column:
    header: str                  # the Chinese header as exported
    name: str                    # internal name (staging column)
    type: str                    # see module docstring
    required: bool = True
    allowed: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other headers seen for the same column
    personal: bool = False         # personal data: never shown unmasked
    future_ok: bool = False        # a date that may lie in the future (a deadline)
    max_value: int | None = None   # upper bound for int columns
    max_length: int = MAX_LENGTH   # most characters a cell may hold
    forbidden: str = CONTROL_CHARS  # characters a cell may not contain


@dataclass(frozen=True)
class Source:
    id: str
    name: str                      # Chinese name of the export
    system: str                    # the upstream system it comes from
    platform: str                  # cockpit.metrics.platforms id
    columns: tuple[Column, ...]
    key: tuple[str, ...]           # natural key: a second row with the same key is a duplicate
    months: tuple[str, ...]        # date/month columns that get a derived `<col>_month`
    derived: tuple[tuple[str, str], ...] = ()  # extra staging columns: (name, type)
    checks: tuple[str, ...] = field(default=())  # cross-column checks, see etl.validate
    list_month: str = ""           # the month its record lists are filtered by ("" = its last date's)

    @property
    def table(self) -> str:
        return f"stg_{self.id}"

    @property
    def key_column(self) -> str:
        """The staging column holding the natural key (`rec_key` joins a composite key)."""
        return self.key[0] if len(self.key) == 1 else "rec_key"

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


UNIT = Column("承办单位编码", "unit_code", "unit", aliases=("单位编码", "承办院编码"))
UNIT_NAME = Column("承办单位", "unit_name", "text", required=False, aliases=("承办院",), max_length=100)
PERSON = Column("犯罪嫌疑人", "person_name", "text", personal=True, aliases=("嫌疑人姓名", "姓名"),
                max_length=NAME_LENGTH)
ID_NUMBER = Column("公民身份号码", "id_number", "text", required=False, personal=True,
                   aliases=("身份证号", "身份证号码"), max_length=32)
CASE_NO = Column("部门受案号", "case_no", "text", aliases=("受案号", "案号"), max_length=CODE_LENGTH)
CHARGE = Column("涉嫌罪名", "charge", "text", aliases=("案由",))
YES_NO = ("是", "否")
# the documents a supervision clue leads to (PRACTICE §3: 检察建议、纠正违法通知、抗诉、移送线索)
DOCUMENTS = ("检察建议书", "纠正违法通知书", "抗诉书", "移送线索函", "通知立案书", "督促函")
CASE_ORIGINS = ("依程序移送", "依申请", "主动发现")

ARREST = Source(
    id="arrest",
    name="审查逮捕人员",
    system="检察业务应用系统 / 社会危险性量化评估",
    platform="case",
    columns=(
        CASE_NO, UNIT, UNIT_NAME, PERSON, ID_NUMBER, CHARGE,
        Column("受理日期", "received_date", "date"),
        Column("审结日期", "concluded_date", "date"),
        Column("审查结论", "decision", "enum", allowed=("批准逮捕", "不批准逮捕")),
        Column("不捕理由", "non_arrest_reason", "enum", required=False,
               allowed=("无社会危险性", "证据不足", "不构成犯罪", "其他")),
        Column("社会危险性评估分值", "risk_score", "int", required=False, max_value=100),
        Column("评估等级", "risk_band", "enum", required=False, allowed=("低", "中", "高")),
        Column("触发指标", "risk_items", "text", required=False, max_length=500),
    ),
    key=("case_no", "person_name"),
    months=("received_date", "concluded_date"),
    derived=(("review_days", "int"),),
    checks=("concluded_after_received",),
    list_month="concluded_month",
)

PROSECUTION = Source(
    id="prosecution",
    name="审查起诉人员",
    system="检察业务应用系统",
    platform="case",
    columns=(
        CASE_NO, UNIT, UNIT_NAME, PERSON, ID_NUMBER, CHARGE,
        Column("受理日期", "received_date", "date"),
        Column("审结日期", "concluded_date", "date"),
        Column("审结情况", "outcome", "enum", allowed=("提起公诉", "不起诉")),
        Column("审结时强制措施", "custody", "enum",
               allowed=("逮捕", "取保候审", "监视居住", "未采取强制措施")),
        Column("是否认罪认罚", "plea", "flag"),
        Column("量刑建议", "sentencing_rec", "enum", required=False,
               allowed=("确定刑", "幅度刑", "未提出")),
        Column("法院是否采纳量刑建议", "rec_adopted", "flag", required=False),
        Column("判决日期", "judgment_date", "date", required=False),
        Column("判决结果", "judgment", "enum", required=False,
               allowed=("有期徒刑以上", "拘役", "管制", "缓刑", "单处附加刑", "免予刑事处罚", "无罪")),
    ),
    key=("case_no", "person_name"),
    months=("concluded_date",),
    checks=("concluded_after_received",),
)

NC_PERSON = Source(
    id="nc_person",
    name="非羁押人员月度名册",
    system="非羁押诉讼数字监督平台",
    platform="P02",
    columns=(
        Column("统计月份", "stat_month", "month"),
        UNIT, UNIT_NAME,
        Column("人员编号", "person_no", "text", max_length=CODE_LENGTH),
        Column("姓名", "person_name", "text", personal=True, aliases=("犯罪嫌疑人",), max_length=NAME_LENGTH),
        ID_NUMBER,
        Column("强制措施", "measure", "enum", allowed=("取保候审", "监视居住")),
        Column("决定日期", "start_date", "date"),
        Column("解除日期", "end_date", "date", required=False),
        Column("保证金(元)", "bail_amount", "int", required=False, aliases=("保证金（元）", "保证金")),
        Column("本月是否脱管", "absconded", "flag"),  # 是 only in the month the absconding happened
    ),
    key=("stat_month", "person_no"),
    months=("start_date",),
    # prev_month: the calendar month before stat_month (measure nc_absconded); end_month: the month
    # of 解除日期 (a roster exported after the month's end may carry a release of the next month)
    derived=(("prev_month", "month"), ("end_month", "month")),
)

NC_EVENT = Source(
    id="nc_event",
    name="非羁押监管事件",
    system="非羁押诉讼数字监督平台",
    platform="P02",
    columns=(
        Column("事件编号", "event_no", "text", max_length=CODE_LENGTH),
        UNIT,
        Column("人员编号", "person_no", "text", max_length=CODE_LENGTH),
        Column("事件类型", "kind", "enum", allowed=("打卡", "传唤", "预警")),
        Column("预警类型", "warning_type", "enum", required=False,
               allowed=("越界预警", "未打卡预警", "脱管预警")),
        Column("发生时间", "occurred_at", "datetime"),
        Column("结果", "result", "enum", required=False,
               allowed=("已打卡", "未打卡", "按时到案", "未按时到案")),
        Column("处置时间", "handled_at", "datetime", required=False),
        Column("处置结果", "handling", "enum", required=False,
               allowed=("核实正常", "核实违规", "核实脱管", "处置中")),
    ),
    key=("event_no",),
    months=("occurred_at",),
    derived=(("handle_minutes", "float"),),  # minutes with the seconds as a fraction
    checks=("handled_after_occurred", "event_fields"),
)

PLEA = Source(
    id="plea",
    name="认罪认罚具结书同步录音录像",
    system="认罪认罚同步录音录像管理平台",
    platform="P03",
    columns=(
        CASE_NO, UNIT, UNIT_NAME, PERSON,
        Column("具结日期", "signed_date", "date"),
        Column("是否同步录音录像", "recorded", "flag"),
        Column("听取意见方式", "hearing_mode", "enum", allowed=("远程", "现场")),
        Column("电子捺印文书回传", "efp_returned", "flag"),
    ),
    key=("case_no", "person_name"),
    months=("signed_date",),
)

REGISTRY = Source(
    id="registry",
    name="数字检察平台和模型台账",
    system="大数据指挥中心",
    platform="models",
    columns=(
        Column("编号", "item_id", "text", max_length=CODE_LENGTH),
        Column("名称", "item_name", "text"),
        Column("类别", "category", "enum", allowed=("综合分析平台", "法律监督模型")),
        Column("业务领域", "domain", "enum", allowed=("刑事", "民事", "行政", "公益诉讼", "未成年人", "综合")),
        Column("建设单位编码", "unit_code", "unit", aliases=("承办单位编码",)),
        Column("上线日期", "launch_date", "date"),
        # 试运行 (on trial), 上架 (listed on the model platform), 停用 (retired); 运行中 is the older
        # exports' word for a platform or model in use
        Column("状态", "state", "enum", allowed=("试运行", "上架", "运行中", "停用")),
        Column("监督点", "supervision_point", "text", required=False, max_length=100),
        # the units applying the model besides its owner: unit codes separated by 、 , ; or spaces
        Column("应用单位", "units_running", "text", required=False, max_length=500),
    ),
    key=("item_id",),
    months=("launch_date",),
)

COLLECTION = Source(
    id="collection",
    name="模型数据采集台账",
    system="大数据指挥中心",
    platform="models",
    columns=(
        Column("统计月份", "stat_month", "month"),
        Column("模型编号", "model_id", "text", max_length=MODEL_ID_LENGTH),
        Column("建设单位编码", "unit_code", "unit", aliases=("承办单位编码",)),
        Column("数据来源单位", "provider", "text", max_length=100),
        Column("采集数据量(条)", "records", "int", aliases=("采集数据量（条）", "采集数据量")),
    ),
    key=("stat_month", "model_id", "provider"),
    months=(),
)

CLUE = Source(
    id="clue",
    name="法律监督线索台账",
    system="数字检察监督模型",
    platform="models",
    columns=(
        Column("线索编号", "clue_no", "text", max_length=CODE_LENGTH),
        Column("模型编号", "model_id", "text", max_length=MODEL_ID_LENGTH),
        UNIT,
        Column("发现日期", "found_date", "date"),
        Column("线索摘要", "summary", "text", required=False, personal=True, max_length=2000),
        Column("核查状态", "status", "enum", allowed=("核查中", "属实", "不属实")),
        Column("核查日期", "verified_date", "date", required=False),
        Column("处理结果", "outcome", "enum", required=False,
               allowed=("制发检察建议", "监督纠正违法", "移送职务犯罪线索", "督促复学", "立案监督", "其他")),
        # the clue's path (PRACTICE §3): each stage's date, empty while the stage is open; the
        # deadlines between them are data (cockpit/metrics/deadlines.toml)
        Column("登记日期", "registered_date", "date", required=False, aliases=("案管登记日期",)),
        Column("移送日期", "routed_date", "date", required=False, aliases=("分流日期",)),
        Column("承办部门", "department", "text", required=False, max_length=50),
        Column("不属实原因", "drop_reason", "enum", required=False,
               allowed=("数据比对误差", "已依法处理", "不属于监督范围", "证据不足", "其他")),
        Column("成案日期", "case_date", "date", required=False),
        Column("监督案件编号", "sup_case_no", "text", required=False, max_length=CODE_LENGTH),
        Column("监督文书", "document", "enum", required=False, allowed=DOCUMENTS),
        Column("文书编号", "doc_no", "text", required=False, max_length=CODE_LENGTH),
        Column("文书日期", "doc_date", "date", required=False),
        Column("回复日期", "reply_date", "date", required=False),
        Column("是否整改", "rectified", "flag", required=False),
        Column("反馈日期", "feedback_date", "date", required=False),
        Column("督办日期", "pressed_date", "date", required=False),
        # the keys of the records the model collided to find the clue (记录编号 of the model's
        # comparison data, 部门受案号 of a case), separated by ；
        Column("关联记录", "record_keys", "text", required=False, max_length=1000),
    ),
    key=("clue_no",),
    months=("found_date", "case_date", "feedback_date", "pressed_date"),
    checks=("clue_path",),
    list_month="found_month",   # a clue is listed by the month it was found, like its measures
)

# The records a model collided (模型比对数据): one row per record a data provider supplied that
# took part in a clue; a clue's 关联记录 names them by 记录编号.
MODEL_RECORD = Source(
    id="model_record",
    name="模型比对数据",
    system="数字检察监督模型",
    platform="models",
    columns=(
        Column("记录编号", "record_no", "text", max_length=CODE_LENGTH),
        Column("模型编号", "model_id", "text", max_length=MODEL_ID_LENGTH),
        UNIT,
        Column("数据来源单位", "provider", "text", max_length=100),
        Column("记录类型", "record_kind", "text", max_length=50),
        Column("记录日期", "record_date", "date"),
        Column("当事人", "person_name", "text", required=False, personal=True, max_length=NAME_LENGTH),
        Column("记录内容", "content", "text", required=False, personal=True, max_length=1000),
    ),
    key=("record_no",),
    months=("record_date",),
)

# Supervision cases (法律监督案件) and how their source came (三个结构比 ③): 依程序移送, 依申请,
# 主动发现 — the last includes cases opened from a big-data model's clue (线索编号 filled).
SUP_CASE = Source(
    id="sup_case",
    name="法律监督案件",
    system="检察业务应用系统",
    platform="models",
    columns=(
        Column("案件编号", "case_no", "text", max_length=CODE_LENGTH),
        UNIT,
        Column("立案日期", "opened_date", "date"),
        Column("业务类别", "domain", "enum", allowed=("刑事", "民事", "行政", "公益诉讼", "未成年人")),
        Column("案件来源", "origin", "enum", allowed=CASE_ORIGINS),
        Column("是否大数据线索", "big_data", "flag"),
        Column("线索编号", "clue_no", "text", required=False, max_length=CODE_LENGTH),
        Column("模型编号", "model_id", "text", required=False, max_length=MODEL_ID_LENGTH),
    ),
    key=("case_no",),
    months=("opened_date",),
    checks=("big_data_clue",),
)

SUGGESTION = Source(
    id="suggestion",
    name="检察建议台账",
    system="检察业务应用系统",
    platform="models",
    columns=(
        Column("文书编号", "doc_no", "text", max_length=CODE_LENGTH),
        UNIT,
        Column("线索编号", "clue_no", "text", required=False, max_length=CODE_LENGTH),
        Column("模型编号", "model_id", "text", required=False, max_length=MODEL_ID_LENGTH),
        Column("建议类别", "domain", "enum", allowed=("刑事", "民事", "行政", "公益诉讼", "未成年人")),
        Column("被建议单位", "recipient", "text"),
        Column("发出日期", "issued_date", "date"),
        Column("回复期限", "due_date", "date", future_ok=True),
        Column("回复日期", "replied_date", "date", required=False),
        Column("是否采纳", "adopted", "flag", required=False),
        Column("是否整改", "rectified", "flag", required=False),
        Column("整改日期", "rectified_date", "date", required=False),
        Column("回头看日期", "revisit_date", "date", required=False),
        Column("回头看结果", "revisit_result", "enum", required=False, allowed=("整改到位", "整改不到位")),
    ),
    key=("doc_no",),
    months=("issued_date", "due_date"),
)

JUVENILE = Source(
    id="juvenile",
    name="未成年人审查起诉案件",
    system="运城“指南针”未检云平台",
    platform="P04",
    columns=(
        CASE_NO, UNIT, UNIT_NAME, PERSON, ID_NUMBER, CHARGE,
        Column("审结日期", "concluded_date", "date"),
        Column("审结情况", "outcome", "enum", allowed=("提起公诉", "不起诉", "附条件不起诉")),
        Column("是否开展社会调查", "social_survey", "flag"),
    ),
    key=("case_no", "person_name"),
    months=("concluded_date",),
)

SOURCES: tuple[Source, ...] = (
    ARREST, PROSECUTION, NC_PERSON, NC_EVENT, PLEA, REGISTRY, COLLECTION, CLUE, SUGGESTION, JUVENILE,
    MODEL_RECORD, SUP_CASE,
)
SOURCE_BY_ID: dict[str, Source] = {s.id: s for s in SOURCES}


def month_column(col: str) -> str:
    """Name of the derived month column of a date column (a `month` column is its own)."""
    return col[: -len("_date")] + "_month" if col.endswith("_date") else (
        col[: -len("_at")] + "_month" if col.endswith("_at") else col)
