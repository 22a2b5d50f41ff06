"""The criminal-case world: arrest review, prosecution, plea hearings, juvenile cases, and the
people put under non-custody measures.

People flow as in a real case system: a person sent for arrest review is approved (and later
reaches prosecution in custody, 逮捕) or not approved (and is mostly put on bail, 取保候审, or
residential surveillance, 监视居住 — the non-custody platform supervises them — and reaches
prosecution months later). Most prosecution persons never went through arrest review (light
crimes such as 危险驾驶); they are generated directly so that 诉前羁押率 follows its trend.

Each (stream, unit) draws from its own random stream (etl.demo.timeline.stream).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from etl.demo import rates as R
from etl.demo.people import distinct_in_groups, id_numbers, names, region_for
from etl.demo.profiles import CITY, county_share, quality
from etl.demo.timeline import CALENDAR, interp, month, month_first, month_last, month_of, stream

WARMUP = month("2020-07")        # arrests before the case data starts feed 2021's prosecutions
CASE_START = month("2021-01")
NC_OTHER_START = month("2022-03")
JUVENILE_START = month("2023-08")
MAX_SURVEILLANCE_DAYS = 180      # 监视居住 lasts at most 6 months (取保候审 at most 12)
ARREST_CASE_SIZES = (0.85, 0.10, 0.035, 0.015)   # persons per arrest-review case: 1, 2, 3, 4 (mean 1.2)

# (charge, weight, logit shift of the non-arrest chance)
COUNTY_ARREST_CHARGES = (
    ("盗窃罪", 17, 0.0), ("诈骗罪", 11, -0.2), ("帮助信息网络犯罪活动罪", 8, 0.5), ("故意伤害罪", 9, 0.4),
    ("寻衅滋事罪", 6, -0.1), ("开设赌场罪", 5, 0.1), ("贩卖毒品罪", 5, -1.5), ("抢劫罪", 3, -1.3),
    ("强奸罪", 3, -1.2), ("掩饰、隐瞒犯罪所得罪", 4, 0.4), ("聚众斗殴罪", 2, -0.2),
    ("非法吸收公众存款罪", 2, 0.0), ("交通肇事罪", 2, 1.2), ("危险驾驶罪", 2, 1.2), ("组织卖淫罪", 1, -1.0),
    ("故意杀人罪", 1, -3.0), ("非法拘禁罪", 2, 0.0), ("敲诈勒索罪", 2, -0.2), ("合同诈骗罪", 2, 0.0),
    ("拒不执行判决、裁定罪", 1, 0.6), ("妨害公务罪", 2, 0.3), ("非法采矿罪", 1, 0.3), ("污染环境罪", 1, 0.5),
    ("职务侵占罪", 2, 0.4), ("信用卡诈骗罪", 2, 0.3), ("猥亵儿童罪", 1, -1.0), ("非法持有毒品罪", 1, 0.5),
)
CITY_ARREST_CHARGES = (
    ("故意杀人罪", 15, -1.0), ("贩卖毒品罪", 20, -0.5), ("组织、领导、参加黑社会性质组织罪", 8, -1.5),
    ("抢劫罪", 10, -0.3), ("强奸罪", 8, -0.3), ("集资诈骗罪", 8, 0.3), ("非法吸收公众存款罪", 10, 0.6),
    ("受贿罪", 6, 0.2), ("故意伤害罪", 10, 0.3), ("诈骗罪", 5, 0.5),
)
COUNTY_DIRECT_CHARGES = (
    ("危险驾驶罪", 28), ("帮助信息网络犯罪活动罪", 10), ("盗窃罪", 14), ("交通肇事罪", 5), ("故意伤害罪", 7),
    ("诈骗罪", 6), ("寻衅滋事罪", 4), ("开设赌场罪", 4), ("掩饰、隐瞒犯罪所得罪", 4), ("非法采矿罪", 2),
    ("滥伐林木罪", 2), ("非法狩猎罪", 1), ("非法占用农用地罪", 2), ("妨害公务罪", 2), ("赌博罪", 2),
    ("失火罪", 1), ("污染环境罪", 1), ("拒不支付劳动报酬罪", 1), ("信用卡诈骗罪", 2), ("重大责任事故罪", 1),
    ("虚开增值税专用发票罪", 1),
)
CITY_DIRECT_CHARGES = (
    ("非法吸收公众存款罪", 20), ("集资诈骗罪", 10), ("受贿罪", 15), ("贪污罪", 10), ("故意杀人罪", 10),
    ("贩卖毒品罪", 15), ("走私普通货物、物品罪", 5), ("组织、领导传销活动罪", 10), ("诈骗罪", 5),
)
JUVENILE_CHARGES = (
    ("盗窃罪", 30), ("寻衅滋事罪", 16), ("故意伤害罪", 14), ("抢劫罪", 10), ("聚众斗殴罪", 8),
    ("强奸罪", 5), ("帮助信息网络犯罪活动罪", 12), ("诈骗罪", 5),
)

JUDGMENTS = ("有期徒刑以上", "拘役", "管制", "缓刑", "单处附加刑", "免予刑事处罚", "无罪")
_J_ARRESTED = (0.80, 0.05, 0.004, 0.12, 0.01, 0.013, 0.003)
_J_DRUNK = (0.0, 0.55, 0.0, 0.40, 0.045, 0.005, 0.0)
_J_FREE = (0.28, 0.13, 0.02, 0.42, 0.09, 0.059, 0.001)
_J_CITY = (0.93, 0.01, 0.0, 0.04, 0.0, 0.017, 0.003)

BAIL_AMOUNTS = np.array([3000, 5000, 8000, 10000, 10000, 20000, 20000, 30000, 50000])
BAIL_P = np.array([0.05, 0.22, 0.06, 0.22, 0.10, 0.14, 0.06, 0.09, 0.06])
BAIL_P = BAIL_P / BAIL_P.sum()


def _charges(table):
    names_ = np.array([c[0] for c in table], dtype=object)
    w = np.array([c[1] for c in table], dtype=float)
    return names_, w / w.sum()


def _mean_shift(table) -> float:
    w = np.array([c[1] for c in table], dtype=float)
    s = np.array([c[2] for c in table], dtype=float)
    return float((w * s).sum() / w.sum())


def _review_p(unit: str) -> np.ndarray:
    base = np.array([0.03, 0.06, 0.12, 0.17, 0.22, 0.20, 0.20])
    q = quality(unit, "review_days")
    p = base * np.exp(-0.35 * q * (np.arange(1, 8) - 4))
    return p / p.sum()


def _adult_ages(rng, n):
    return np.clip(18 + rng.gamma(2.2, 8.5, n), 18, 79)


def _births(rng, ref_days, ages):
    return (ref_days - ages * 365.25 - rng.integers(0, 365, len(ages))).astype("int64")


class _Acc:
    """Accumulates column arrays batch by batch."""

    def __init__(self):
        self.parts: dict[str, list[np.ndarray]] = {}

    def add(self, **cols):
        for k, v in cols.items():
            self.parts.setdefault(k, []).append(np.asarray(v))

    def arrays(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(v) for k, v in self.parts.items()}


@dataclass
class CaseWorld:
    arrest: dict[str, np.ndarray]        # one row per person in arrest review
    prosecution: dict[str, np.ndarray]   # one row per person in prosecution (incl. still pending)
    juvenile: dict[str, np.ndarray]
    nc_people: dict[str, np.ndarray]     # everyone put under a non-custody measure


def _prosecution_outcomes(rng, unit: str, received, concluded, custody, charge) -> dict[str, np.ndarray]:
    """Plea, outcome, sentencing recommendation and judgment of prosecution persons."""
    n = len(concluded)
    mi = month_of(concluded)
    arrested = custody == "逮捕"
    base = R.logit(R.shifted(R.PLEA, mi, unit, "plea", 0.45))
    if unit == CITY:
        base = base - 0.9
    p_plea = R.expit(base + np.where(arrested, -0.55, 0.2))
    plea = rng.random(n) < p_plea
    p_np = np.where(arrested, R.NON_PROS_ARRESTED,
                    R.shifted(R.NON_PROS_FREE, mi, unit, "non_pros", 0.35) * (0.35 if unit == CITY else 1.0))
    p_np = np.where(plea, p_np, p_np * 0.6)
    indicted = rng.random(n) >= p_np
    p_fixed = R.shifted(R.FIXED_REC, mi, unit, "fixed_rec", 0.5)
    u = rng.random(n)
    rec = np.where(plea, np.where(u < p_fixed, "确定刑", "幅度刑"),
                   np.where(u < 0.35, "幅度刑", "未提出")).astype(object)
    rec = np.where(indicted, rec, "").astype(object)
    p_adopt = R.shifted(R.REC_ADOPTED, mi, unit, "rec_adopted", 0.55)
    adopted = rng.random(n) < np.where(plea, p_adopt, p_adopt - 0.06)
    lag = np.where(plea, 7 + rng.gamma(1.6, 9.0, n), 25 + rng.gamma(2.0, 30.0, n)).astype("int64")
    judgment_day = CALENDAR.next_workday(concluded + lag)
    drunk = charge == "危险驾驶罪"
    u = rng.random(n)
    cum = {k: np.cumsum(v) for k, v in (("a", _J_ARRESTED), ("d", _J_DRUNK), ("f", _J_FREE), ("c", _J_CITY))}
    if unit == CITY:
        idx = np.where(arrested, np.searchsorted(cum["c"], u * cum["c"][-1]),
                       np.searchsorted(cum["f"], u * cum["f"][-1]))
    else:
        idx = np.where(arrested, np.searchsorted(cum["a"], u * cum["a"][-1]),
                       np.where(drunk, np.searchsorted(cum["d"], u * cum["d"][-1]),
                                np.searchsorted(cum["f"], u * cum["f"][-1])))
    judgment = np.array(JUDGMENTS, dtype=object)[np.minimum(idx, len(JUDGMENTS) - 1)]
    signed = CALENDAR.sample_between(rng, np.minimum(received + 1, concluded), concluded)
    return dict(plea=plea, outcome=np.where(indicted, "提起公诉", "不起诉").astype(object), rec=rec,
                adopted=adopted, judgment_day=np.where(indicted, judgment_day, -1),
                judgment=np.where(indicted, judgment, "").astype(object), signed=signed)


def _cases_by_month(rng, months: np.ndarray, lam: np.ndarray, sizes_p):
    """Cases per month (Poisson) with their sizes: returns (case month, case size)."""
    sizes_p = np.asarray(sizes_p)
    mean = float(np.dot(np.arange(1, len(sizes_p) + 1), sizes_p))
    k = rng.poisson(np.maximum(lam, 0.0) / mean)
    case_month = np.repeat(months, k)
    sizes = rng.choice(np.arange(1, len(sizes_p) + 1), size=len(case_month), p=sizes_p)
    return case_month, sizes


def _days_in(rng, case_month: np.ndarray) -> np.ndarray:
    """A work-weighted day inside each case's month."""
    return CALENDAR.sample_between(rng, month_first(case_month), month_last(case_month))


def _durations(rng, n):
    """Days under a non-custody measure: 3–12 months, most around half a year."""
    return np.clip(90 + rng.gamma(2.2, 55.0, n), 90, 365).astype("int64")


def _bail(rng, measure):
    n = len(measure)
    deposit = (measure == "取保候审") & (rng.random(n) < 0.64)
    amount = BAIL_AMOUNTS[rng.choice(len(BAIL_AMOUNTS), size=n, p=BAIL_P)]
    return np.where(deposit, amount, -1)


def _arrest_unit(seed: int, unit: str, end_mi: int, acc_a: _Acc, acc_p: _Acc, acc_nc: _Acc) -> int:
    rng = stream(seed, "arrest", unit)
    table = CITY_ARREST_CHARGES if unit == CITY else COUNTY_ARREST_CHARGES
    charge_names, charge_p = _charges(table)
    charge_shift = np.array([c[2] for c in table]) - _mean_shift(table)
    months = np.arange(WARMUP, end_mi + 1)
    lam = R.arrest_per_workday(unit, months) * CALENDAR.work_in_month(months)
    case_month, sizes = _cases_by_month(rng, months, lam, ARREST_CASE_SIZES)
    k, n = len(sizes), int(sizes.sum())
    if n == 0:
        return 0
    case_ix = np.repeat(np.arange(k), sizes)
    received_c = _days_in(rng, case_month)
    review_c = rng.choice(np.arange(1, 8), size=k, p=_review_p(unit))
    concluded_c = received_c + review_c
    charge_c = rng.choice(len(charge_names), size=k, p=charge_p)
    # persons
    male = rng.random(n) < 0.88
    nm = distinct_in_groups(rng, names(rng, male), case_ix, male)
    received = received_c[case_ix]
    concluded = concluded_c[case_ix]
    births = _births(rng, received, _adult_ages(rng, n))
    ids = id_numbers(rng, region_for(rng, unit, n), births, male)
    cm = month_of(concluded)
    p_not = R.expit(R.logit(R.non_arrest_rate(unit, cm)) + charge_shift[charge_c[case_ix]])
    approved = rng.random(n) >= p_not
    share_nd = interp(cm, R.NO_DANGER_SHARE)
    u = rng.random(n)
    rest = (u - share_nd) / np.maximum(1 - share_nd, 1e-9)
    reason = np.where(u < share_nd, "无社会危险性",
                      np.where(rest < 0.62, "证据不足", np.where(rest < 0.82, "不构成犯罪", "其他"))).astype(object)
    reason = np.where(approved, "", reason).astype(object)
    u_assess = rng.random(n)
    # what happens next
    u1, u2, u3 = rng.random(n), rng.random(n), rng.random(n)
    nc = ~approved & np.select([reason == "无社会危险性", reason == "证据不足", reason == "其他"],
                               [np.ones(n, bool), u1 < 0.6, u1 < 0.7], False)
    to_pros = np.where(approved, u2 < 0.97,
                       nc & np.select([reason == "无社会危险性", reason == "证据不足"], [u2 < 0.95, u2 < 0.5], u2 < 0.8))
    measure = np.where(u3 < 0.9, "取保候审", "监视居住").astype(object)
    nc_start = concluded + (rng.random(n) < 0.3)
    dur = _durations(rng, n)
    bail = _bail(rng, measure)
    absconds = nc & (rng.random(n) < R.ABSCOND_P)
    # the prosecution case (one per arrest case, if anybody goes on)
    any_app = np.zeros(k, bool)
    np.logical_or.at(any_app, case_ix, approved & to_pros)
    big = np.iinfo(np.int64).max
    nc_target = np.full(k, big)
    goes_nc = nc & to_pros
    np.minimum.at(nc_target, case_ix[goes_nc], (nc_start + dur - rng.integers(10, 36, n))[goes_nc])
    lag = rng.integers(25, 61, k)
    pros_received_c = np.where(any_app | (nc_target == big), concluded_c + lag, nc_target)
    pros_received_c = CALENDAR.next_workday(np.maximum(pros_received_c, concluded_c + 20))
    pros_review_c = np.clip(10 + rng.gamma(2.0, 8.0, k), 8, 45).astype("int64")
    pros_concluded_c = CALENDAR.next_workday(pros_received_c + pros_review_c)
    p_received = pros_received_c[case_ix]
    p_concluded = pros_concluded_c[case_ix]
    nc_end = np.where(to_pros, np.maximum(p_concluded + rng.integers(0, 16, n), nc_start + 90 + rng.integers(0, 21, n)),
                      nc_start + dur)
    span = np.maximum(nc_end - nc_start - 25, 1)
    abscond_day = nc_start + 15 + (rng.random(n) * span).astype("int64")
    recapture = abscond_day + rng.integers(3, 41, n)
    nc_end = np.where(absconds, np.minimum(nc_end, recapture), nc_end)
    nc_end = np.where(measure == "监视居住", np.minimum(nc_end, nc_start + MAX_SURVEILLANCE_DAYS), nc_end)
    absconds &= abscond_day < nc_end
    custody = np.where(approved, np.where(u3 < 0.93, "逮捕", "取保候审"), measure).astype(object)
    custody = np.where(absconds & (recapture <= p_concluded), "逮捕", custody).astype(object)
    charge = charge_names[charge_c[case_ix]]
    outc = _prosecution_outcomes(rng, unit, p_received, p_concluded, custody, charge)
    acc_a.add(unit=np.full(n, unit, object), case_gid=case_ix, person_name=nm, id_number=ids, charge=charge,
              received=received, concluded=concluded, approved=approved, reason=reason, u_assess=u_assess)
    sel = to_pros
    acc_p.add(unit=np.full(sel.sum(), unit, object), case_gid=case_ix[sel], origin=np.zeros(sel.sum(), np.int8),
              person_name=nm[sel], id_number=ids[sel], charge=charge[sel], received=p_received[sel],
              concluded=p_concluded[sel], custody=custody[sel], **{k2: v[sel] for k2, v in outc.items()})
    sel = nc
    m = int(sel.sum())
    acc_nc.add(unit=np.full(m, unit, object), person_name=nm[sel], id_number=ids[sel], measure=measure[sel],
               start=nc_start[sel], end=nc_end[sel], bail=bail[sel],
               abscond_day=np.where(absconds, abscond_day, -1)[sel],
               recapture=np.where(absconds, recapture, -1)[sel], origin=np.zeros(m, np.int8))
    return k


def _direct_unit(seed: int, unit: str, end_mi: int, acc_p: _Acc, gid0: int) -> None:
    """Prosecution persons who never went through arrest review, by month of conclusion."""
    rng = stream(seed, "prosecution", unit)
    table = CITY_DIRECT_CHARGES if unit == CITY else COUNTY_DIRECT_CHARGES
    charge_names, charge_p = _charges([(c[0], c[1]) for c in table])
    months = np.arange(CASE_START, end_mi + 4)
    p_not = R.non_arrest_rate(unit, months)
    det = R.detention_rate(unit, months)
    linked = (1 - p_not) * 0.97 + p_not * 0.67
    per_day = R.arrest_per_workday(unit, months) * np.maximum((1 - p_not) / det - linked, 0.25)
    case_month, sizes = _cases_by_month(rng, months, per_day * CALENDAR.work_in_month(months), [0.9, 0.08, 0.02])
    k, n = len(sizes), int(sizes.sum())
    if n == 0:
        return
    case_ix = np.repeat(np.arange(k), sizes)
    concluded_c = _days_in(rng, case_month)
    review_c = np.clip(6 + rng.gamma(2.0, 8.0, k), 5, 45).astype("int64")
    received_c = concluded_c - review_c
    charge_c = rng.choice(len(charge_names), size=k, p=charge_p)
    male = rng.random(n) < 0.86
    nm = distinct_in_groups(rng, names(rng, male), case_ix, male)
    received = received_c[case_ix]
    births = _births(rng, received, _adult_ages(rng, n))
    ids = id_numbers(rng, region_for(rng, unit, n), births, male)
    custody_opts = np.array(["取保候审", "未采取强制措施", "监视居住", "逮捕"], dtype=object)
    custody = custody_opts[rng.choice(4, size=n, p=[0.79, 0.15, 0.04, 0.02])]
    charge = charge_names[charge_c[case_ix]]
    concluded = concluded_c[case_ix]
    outc = _prosecution_outcomes(rng, unit, received, concluded, custody, charge)
    acc_p.add(unit=np.full(n, unit, object), case_gid=gid0 + case_ix, origin=np.ones(n, np.int8),
              person_name=nm, id_number=ids, charge=charge, received=received, concluded=concluded,
              custody=custody, **outc)


def _juvenile_unit(seed: int, unit: str, end_mi: int, acc_j: _Acc) -> None:
    if end_mi < JUVENILE_START:
        return
    rng = stream(seed, "juvenile", unit)
    charge_names, charge_p = _charges(JUVENILE_CHARGES)
    share = 0.02 if unit == CITY else county_share(unit) * 0.98
    months = np.arange(JUVENILE_START, end_mi + 1)
    lam = interp(months, R.JUVENILE_PER_YEAR) * share / CALENDAR.work_per_year * CALENDAR.work_in_month(months)
    case_month, sizes = _cases_by_month(rng, months, lam, [0.7, 0.2, 0.1])
    k, n = len(sizes), int(sizes.sum())
    if n == 0:
        return
    case_ix = np.repeat(np.arange(k), sizes)
    concluded_c = _days_in(rng, case_month)
    received_c = concluded_c - np.clip(8 + rng.gamma(2.0, 9.0, k), 7, 45).astype("int64")
    charge_c = rng.choice(len(charge_names), size=k, p=charge_p)
    male = rng.random(n) < 0.9
    nm = distinct_in_groups(rng, names(rng, male), case_ix, male)
    concluded = concluded_c[case_ix]
    ages = 14 + rng.random(n) * 3.99
    births = (received_c[case_ix] - ages * 365.25).astype("int64")
    ids = id_numbers(rng, region_for(rng, unit, n), births, male)
    p_cond = R.shifted(R.JUV_CONDITIONAL, month_of(concluded), unit, "juv_conditional", 0.4)
    u = rng.random(n)
    outcome = np.where(u < p_cond, "附条件不起诉", np.where(u < p_cond + 0.14, "不起诉", "提起公诉")).astype(object)
    survey = rng.random(n) < R.expit(R.logit(0.955) + 0.8 * quality(unit, "juv_survey"))
    acc_j.add(unit=np.full(n, unit, object), case_gid=case_ix, person_name=nm, id_number=ids,
              charge=charge_names[charge_c[case_ix]], received=received_c[case_ix], concluded=concluded,
              outcome=outcome, survey=survey)


def _other_nc_unit(seed: int, unit: str, end_mi: int, acc_nc: _Acc) -> None:
    """People put on bail outside arrest review (by the police or at prosecution) whom the platform supervises."""
    rng = stream(seed, "nc_other", unit)
    share = 0.02 if unit == CITY else county_share(unit) * 0.98
    months = np.arange(NC_OTHER_START, end_mi + 1)
    if len(months) == 0:
        return
    lam = interp(months, R.OTHER_NC_PER_MONTH) * share * CALENDAR.work_in_month(months) / (CALENDAR.work_per_year / 12)
    start = _days_in(rng, np.repeat(months, rng.poisson(lam)))
    n = len(start)
    male = rng.random(n) < 0.85
    nm = names(rng, male)
    births = _births(rng, start, _adult_ages(rng, n))
    ids = id_numbers(rng, region_for(rng, unit, n), births, male)
    measure = np.where(rng.random(n) < 0.92, "取保候审", "监视居住").astype(object)
    dur = _durations(rng, n)
    dur = np.where(measure == "监视居住", np.minimum(dur, MAX_SURVEILLANCE_DAYS), dur)
    bail = _bail(rng, measure)
    absconds = rng.random(n) < R.ABSCOND_P
    abscond_day = start + 15 + (rng.random(n) * (dur - 25)).astype("int64")
    recapture = abscond_day + rng.integers(3, 41, n)
    end = np.where(absconds, np.minimum(start + dur, recapture), start + dur)
    absconds &= abscond_day < end
    acc_nc.add(unit=np.full(n, unit, object), person_name=nm, id_number=ids, measure=measure, start=start,
               end=end, bail=bail, abscond_day=np.where(absconds, abscond_day, -1),
               recapture=np.where(absconds, recapture, -1), origin=np.ones(n, np.int8))


def build(seed: int, units: tuple[str, ...], end_mi: int) -> CaseWorld:
    acc_a, acc_p, acc_j, acc_nc = _Acc(), _Acc(), _Acc(), _Acc()
    for unit in units:
        n_arrest_cases = _arrest_unit(seed, unit, end_mi, acc_a, acc_p, acc_nc) or 0
        _direct_unit(seed, unit, end_mi, acc_p, n_arrest_cases)
        _juvenile_unit(seed, unit, end_mi, acc_j)
        _other_nc_unit(seed, unit, end_mi, acc_nc)
    return CaseWorld(acc_a.arrays(), acc_p.arrays(), acc_j.arrays(), acc_nc.arrays())
