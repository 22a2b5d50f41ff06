"""Non-custody supervision (P02): the monthly roster and the event stream.

Everyone under 取保候审 / 监视居住 on or after the platform's launch is enrolled (people already
on bail at launch are carried over). The roster lists each enrolled person in every month they
were supervised; the event stream has a check-in a day (thinned to one a week for the small
demo), about one online summons a month, and warnings: 越界 (left the permitted area), 未打卡
(missed check-ins) and 脱管 (absconded — exactly one per absconder).
"""
from __future__ import annotations

import numpy as np

from etl.demo import rates as R
from etl.demo.profiles import UNIT_CODES
from etl.demo.timeline import CALENDAR, DAY_SECONDS, month_first, month_last, month_of, seq_in_groups, stream, year_of

KIND_CHECKIN, KIND_SUMMONS, KIND_WARNING = "打卡", "传唤", "预警"


_UNITS = np.array(UNIT_CODES)                 # sorted unit codes
assert (np.sort(_UNITS) == _UNITS).all()
_UNITS_OBJ = np.array(UNIT_CODES, dtype=object)


def _rate_table(first_month: int, last_month: int, fn) -> np.ndarray:
    """fn(unit, months) for every unit (rows, in UNIT_CODES order) and month (columns)."""
    months = np.arange(first_month, last_month + 1)
    return np.array([fn(u, months) for u in UNIT_CODES]).reshape(len(UNIT_CODES), len(months))


def _lookup(table: np.ndarray, first_month: int, uix: np.ndarray, months: np.ndarray) -> np.ndarray:
    return table[uix, np.clip(months - first_month, 0, table.shape[1] - 1)]


def enroll(people: dict, launch: int, as_of: int) -> dict:
    """The people the platform supervised, with their person numbers (FJY140802-2023-0001)."""
    keep = (people["end"] >= launch) & (people["start"] <= as_of)
    p = {k: v[keep] for k, v in people.items()}
    p["enroll"] = np.maximum(p["start"], launch)
    order = np.lexsort((p["id_number"].astype(str), p["start"], p["enroll"], p["unit"].astype(str)))
    p = {k: v[order] for k, v in p.items()}
    yr = year_of(p["enroll"])
    o2 = np.lexsort((np.arange(len(yr)), yr, p["unit"].astype(str)))
    seq = np.zeros(len(yr), dtype="int64")
    seq[o2] = seq_in_groups(p["unit"][o2].astype(str), yr[o2])
    p["person_no"] = np.array([f"FJY{u}-{y}-{s:04d}" for u, y, s in zip(p["unit"], yr, seq)], dtype=object)
    return p


def roster(p: dict, as_of: int) -> dict:
    last = np.minimum(p["end"], as_of)
    m0, m1 = month_of(p["enroll"]), month_of(last)
    counts = np.maximum(m1 - m0 + 1, 0)
    idx = np.repeat(np.arange(len(m0)), counts)
    offs = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    m = m0[idx] + offs
    mlast = month_last(m)
    mfirst = month_first(m)
    end = p["end"][idx]
    a = p["abscond_day"][idx]
    return dict(
        stat_month=m, unit_code=p["unit"][idx], person_no=p["person_no"][idx], person_name=p["person_name"][idx],
        id_number=p["id_number"][idx], measure=p["measure"][idx], start_date=p["start"][idx],
        end_date=np.where((end <= mlast) & (end <= as_of), end, -1), bail_amount=p["bail"][idx],
        # 本月是否脱管: 是 only in the month the person absconded, not in the months they stay away
        absconded=((a >= p["enroll"][idx]) & (a >= mfirst) & (a <= mlast) & (a <= as_of)).astype("int8"),
    )


def events(seed: int, p: dict, as_of: int, checkin_step: int) -> dict:
    rng_c = stream(seed, "nc_event", "checkin", checkin_step)
    rng_s = stream(seed, "nc_event", "summons")
    rng_w = stream(seed, "nc_event", "warnings")
    n_people = len(p["enroll"])
    first = p["enroll"]
    last = np.minimum(p["end"] - 1, as_of)
    uix = np.searchsorted(_UNITS, p["unit"].astype("U6"))
    m_lo, m_hi = int(month_of(first.min() if n_people else as_of)), int(month_of(as_of))
    # each person's own reliability (some forget, most don't)
    person_shift = stream(seed, "nc_event", "people").normal(0.0, 0.55, n_people) + 0.12

    # --- daily check-ins ---
    n_days = np.where(last >= first, (last - first) // checkin_step + 1, 0)
    idx = np.repeat(np.arange(n_people), n_days)
    k = np.arange(len(idx)) - np.repeat(np.cumsum(n_days) - n_days, n_days)
    cday = first[idx] + k * checkin_step
    cm = month_of(cday)
    table = _rate_table(m_lo, m_hi, lambda u, m: R.logit(R.shifted(R.CHECKIN_RATE, m, u, "checkin", 0.6)))
    base = _lookup(table, m_lo, uix[idx], cm)
    done = rng_c.random(len(idx)) < R.expit(base + person_shift[idx])
    a, r = p["abscond_day"][idx], p["recapture"][idx]
    gone = (a >= 0) & (cday >= a) & (cday < r)
    done &= ~gone
    morning = rng_c.random(len(idx)) < 0.7
    secs = np.where(morning, 7 * 3600 + rng_c.integers(0, 3 * 3600, len(idx)),
                    10 * 3600 + rng_c.integers(0, 11 * 3600, len(idx)))
    c_time = cday * DAY_SECONDS + np.where(done, secs, 22 * 3600)
    c_kind = np.full(len(idx), KIND_CHECKIN, dtype=object)
    c_result = np.where(done, "已打卡", "未打卡").astype(object)

    # --- person-months: summons and warnings ---
    m0, m1 = month_of(first), month_of(np.maximum(last, first))
    cnt = np.where(last >= first, m1 - m0 + 1, 0)
    pi = np.repeat(np.arange(n_people), cnt)
    mm = m0[pi] + (np.arange(len(pi)) - np.repeat(np.cumsum(cnt) - cnt, cnt))
    lo = np.maximum(first[pi], month_first(mm))
    hi = np.minimum(last[pi], month_last(mm))
    ok = hi >= lo
    pi, mm, lo, hi = pi[ok], mm[ok], lo[ok], hi[ok]
    frac = (hi - lo + 1) / (month_last(mm) - month_first(mm) + 1)

    summoned = rng_s.random(len(pi)) < np.minimum(0.25 + frac, 0.97)
    s_pi, s_lo, s_hi, s_m = pi[summoned], lo[summoned], hi[summoned], mm[summoned]
    s_day = CALENDAR.sample_between(rng_s, s_lo, s_hi)
    s_time = s_day * DAY_SECONDS + 9 * 3600 + rng_s.integers(0, int(7.5 * 3600), len(s_day))
    table = _rate_table(m_lo, m_hi, lambda u, m: R.logit(R.shifted(R.SUMMONS_RATE, m, u, "summons", 0.6)))
    s_base = _lookup(table, m_lo, uix[s_pi], s_m)
    on_time = rng_s.random(len(s_day)) < R.expit(s_base + 0.5 * person_shift[s_pi])
    sa, sr = p["abscond_day"][s_pi], p["recapture"][s_pi]
    on_time &= ~((sa >= 0) & (s_day >= sa) & (s_day < sr))
    s_result = np.where(on_time, "按时到案", "未按时到案").astype(object)

    n_out = rng_w.poisson(0.07 * frac)
    n_miss = rng_w.poisson(0.11 * frac * np.exp(-0.8 * person_shift[pi]))
    w_pi = np.concatenate([np.repeat(pi, n_out), np.repeat(pi, n_miss)])
    w_lo = np.concatenate([np.repeat(lo, n_out), np.repeat(lo, n_miss)])
    w_hi = np.concatenate([np.repeat(hi, n_out), np.repeat(hi, n_miss)])
    w_type = np.concatenate([np.full(n_out.sum(), "越界预警", dtype=object), np.full(n_miss.sum(), "未打卡预警", dtype=object)])
    w_day = w_lo + (rng_w.random(len(w_lo)) * (w_hi - w_lo + 1)).astype("int64")
    w_secs = np.where(w_type == "越界预警", rng_w.integers(6 * 3600, 23 * 3600, len(w_day)),
                      22 * 3600 + rng_w.integers(60, 5400, len(w_day)))
    # one 脱管预警 per absconder, on the day they vanish
    ab = np.flatnonzero((p["abscond_day"] >= 0) & (p["abscond_day"] >= first) & (p["abscond_day"] <= as_of))
    w_pi = np.concatenate([w_pi, ab])
    w_type = np.concatenate([w_type, np.full(len(ab), "脱管预警", dtype=object)])
    w_day = np.concatenate([w_day, p["abscond_day"][ab]])
    w_secs = np.concatenate([w_secs, rng_w.integers(9 * 3600, 23 * 3600, len(ab))])
    w_time = w_day * DAY_SECONDS + w_secs
    table = _rate_table(m_lo, m_hi, lambda u, m: R.shifted(R.WARNING_IN_TIME, m, u, "warnings", 0.7))
    p_in = _lookup(table, m_lo, uix[w_pi], month_of(w_day))
    in_time = rng_w.random(len(w_pi)) < p_in
    delay_min = np.where(in_time, np.clip(rng_w.lognormal(np.log(140), 1.0, len(w_pi)), 6, 1430),
                         np.clip(1445 + rng_w.gamma(2.0, 700.0, len(w_pi)), 1445, 7000))
    handled = w_time + (delay_min * 60).astype("int64") + rng_w.integers(0, 60, len(w_pi))
    u = rng_w.random(len(w_pi))
    handling = np.where(w_type == "脱管预警", "核实脱管",
                        np.where(w_type == "越界预警", np.where(u < 0.72, "核实正常", "核实违规"),
                                 np.where(u < 0.6, "核实正常", "核实违规"))).astype(object)
    open_ = handled // DAY_SECONDS > as_of
    handled = np.where(open_, -1, handled)
    handling = np.where(open_, "处置中", handling).astype(object)

    n_c, n_s, n_w = len(idx), len(s_pi), len(w_pi)
    ev = dict(
        person=np.concatenate([idx, s_pi, w_pi]),
        kind=np.concatenate([c_kind, np.full(n_s, KIND_SUMMONS, dtype=object), np.full(n_w, KIND_WARNING, dtype=object)]),
        warning_type=np.concatenate([np.full(n_c + n_s, "", dtype=object), w_type]),
        occurred_at=np.concatenate([c_time, s_time, w_time]),
        result=np.concatenate([c_result, s_result, np.full(n_w, "", dtype=object)]),
        handled_at=np.concatenate([np.full(n_c + n_s, -1, dtype="int64"), handled]),
        handling=np.concatenate([np.full(n_c + n_s, "", dtype=object), handling]),
    )
    kind_code = np.concatenate([np.zeros(n_c, np.int8), np.ones(n_s, np.int8), np.full(n_w, 2, np.int8)])
    unit_of = uix[ev["person"]]
    order = np.lexsort((kind_code, ev["person"], ev["occurred_at"], unit_of))
    ev = {k: v[order] for k, v in ev.items()}
    unit_of = unit_of[order]
    day_of = ev["occurred_at"] // DAY_SECONDS
    ev["_seq"] = seq_in_groups(unit_of, day_of)  # numbered per unit and day
    ev["_uix"] = unit_of
    ev["_day"] = day_of
    ev["unit_code"] = _UNITS_OBJ[unit_of]
    ev["person_no"] = p["person_no"][ev["person"]]
    del ev["person"]
    return ev
