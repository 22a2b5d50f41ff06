"""The digital-procuratorate family: 4 platforms, the legal-supervision models, the data they
collect, the clues they find and the procuratorial suggestions that follow.

The article's figures (BRIEF §1, reported early 2024) hold exactly for 2022-01..2023-12:
records collected 1.2 M+ (not round), 300+ clues of which the compulsory-rehab model M01 found
160, 50+ suggestions, 20+ children back at school, 3 duty-crime transfers and 20+ corrected
cases. Each is drawn once per seed inside its range and then allocated exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.units import UNIT_BY_CODE
from etl.demo.people import SURNAME_P, SURNAMES
from etl.demo.profiles import CITY, COUNTY_CODES, county_share, quality
from etl.demo.rates import expit, logit
from etl.demo.timeline import (CALENDAR, add_months, day, interp, month, month_first, month_last, month_of,
                                seq_in_groups, stable_unit_interval, stream, year_of)

PERIOD_FIRST = day("2022-01-01")
PERIOD_LAST = day("2023-12-31")
M01_CLUES = 160
DUTY_CRIMES = 3


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    domain: str            # 刑事 | 民事 | 行政 | 公益诉讼 | 未成年人
    unit: str              # owning (building) unit
    launch: str            # launch date
    providers: tuple[str, ...]
    bulk: float            # relative size of the historic data loaded at launch
    clues: float           # clues a month while running (relative)
    recipients: tuple[str, ...]   # bodies that receive its suggestions; {area} = the county or city
    summaries: tuple[str, ...]    # clue summary templates; {p} = a masked name, {n} = a number


MODELS: tuple[Model, ...] = (
    Model("M01", "强制隔离戒毒行政检察监督模型", "行政", "140800", "2023-03-16",
          ("运城市公安局禁毒支队", "山西省运城强制隔离戒毒所", "全市检察机关刑事检察部门", "运城市司法局"), 24, 0,
          ("{area}公安局", "山西省运城强制隔离戒毒所"),
          ("{p}生物样本检测后{n}个月方被作出吸毒成瘾认定意见，超出24小时规定时限",
           "{p}刑罚执行完毕时强制隔离戒毒期限未满，未继续执行强制隔离戒毒",
           "{p}吸毒成瘾认定证据不足即被决定强制隔离戒毒", "{p}强制隔离戒毒决定未依法通知其家属",
           "{p}所外就医期满未按期收治回所", "{p}解除强制隔离戒毒后未落实社区康复")),
    Model("M02", "拒不执行判决裁定罪法律监督模型", "刑事", "140800", "2022-03-21",
          ("运城市中级人民法院执行局", "运城市不动产登记中心", "运城市公安局", "运城市市场监督管理局"), 15, 1.6,
          ("{area}人民法院", "{area}公安局"),
          ("{p}名下有房产车辆却以无财产可供执行为由拒不履行生效判决", "{p}在执行期间多次乘坐飞机、高铁等高消费",
           "{p}被司法拘留后仍拒不履行支付义务，涉嫌拒不执行判决、裁定罪", "{p}转移财产逃避执行，执行标的{n}万元")),
    Model("M03", "“未成年人控辍保学”法律监督模型", "未成年人", "140881", "2022-05-18",
          ("永济市教育局", "永济市公安局户政大队", "永济市民政局", "永济市人民法院"), 6, 0,
          ("{area}教育局", "{area}民政局"),
          ("适龄儿童{p}小学毕业后未升入初中，已辍学{n}个月", "适龄少年{p}初二下学期起长期未到校",
           "{p}随父母外出务工后失学，学籍仍在本地", "留守儿童{p}连续{n}周未到校上课")),
    Model("M04", "法院刑事裁判交付执行监督模型", "刑事", "140825", "2022-07-12",
          ("新绛县人民法院", "新绛县公安局看守所", "新绛县司法局"), 5, 1.2,
          ("{area}人民法院", "{area}公安局"),
          ("{p}被判处有期徒刑后{n}个月未交付执行", "{p}判决生效后法院未在10日内送达执行通知书",
           "{p}被判处缓刑后未及时交付社区矫正", "{p}暂予监外执行期满未及时收监")),
    Model("M05", "“非法吸收公众存款与民间借贷生效裁判”法律监督模型", "民事", "140826", "2023-04-20",
          ("绛县人民法院", "绛县公安局经侦大队", "裁判文书公开数据"), 8, 0.8,
          ("{area}人民法院",),
          ("{p}系非法吸收公众存款案被告人，同期以民间借贷名义起诉追讨借款",
           "涉非吸案件集资款经民事生效裁判认定为合法借贷，涉案{n}万元",
           "{p}在非吸案件中收受高额返利，另案民间借贷判决未予扣减")),
    Model("M06", "社区矫正对象脱管漏管监督模型", "刑事", "140802", "2022-06-15",
          ("盐湖区司法局", "盐湖区人民法院", "运城市公安局盐湖分局"), 4, 1.0,
          ("{area}司法局",),
          ("社区矫正对象{p}连续{n}日未报到，未被及时收监", "社区矫正对象{p}未经批准外出",
           "{p}缓刑判决生效后未到司法所报到")),
    Model("M07", "减刑假释案件监督模型", "刑事", "140800", "2022-09-08",
          ("运城市中级人民法院", "刑罚执行机关（监狱）", "运城市公安局看守所"), 3, 0.6,
          ("运城市中级人民法院", "刑罚执行机关"),
          ("罪犯{p}财产刑未履行仍获减刑", "罪犯{p}假释后未按规定报到", "罪犯{p}减刑间隔期不足")),
    Model("M08", "财产刑执行监督模型", "刑事", "140821", "2022-11-10",
          ("临猗县人民法院", "临猗县财政局", "临猗县公安局"), 3, 0.8,
          ("{area}人民法院",),
          ("{p}被判处罚金{n}万元，判决生效后未执行", "{p}没收财产刑未移送执行", "{p}罚金刑执行完毕未及时结案")),
    Model("M09", "行政非诉执行监督模型", "行政", "140823", "2023-02-14",
          ("闻喜县人民法院", "闻喜县自然资源局", "闻喜县综合行政执法局"), 3, 0.9,
          ("{area}自然资源局", "{area}综合行政执法局"),
          ("某建材企业行政处罚决定作出后{n}个月未申请法院强制执行", "{p}违法占地行政处罚决定未执行到位",
           "行政机关对{p}的罚款决定超期未申请强制执行")),
    Model("M10", "危险驾驶行刑反向衔接监督模型", "行政", "140802", "2022-08-23",
          ("运城市公安局交通警察支队", "盐湖区人民法院", "检察业务应用系统"), 7, 1.2,
          ("{area}公安局交通警察大队",),
          ("{p}危险驾驶不起诉后公安机关未作出吊销驾驶证处罚", "{p}醉驾被判处拘役后未被吊销机动车驾驶证",
           "{p}危险驾驶案件不起诉后未移送行政处罚")),
    Model("M11", "医保基金监管公益诉讼监督模型", "公益诉讼", "140824", "2023-05-09",
          ("稷山县医疗保障局", "稷山县卫生健康局", "定点医疗机构结算数据"), 12, 1.2,
          ("{area}医疗保障局", "{area}卫生健康局"),
          ("某定点医院虚构{n}名住院病人骗取医保基金", "{p}冒用他人医保卡购药后倒卖",
           "某民营医院重复收费、串换项目，涉及医保基金{n}万元")),
    Model("M12", "运城盐湖生态环境保护公益诉讼监督模型", "公益诉讼", "140802", "2023-06-05",
          ("运城市生态环境局", "运城盐湖保护管理部门", "盐湖区自然资源局"), 3, 0.8,
          ("{area}生态环境局", "{area}自然资源局"),
          ("盐湖周边某企业违规排放含盐废水", "盐湖保护区内违法建设{n}处", "盐湖周边非法倾倒建筑垃圾")),
    Model("M13", "食品药品安全公益诉讼监督模型", "公益诉讼", "140830", "2023-04-11",
          ("芮城县市场监督管理局", "芮城县卫生健康局", "网络餐饮平台公开数据"), 4, 0.8,
          ("{area}市场监督管理局",),
          ("某校园周边食品店销售过期食品", "某网络餐饮商户无证经营", "{p}销售未经检验检疫肉品")),
    Model("M14", "耕地保护公益诉讼监督模型", "公益诉讼", "140822", "2023-07-18",
          ("万荣县自然资源局", "万荣县农业农村局", "卫星遥感图斑数据"), 5, 1.0,
          ("{area}自然资源局", "{area}农业农村局"),
          ("{n}处耕地被违法占用建设厂房", "某村违法占用基本农田挖砂取土", "高标准农田建设项目存在撂荒")),
    Model("M15", "侵害未成年人案件强制报告监督模型", "未成年人", "140827", "2023-05-30",
          ("垣曲县卫生健康局", "垣曲县公安局", "垣曲县教育局"), 2, 0.6,
          ("{area}卫生健康局", "{area}教育局"),
          ("医疗机构接诊未成年人{p}受伤未履行强制报告义务", "学校发现{p}疑似遭受侵害未报告",
           "宾馆违规接待未成年人{p}入住未报告")),
    Model("M16", "虚假诉讼监督模型", "民事", "140882", "2022-12-06",
          ("河津市人民法院", "河津市市场监督管理局", "河津市公安局"), 4, 0.7,
          ("{area}人民法院",),
          ("{p}与他人串通虚构债务提起诉讼", "同一原告{n}件民间借贷案件疑似虚假诉讼", "{p}通过虚假诉讼逃避执行")),
    Model("M17", "民事执行终结本次执行程序案件监督模型", "民事", "140828", "2023-08-22",
          ("夏县人民法院", "夏县不动产登记中心", "夏县公安局车辆管理所"), 3, 0.8,
          ("{area}人民法院",),
          ("终本案件被执行人{p}名下有可供执行车辆", "法院终结本次执行程序后未定期查询财产", "{p}终本后存在高消费行为")),
    Model("M18", "黄河流域生态保护公益诉讼监督模型", "公益诉讼", "140829", "2023-09-12",
          ("平陆县水利局", "平陆县自然资源局", "平陆县林业局"), 2, 0.7,
          ("{area}水利局", "{area}林业局"),
          ("黄河滩区非法采砂{n}处", "黄河沿岸违规堆放固体废物", "黄河湿地保护区内违法养殖")),
    Model("M19", "刑事立案撤案监督模型", "刑事", "140800", "2023-10-17",
          ("运城市公安局警务综合平台", "检察业务应用系统"), 6, 1.5,
          ("{area}公安局",),
          ("{p}被取保候审后案件长期挂案未处理", "公安机关对{p}的刑事案件违法撤案", "{p}涉嫌诈骗案件应当立案而不立案")),
    Model("M20", "“入职查询”从业禁止监督模型", "未成年人", "140802", "2023-11-21",
          ("盐湖区教育局", "盐湖区卫生健康局", "运城市公安局盐湖分局"), 2, 1.0,
          ("{area}教育局",),
          ("学校入职人员{p}有违法犯罪记录", "培训机构未履行入职查询义务，聘用人员{p}有前科",
           "{p}有犯罪记录仍在校外培训机构任职")),
    # growth after the article's period
    Model("M21", "根治欠薪支持起诉监督模型", "民事", "140821", "2024-04-16",
          ("临猗县人力资源和社会保障局", "临猗县人民法院", "临猗县住房和城乡建设局"), 4, 1.2,
          ("{area}人力资源和社会保障局",),
          ("农民工{p}等{n}人被拖欠工资，支持起诉", "某建筑工地拖欠农民工工资{n}万元")),
    Model("M22", "危险化学品安全生产公益诉讼监督模型", "公益诉讼", "140882", "2025-03-11",
          ("河津市应急管理局", "河津市市场监督管理局", "河津市公安局"), 5, 0.9,
          ("{area}应急管理局",),
          ("某化工企业危险化学品储存不符合安全规范", "某加油站安全防护设施缺失", "{n}家企业危化品运输车辆未安装监控")),
    Model("M23", "行政执法与刑事司法衔接监督模型", "行政", "140800", "2026-05-19",
          ("运城市司法局行政执法监督平台", "运城市公安局", "检察业务应用系统"), 9, 1.4,
          ("{area}市场监督管理局", "{area}公安局"),
          ("行政执法机关对涉嫌犯罪的{p}未移送公安机关", "{p}生产销售伪劣产品案件以罚代刑")),
)
MODEL_BY_ID = {m.id: m for m in MODELS}

PLATFORM_ROWS = (
    # (id, domain, launch date) — names and launch months from cockpit.metrics.platforms
    ("P01", "刑事", "2023-01-09"),
    ("P02", "刑事", "2023-03-06"),
    ("P03", "刑事", "2022-10-17"),
    ("P04", "未成年人", "2023-08-15"),
)

_SUGG_WEIGHT = {"M01": 6, "M02": 3, "M03": 5, "M04": 3, "M05": 1, "M06": 3, "M07": 2, "M08": 2, "M09": 3,
                "M10": 4, "M11": 3, "M12": 2, "M13": 3, "M14": 2, "M15": 2, "M16": 2, "M17": 1, "M18": 1,
                "M19": 1, "M20": 1, "M21": 3, "M22": 2, "M23": 2}
_DOC_KIND = {"刑事": "刑建", "民事": "民建", "行政": "行建", "公益诉讼": "公建", "未成年人": "未建"}


def _area(unit: str) -> str:
    return "运城市" if unit == CITY else UNIT_BY_CODE[unit].short


def _launch_day(m: Model) -> int:
    return day(m.launch)


def registry_rows(as_of: int) -> list[dict]:
    rows = []
    for pid, domain, launch in PLATFORM_ROWS:
        p = PLATFORM_BY_ID[pid]
        assert launch.startswith(p.launch), (pid, launch, p.launch)
        if day(launch) <= as_of:
            rows.append(dict(item_id=pid, item_name=p.name, category="综合分析平台", domain=domain,
                             unit_code=CITY, launch_date=day(launch), state="运行中", supervision_point="",
                             units_running=""))
    for m in MODELS:
        if _launch_day(m) <= as_of:
            # a model runs on trial for its first half year, then is listed (上架) on the platform
            state = "试运行" if as_of - _launch_day(m) < 183 else "上架"
            rows.append(dict(item_id=m.id, item_name=m.name, category="法律监督模型", domain=m.domain,
                             unit_code=m.unit, launch_date=_launch_day(m), state=state,
                             supervision_point=SUPERVISION_POINT[m.id], units_running="、".join(units_running(m))))
    return rows


# 监督点: the supervision point each model serves (the SPP's model platform lists models by it)
SUPERVISION_POINT = {
    "M01": "强制隔离戒毒执行监督", "M02": "拒不执行判决裁定犯罪立案监督", "M03": "未成年人控辍保学",
    "M04": "刑罚交付执行监督", "M05": "虚假诉讼与涉刑民事裁判监督", "M06": "社区矫正监督",
    "M07": "减刑假释暂予监外执行监督", "M08": "财产刑执行监督", "M09": "行政非诉执行监督",
    "M10": "行刑反向衔接", "M11": "医保基金安全公益保护", "M12": "生态环境和资源保护",
    "M13": "食品药品安全", "M14": "耕地保护", "M15": "强制报告制度落实", "M16": "虚假诉讼监督",
    "M17": "民事执行活动监督", "M18": "黄河流域生态保护", "M19": "刑事立案撤案监督",
    "M20": "入职查询从业禁止", "M21": "支持起诉", "M22": "安全生产", "M23": "行政执法与刑事司法衔接",
}


def units_running(m: Model) -> list[str]:
    """The units applying a model: its owner and, for a model worth spreading, some counties."""
    others = [c for c in COUNTY_CODES if c != m.unit and stable_unit_interval("runs", m.id, c) < (
        0.55 if m.unit == CITY else 0.18)]
    return [m.unit, *others]


def _not_round(rng, lo: int, hi: int) -> int:
    while True:
        v = int(rng.integers(lo, hi + 1))
        if v % 10:
            return v


# ---- collection ------------------------------------------------------------------------------
def collection_rows(seed: int, end_mi: int, as_of: int) -> tuple[dict[str, np.ndarray], int]:
    """Records collected per (month, model, provider); the 2022–2023 total is exact."""
    rng = stream(seed, "collection")
    target = _not_round(rng, 1_203_000, 1_296_000)
    months, ids, units, providers, weights = [], [], [], [], []
    last_mi = min(end_mi, int(month_of(as_of)))
    for m in MODELS:
        if _launch_day(m) > as_of:
            continue
        lm = int(month_of(_launch_day(m)))
        pw = rng.dirichlet(np.full(len(m.providers), 3.0))
        for mi in range(lm, last_mi + 1):
            if mi == lm:
                base = m.bulk
            else:
                age = mi - lm
                base = m.bulk / 22 * (1 + 0.012 * age) * rng.gamma(8.0, 1 / 8.0)
            for prov, share in zip(m.providers, pw):
                months.append(mi)
                ids.append(m.id)
                units.append(m.unit)
                providers.append(prov)
                weights.append(base * share * rng.gamma(12.0, 1 / 12.0))
    months_a = np.array(months, dtype="int64")
    w = np.array(weights)
    in_period = (months_a >= month("2022-01")) & (months_a <= month("2023-12"))
    records = np.zeros(len(w), dtype="int64")
    if in_period.any():
        scale = target / w[in_period].sum()
        records[in_period] = rng.multinomial(target, w[in_period] / w[in_period].sum())
        after = ~in_period
        records[after] = np.maximum(1, np.round(w[after] * scale * rng.gamma(30.0, 1 / 30.0, after.sum()))).astype("int64")
    else:
        records[:] = np.maximum(1, np.round(w * 52_000 / 24 * rng.gamma(30.0, 1 / 30.0, len(w)))).astype("int64")
    cols = dict(stat_month=months_a, model_id=np.array(ids, dtype=object), unit_code=np.array(units, dtype=object),
                provider=np.array(providers, dtype=object), records=records)
    return cols, target


# ---- clues -----------------------------------------------------------------------------------
def _clue_units(rng, m: Model, n: int) -> np.ndarray:
    counties = np.array(COUNTY_CODES, dtype=object)
    p = np.array([county_share(c) for c in COUNTY_CODES])
    other = counties[rng.choice(len(counties), size=n, p=p / p.sum())]
    own_p = 0.45 if m.unit == CITY else 0.88
    return np.where(rng.random(n) < own_p, m.unit, other).astype(object)


def _found_days(rng, m: Model, n: int, lo: int, hi: int) -> np.ndarray:
    """n work-weighted days in [lo, hi]; M01's data collision found most of its clues early."""
    if n == 0:
        return np.zeros(0, dtype="int64")
    days = np.arange(lo, hi + 1)
    w = CALENDAR.work[days - CALENDAR.days[0]].copy()
    if m.id == "M01":
        w *= np.exp(-(days - lo) / 110.0)
    else:
        w *= 0.6 + np.minimum((days - lo) / 120.0, 1.0)
    return np.sort(days[rng.choice(len(days), size=n, p=w / w.sum())])


def _summaries(rng, m: Model, n: int) -> np.ndarray:
    tpl = np.array(m.summaries, dtype=object)[rng.integers(0, len(m.summaries), n)]
    sur = SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P)]
    nums = rng.integers(2, 19, n)
    out = np.array([t.replace("{p}", s + "某某").replace("{n}", str(k)) for t, s, k in zip(tpl, sur, nums)],
                   dtype=object)
    blank = rng.random(n) < 0.03
    return np.where(blank, "", out).astype(object)


@dataclass
class ModelWorld:
    clues: dict[str, np.ndarray]
    suggestions: dict[str, np.ndarray]
    collection: dict[str, np.ndarray]
    figures: dict[str, int]          # the article's figures as drawn for this seed


def build(seed: int, end_mi: int, as_of: int) -> ModelWorld:
    rng = stream(seed, "clues")
    horizon = min(int(month_last(end_mi)), as_of)
    figures = dict(records=0, clues=_not_round(rng, 306, 347), m01=M01_CLUES, suggestions=int(rng.integers(51, 59)),
                   back_to_school=int(rng.integers(21, 29)), duty_crimes=DUTY_CRIMES,
                   corrected=int(rng.integers(21, 29)))
    # allocate the period's clues to the models exactly
    active = [m for m in MODELS if _launch_day(m) <= PERIOD_LAST]
    m03_extra = int(rng.integers(4, 9))
    fixed = {"M01": M01_CLUES, "M03": figures["back_to_school"] + m03_extra}
    free = [m for m in active if m.id not in fixed]
    span = np.array([(PERIOD_LAST - max(_launch_day(m), PERIOD_FIRST)) / 30.4 for m in free])
    prod = np.array([m.clues for m in free]) * span
    alloc = rng.multinomial(figures["clues"] - sum(fixed.values()), prod / prod.sum())
    period_n = dict(fixed) | {m.id: int(k) for m, k in zip(free, alloc)}

    cols: dict[str, list] = {k: [] for k in ("model_id", "unit_code", "found", "summary", "true", "lag")}
    for m in MODELS:
        lo = max(_launch_day(m) + 5, PERIOD_FIRST)
        n_period = period_n.get(m.id, 0)
        found = [_found_days(rng, m, n_period, lo, PERIOD_LAST)] if n_period else []
        # after the period: the models keep finding clues, M01 at a calmer pace
        start_mi = max(month("2024-01"), int(month_of(_launch_day(m) + 5)))
        for mi in range(start_mi, end_mi + 1):
            age = (mi - month_of(_launch_day(m))) / 12
            rate = (4.2 * np.exp(-(mi - month("2024-01")) / 30) + 1.3) if m.id == "M01" else \
                (2.2 if m.id == "M03" else m.clues) * (1 + 0.08 * min(age, 3))
            k = int(rng.poisson(rate * (1.0 + 0.06 * (mi - month("2024-01")) / 12)))
            if k:
                lo_m = max(int(month_first(mi)), _launch_day(m) + 5)
                found.append(np.sort(CALENDAR.sample_between(rng, np.full(k, lo_m), np.full(k, int(month_last(mi))))))
        if not found:
            continue
        f = np.concatenate(found)
        n = len(f)
        cols["model_id"].append(np.full(n, m.id, dtype=object))
        cols["unit_code"].append(_clue_units(rng, m, n))
        cols["found"].append(f)
        cols["summary"].append(_summaries(rng, m, n))
        cols["true"].append(rng.random(n) < (0.93 if m.id in ("M01", "M03") else 0.78))
        cols["lag"].append(np.clip(6 + rng.gamma(2.0, 12.0, n), 3, 120).astype("int64"))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    n = len(c["found"])
    verified = CALENDAR.next_workday(c["found"] + c["lag"])
    outcome = np.full(n, "", dtype=object)
    in_period = (c["found"] >= PERIOD_FIRST) & (c["found"] <= PERIOD_LAST)
    mid = c["model_id"]

    # the article's special outcomes, exactly, among clues verified by the end of 2023
    taken = np.zeros(n, dtype=bool)

    def assign(label: str, count: int, models: dict[str, float]) -> None:
        pool = np.flatnonzero(in_period & ~taken & np.isin(mid, list(models)) & (c["found"] <= day("2023-11-30")))
        w = np.array([models[x] for x in mid[pool]], dtype=float)
        pick = rng.choice(pool, size=count, replace=False, p=w / w.sum())
        taken[pick] = True
        c["true"][pick] = True
        verified[pick] = np.minimum(verified[pick], CALENDAR.next_workday(np.full(count, day("2023-12-25"))))
        outcome[pick] = label

    assign("督促复学", figures["back_to_school"], {"M03": 1.0})
    assign("移送职务犯罪线索", DUTY_CRIMES, {"M02": 1.0, "M11": 1.5, "M04": 0.5, "M01": 0.5})
    assign("监督纠正违法", figures["corrected"],
           {"M01": 0.35, "M04": 1.0, "M06": 1.0, "M07": 1.0, "M08": 1.0, "M09": 1.0, "M10": 1.0, "M19": 1.0})
    # everything else that proved true
    u = rng.random(n)
    criminal = np.isin(mid, [m.id for m in MODELS if m.domain == "刑事"])
    late = ~in_period
    rest = np.where(
        mid == "M03", np.where(late & (u < 0.8), "督促复学", np.where(u < 0.9, "制发检察建议", "其他")),
        np.where(late & (u < 0.004), "移送职务犯罪线索",
                 np.where(late & (u < 0.09), "监督纠正违法",
                          np.where(u < 0.58, "制发检察建议", np.where(criminal & (u < 0.74), "立案监督", "其他"))))
    ).astype(object)
    outcome = np.where(taken, outcome, np.where(c["true"], rest, "")).astype(object)
    done = verified <= as_of
    status = np.where(done, np.where(c["true"], "属实", "不属实"), "核查中").astype(object)
    outcome = np.where(done, outcome, "").astype(object)
    # the register keeps rows found up to the horizon
    keep = c["found"] <= horizon
    clues = dict(model_id=mid[keep], unit_code=c["unit_code"][keep], found_date=c["found"][keep],
                 summary=c["summary"][keep], status=status[keep],
                 verified_date=np.where(done, verified, -1)[keep], outcome=outcome[keep])
    order = np.lexsort((clues["model_id"].astype(str), clues["found_date"], clues["unit_code"].astype(str)))
    clues = {k: v[order] for k, v in clues.items()}
    yr = year_of(clues["found_date"])
    seq = seq_in_groups(clues["unit_code"].astype(str), yr)
    clues["clue_no"] = np.array([f"XS{u_}-{y}-{s:04d}" for u_, y, s in zip(clues["unit_code"], yr, seq)], dtype=object)

    suggestions = _suggestions(seed, clues, figures, end_mi, as_of, horizon)
    collection, figures["records"] = collection_rows(seed, end_mi, as_of)
    return ModelWorld(clues, suggestions, collection, figures)


def _suggestions(seed: int, clues: dict, figures: dict, end_mi: int, as_of: int, horizon: int) -> dict:
    rng = stream(seed, "suggestions")
    rows = []  # (model_id, unit, clue_no, issued)
    used: set[int] = set()
    linkable = (clues["outcome"] == "制发检察建议")

    def make(m: Model, lo: int, hi: int) -> None:
        if hi < lo:
            return
        cand = np.flatnonzero(linkable & (clues["model_id"] == m.id) & (clues["verified_date"] >= 0)
                              & (clues["verified_date"] + 5 <= hi))
        cand = np.array([i for i in cand if int(i) not in used], dtype="int64")
        if len(cand) and rng.random() < 0.72:
            i = int(cand[rng.integers(0, len(cand))])
            used.add(i)
            v = int(clues["verified_date"][i])
            first = max(v + 5, lo)
            issued = int(CALENDAR.sample_between(rng, np.array([first]), np.array([min(first + 40, hi)]))[0])
            rows.append((m.id, clues["unit_code"][i], clues["clue_no"][i], issued))
        else:
            issued = int(CALENDAR.sample_between(rng, np.array([lo]), np.array([hi]))[0])
            unit = m.unit if rng.random() < 0.6 else _clue_units(rng, m, 1)[0]
            rows.append((m.id, unit, "", issued))

    # the article's period: an exact number, spread over the models running then
    active = [m for m in MODELS if _launch_day(m) + 25 <= PERIOD_LAST]
    w = np.array([_SUGG_WEIGHT[m.id] * (PERIOD_LAST - max(_launch_day(m), PERIOD_FIRST)) / 365 for m in active])
    alloc = rng.multinomial(figures["suggestions"], w / w.sum())
    for m, k in zip(active, alloc):
        for _ in range(int(k)):
            make(m, max(_launch_day(m) + 25, PERIOD_FIRST), PERIOD_LAST)
    # afterwards: a few a month, growing
    for mi in range(month("2024-01"), end_mi + 1):
        running = [m for m in MODELS if _launch_day(m) + 25 <= int(month_first(mi))]
        rate = float(interp(mi, [("2024-01", 3.9), ("2025-06", 4.6), ("2026-12", 5.2)]))
        k = int(rng.poisson(rate))
        if not k:
            continue
        ww = np.array([_SUGG_WEIGHT[m.id] for m in running], dtype=float)
        for j in rng.choice(len(running), size=k, p=ww / ww.sum()):
            make(running[j], int(month_first(mi)), min(int(month_last(mi)), horizon))
    if not rows:
        return {k: np.zeros(0, dtype=object) for k in ("doc_no", "unit_code", "clue_no", "model_id", "domain",
                                                       "recipient", "issued_date", "due_date", "replied_date",
                                                       "adopted", "rectified")}
    model_id = np.array([r[0] for r in rows], dtype=object)
    unit = np.array([r[1] for r in rows], dtype=object)
    clue_no = np.array([r[2] for r in rows], dtype=object)
    issued = np.array([r[3] for r in rows], dtype="int64")
    keep = issued <= horizon
    model_id, unit, clue_no, issued = model_id[keep], unit[keep], clue_no[keep], issued[keep]
    n = len(issued)
    domain = np.array([MODEL_BY_ID[x].domain for x in model_id], dtype=object)
    recipient = np.array([MODEL_BY_ID[x].recipients[rng.integers(0, len(MODEL_BY_ID[x].recipients))]
                          .replace("{area}", _area(u_)) for x, u_ in zip(model_id, unit)], dtype=object)
    due = add_months(issued, 2)
    q = np.array([quality(u_, "suggestions") for u_ in unit])
    in_time = rng.random(n) < expit(logit(0.9) + 0.7 * q)
    window = np.maximum(due - issued - 10, 1)
    replied = np.where(in_time, issued + 10 + (rng.random(n) * window).astype("int64"),
                       due + rng.integers(3, 41, n))
    replied = CALENDAR.next_workday(replied)
    replied = np.where(replied > due, replied, np.minimum(replied, due))
    adopted = rng.random(n) < expit(logit(0.875) + 0.6 * q)
    rectified = adopted & (rng.random(n) < 0.9)
    answered = replied <= as_of
    order = np.lexsort((model_id.astype(str), issued, unit.astype(str)))
    kind = np.array([_DOC_KIND[d] for d in domain], dtype=object)
    out = dict(unit_code=unit, clue_no=clue_no, model_id=model_id, domain=domain, recipient=recipient,
               issued_date=issued, due_date=due, replied_date=np.where(answered, replied, -1),
               adopted=np.where(answered, adopted.astype("int8"), -1),
               rectified=np.where(answered, rectified.astype("int8"), -1), _kind=kind)
    out = {k: v[order] for k, v in out.items()}
    yr = year_of(out["issued_date"])
    # numbering per unit, year and kind of suggestion, in order of issue
    o2 = np.lexsort((out["issued_date"], out["_kind"].astype(str), yr, out["unit_code"].astype(str)))
    seq = np.zeros(n, dtype="int64")
    seq[o2] = seq_in_groups(out["unit_code"][o2].astype(str), yr[o2], out["_kind"][o2].astype(str))
    abbr = np.array([UNIT_BY_CODE[u_].abbr for u_ in out["unit_code"]], dtype=object)
    out["doc_no"] = np.array([f"运{a}检{k}〔{y}〕{s}号" for a, k, y, s in zip(abbr, out["_kind"], yr, seq)], dtype=object)
    del out["_kind"]
    return out
