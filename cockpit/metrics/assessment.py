"""The social-danger assessment (社会危险性量化评估): 60 items in 3 parts plus 7 notes (附注).

The real item list of the Yuncheng system is not public. This one is built on the legal frame
every such system uses (BRIEF §4): Criminal Procedure Law art. 81 (the five dangers bail cannot
prevent, and the mandatory-arrest conditions), read in three parts —
  A 犯罪性质           nature of the offence (A01–A20)
  B 罪后表现           post-offence conduct (B01–B20)
  C 犯罪嫌疑人基本情况  the suspect's background (C01–C20)
Each item raises (+) or lowers (−) the score by its weight; the notes override the score. The
score (0–100) falls into a band: 低 (建议非羁押), 中 (可非羁押，强化监管) or 高 (建议羁押).
The demo data lists the triggered item codes joined with ';' in the column 触发指标.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    code: str      # A01 … C20
    part: str      # 犯罪性质 | 罪后表现 | 犯罪嫌疑人基本情况
    name: str
    weight: int    # points added to the score (negative: argues against custody)


PARTS = {"A": "犯罪性质", "B": "罪后表现", "C": "犯罪嫌疑人基本情况"}

_RAW = (
    # A 犯罪性质 — offence type, possible sentence, violence, weapons, organisation, victims, amount, impact
    ("A01", "可能判处十年有期徒刑以上刑罚", 30),
    ("A02", "可能判处三年以上十年以下有期徒刑", 12),
    ("A03", "可能判处三年以下有期徒刑、拘役、管制或者单处罚金", -12),
    ("A04", "属于暴力犯罪", 10),
    ("A05", "持械或者使用危险方法作案", 10),
    ("A06", "涉黑涉恶或者组织、领导、参加犯罪集团", 15),
    ("A07", "共同犯罪中起主要作用", 6),
    ("A08", "共同犯罪中起次要或者辅助作用", -6),
    ("A09", "多次作案或者连续作案", 8),
    ("A10", "被害人系未成年人、老年人、残疾人等弱势群体", 8),
    ("A11", "被害人三人以上", 6),
    ("A12", "造成被害人重伤或者死亡", 14),
    ("A13", "造成被害人轻伤或者轻微伤", 3),
    ("A14", "涉案数额巨大或者特别巨大", 8),
    ("A15", "涉案数额较小且已追缴", -6),
    ("A16", "危害国家安全、公共安全或者社会秩序且有现实危险", 12),
    ("A17", "造成恶劣社会影响或者引发群体性事件", 8),
    ("A18", "过失犯罪", -10),
    ("A19", "因婚姻家庭、邻里纠纷等民间矛盾引发", -8),
    ("A20", "涉毒品、涉枪支弹药犯罪", 10),
    # B 罪后表现 — surrender, confession, plea, restitution, forgiveness, flight, evidence, collusion, threats
    ("B01", "自首", -10),
    ("B02", "有立功表现", -8),
    ("B03", "如实供述自己的罪行", -6),
    ("B04", "自愿认罪认罚并签署具结书", -8),
    ("B05", "积极退赃退赔", -6),
    ("B06", "赔偿被害人损失并取得谅解", -10),
    ("B07", "与被害人达成刑事和解", -10),
    ("B08", "案发后积极救治被害人", -5),
    ("B09", "作案后逃跑、藏匿", 12),
    ("B10", "经网上追逃或者抓捕归案", 8),
    ("B11", "毁灭、伪造证据", 14),
    ("B12", "干扰证人作证或者串供", 14),
    ("B13", "对被害人、举报人、控告人实施打击报复或者扬言报复", 15),
    ("B14", "拒不供述或者无正当理由翻供", 6),
    ("B15", "转移、隐匿赃款赃物", 8),
    ("B16", "有自杀、自残倾向", 10),
    ("B17", "曾违反取保候审、监视居住规定", 15),
    ("B18", "同案犯在逃", 6),
    ("B19", "经电话或者口头传唤主动到案", -5),
    ("B20", "有证据证明企图实施新的犯罪", 15),
    # C 犯罪嫌疑人基本情况 — age, record, drugs, residence, job, dependants, illness, pregnancy, guarantor
    ("C01", "系未成年人", -10),
    ("C02", "系已满七十五周岁的老年人", -10),
    ("C03", "系在校学生", -8),
    ("C04", "系累犯", 15),
    ("C05", "曾因故意犯罪受过刑事处罚", 10),
    ("C06", "有吸毒史", 8),
    ("C07", "曾受过行政拘留等治安处罚", 5),
    ("C08", "身份不明或者拒不讲明真实身份", 20),
    ("C09", "在本地无固定住所", 8),
    ("C10", "在本地有固定住所和稳定工作", -8),
    ("C11", "系外地人员且无适格保证人", 8),
    ("C12", "能够提出适格保证人或者交纳保证金", -8),
    ("C13", "患有严重疾病", -12),
    ("C14", "系怀孕或者正在哺乳自己婴儿的妇女", -15),
    ("C15", "系生活不能自理的人的唯一扶养人", -12),
    ("C16", "系残疾人", -6),
    ("C17", "系尚未完全丧失辨认或者控制自己行为能力的精神病人", -6),
    ("C18", "无正当职业、长期游荡", 6),
    ("C19", "有涉黑涉恶组织或者犯罪团伙背景", 12),
    ("C20", "在缓刑考验期、假释考验期或者社区矫正期间", 12),
)

ITEMS: tuple[Item, ...] = tuple(Item(code, PARTS[code[0]], name, w) for code, name, w in _RAW)
ITEM_BY_CODE: dict[str, Item] = {i.code: i for i in ITEMS}

# 附注: the override rules.
NOTES: tuple[str, ...] = (
    "附注1：可能判处十年有期徒刑以上刑罚的（A01），直接评定为“高”。",
    "附注2：可能判处徒刑以上刑罚，曾经故意犯罪（C04、C05）的，直接评定为“高”。",
    "附注3：可能判处徒刑以上刑罚，身份不明的（C08），直接评定为“高”。",
    "附注4：违反取保候审、监视居住规定，情节严重的（B17），评定为“高”。",
    "附注5：患有严重疾病、生活不能自理，怀孕或者正在哺乳自己婴儿的妇女（C13、C14），"
    "以及生活不能自理的人的唯一扶养人（C15），一般评定为“低”，但有附注1至附注4情形的除外。",
    "附注6：未成年人、在校学生、已满七十五周岁的老年人（C01、C02、C03），坚持少捕慎诉，"
    "无附注1至附注4情形的，不得评定为“高”。",
    "附注7：评估分值仅作为审查逮捕的参考，承办检察官可结合案件具体情况作出决定，"
    "决定与评估等级不一致的，应当在审查报告中说明理由。",
)

BANDS = (("低", 0, 39), ("中", 40, 69), ("高", 70, 100))  # score ranges, inclusive


def band_of(score: int) -> str:
    for band, lo, hi in BANDS:
        if lo <= score <= hi:
            return band
    raise ValueError(score)


# item pools the generator draws from, by the direction they argue
AGGRAVATING = tuple(i.code for i in ITEMS if i.weight > 0 and i.code not in ("A01", "C08", "B17"))
MITIGATING = tuple(i.code for i in ITEMS if i.weight < 0 and i.code not in ("C13", "C14", "C15", "C01", "C02"))
FORCE_HIGH = ("A01", "C08", "B17", "C04")     # notes 1–4
FORCE_LOW = ("C13", "C14", "C15")             # note 5


# Which offences an item can describe (items not listed fit any offence), so that the triggered
# items of a person make sense for the charge: no 过失犯罪 for a fraud, no 持械 for a drunk driver.
CHARGE_KINDS = {
    "violent": ("故意伤害罪", "抢劫罪", "强奸罪", "故意杀人罪", "寻衅滋事罪", "聚众斗殴罪", "非法拘禁罪",
                "组织、领导、参加黑社会性质组织罪", "猥亵儿童罪", "妨害公务罪", "敲诈勒索罪"),
    "property": ("盗窃罪", "诈骗罪", "帮助信息网络犯罪活动罪", "掩饰、隐瞒犯罪所得罪", "非法吸收公众存款罪",
                 "合同诈骗罪", "职务侵占罪", "信用卡诈骗罪", "集资诈骗罪", "受贿罪", "开设赌场罪",
                 "拒不执行判决、裁定罪", "非法采矿罪"),
    "drug": ("贩卖毒品罪", "非法持有毒品罪"),
    "negligent": ("交通肇事罪", "失火罪", "重大责任事故罪"),
}
ITEM_FITS = {
    "A04": ("violent",), "A05": ("violent",), "A12": ("violent", "negligent"), "A13": ("violent", "negligent"),
    "A19": ("violent",), "A10": ("violent", "property"), "A11": ("violent", "property"),
    "A14": ("property", "drug"), "A15": ("property",), "A18": ("negligent",), "A20": ("drug",),
    "A06": ("violent", "property"), "A07": ("violent", "property", "drug", "other"),
    "A08": ("violent", "property", "drug", "other"), "B05": ("property",), "B15": ("property",),
    "B06": ("violent", "property", "negligent"), "B07": ("violent", "property", "negligent"),
    "B08": ("violent", "negligent"), "A16": ("violent", "drug", "negligent", "other"),
}
TYPICAL = {"violent": "A04", "drug": "A20", "negligent": "A18"}  # the item an offence nearly always triggers


def charge_kind(charge: str) -> str:
    for kind, charges in CHARGE_KINDS.items():
        if charge in charges:
            return kind
    return "other"


def fits(code: str, kind: str) -> bool:
    return kind in ITEM_FITS.get(code, (kind,))

# items that cannot both apply to one person: (the aggravating one, the mitigating one)
EXCLUSIVE = (("A01", "A02"), ("A01", "A03"), ("A02", "A03"), ("A12", "A13"), ("A14", "A15"), ("A07", "A08"),
             ("C09", "C10"), ("C18", "C10"), ("C11", "C12"), ("B14", "B03"), ("B09", "B19"), ("B10", "B19"))


def consistent_items(codes: set[str], band: str) -> list[str]:
    """Drop the contradictory half of each exclusive pair (the high band keeps the aggravating one)."""
    codes = set(codes)
    for hi, lo in EXCLUSIVE:
        if hi in codes and lo in codes:
            codes.discard(lo if band == "高" or hi == "A01" else hi)
    return sorted(codes)
