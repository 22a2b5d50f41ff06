"""Turn the generated world into one table per source, shaped as the contracts say.

A table is a dict of equal-length numpy arrays keyed by the contract's internal column names,
plus `_unit` (the office whose export carries the row) and `_month` (the month of the file).
Dates are day numbers, datetimes seconds, months month indexes; -1 / "" mean empty.
Everything is cut at `as_of`: nothing dated after it exists yet (except 回复期限).
"""
from __future__ import annotations

import numpy as np

from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.units import UNIT_BY_CODE
from etl.demo import rates as R
from cockpit.metrics.assessment import (AGGRAVATING, BANDS, FORCE_HIGH, FORCE_LOW, MITIGATING, TYPICAL,
                                       charge_kind, consistent_items, fits)
from etl.demo.cases import CaseWorld
from etl.demo.models import ModelWorld, registry_rows
from etl.demo.profiles import CITY, UNIT_CODES, quality
from etl.demo.timeline import interp, month, month_first, month_last, month_of, seq_in_groups, stream, year_of

# The article: the assessment was validated on 905 cases (个案件). Cases, not persons: exactly
# this many distinct 部门受案号 with an assessed person are concluded in the validation period
# (a case of several suspects holds several assessed persons).
VALIDATION_ASSESSED_CASES = 905


def _unit_names(units: np.ndarray) -> np.ndarray:
    lut = {c: u.name for c, u in UNIT_BY_CODE.items()}
    return np.array([lut[u] for u in units], dtype=object)


def _case_numbers(units, gids, received, kind: str) -> np.ndarray:
    """运盐检捕受〔2023〕123号: numbered per unit and year in order of receipt."""
    uix = np.searchsorted(np.array(UNIT_CODES), np.asarray(units).astype("U6"))
    keys, first, inverse = np.unique(uix * 10**8 + np.asarray(gids), return_index=True, return_inverse=True)
    cu, cr = uix[first], np.asarray(received)[first]
    cy = year_of(cr)
    order = np.lexsort((keys, cr, cu))
    seq = np.empty(len(keys), dtype="int64")
    seq[order] = seq_in_groups(cu[order], cy[order])
    abbr = [UNIT_BY_CODE[c].abbr for c in UNIT_CODES]
    numbers = np.array([f"运{abbr[u]}检{kind}〔{y}〕{n}号" for u, y, n in zip(cu.tolist(), cy.tolist(), seq.tolist())],
                       dtype=object)
    return numbers[inverse.ravel()]


def _per_unit(units: np.ndarray, months: np.ndarray, fn) -> np.ndarray:
    out = np.zeros(len(units))
    for u in np.unique(units.astype(str)):
        sel = units == u
        out[sel] = fn(str(u), months[sel])
    return out


def _assessment(seed: int, a: dict, as_of: int):
    n = len(a["concluded"])
    p01 = PLATFORM_BY_ID["P01"]
    cm = month_of(a["concluded"])
    elig = (cm >= month(p01.launch)) & (a["concluded"] <= as_of)
    cov = _per_unit(a["unit"], cm, lambda u, m: 1 - (1 - interp(m, R.ASSESS_COVERAGE))
                    * np.exp(-0.8 * quality(u, "assessment")))
    assessed = elig & (a["u_assess"] < cov)
    v0, v1 = (month(x) for x in p01.validation)
    val = elig & (cm >= v0) & (cm <= v1)
    pool = np.flatnonzero(val)
    uix = np.searchsorted(np.array(UNIT_CODES), a["unit"][pool].astype("U6"))
    cases, case_of = np.unique(uix * 10**8 + a["case_gid"][pool], return_inverse=True)  # as _case_numbers
    if as_of >= month_last(v1) and len(cases) >= VALIDATION_ASSESSED_CASES:
        # weighted sampling of cases without replacement: a case's key is its best person's
        person_keys = np.log(np.maximum(a["u_assess"][pool], 1e-300)) / cov[pool]
        case_keys = np.full(len(cases), -np.inf)
        np.maximum.at(case_keys, case_of.ravel(), person_keys)
        top = np.argsort(-case_keys, kind="stable")[:VALIDATION_ASSESSED_CASES]
        assessed[val] = False
        assessed[pool[np.isin(case_of.ravel(), top)]] = True   # every person of a chosen case
    rng = stream(seed, "assessment")
    ix = np.flatnonzero(assessed)
    k = len(ix)
    cons_p = _per_unit(a["unit"][ix], cm[ix], lambda u, m: R.shifted(R.ASSESS_CONSISTENCY, m, u, "consistency", 0.5))
    consistent = rng.random(k) < cons_p
    approved = a["approved"][ix]
    u = rng.random(k)
    band = np.where(approved, np.where(consistent, "高", np.where(u < 0.8, "中", "低")),
                    np.where(consistent, np.where(u < 0.55, "低", "中"), "高")).astype(object)
    lo = np.select([band == "低", band == "中"], [BANDS[0][1] + 8, BANDS[1][1]], BANDS[2][1])
    hi = np.select([band == "低", band == "中"], [BANDS[0][2], BANDS[1][2]], BANDS[2][2] - 3)
    score = lo + (rng.random(k) * (hi - lo + 1)).astype("int64")
    n_agg = np.select([band == "高", band == "中"], [rng.integers(2, 6, k), rng.integers(1, 4, k)], rng.integers(0, 2, k))
    n_mit = np.select([band == "高", band == "中"], [rng.integers(0, 2, k), rng.integers(1, 4, k)], rng.integers(2, 6, k))
    kinds = np.array([charge_kind(c) for c in a["charge"][ix]], dtype=object)
    female = np.array([int(x[16]) % 2 == 0 if x else False for x in a["id_number"][ix]], dtype=bool)

    def draw(pool: tuple[str, ...], counts: np.ndarray) -> list[list[str]]:
        """`counts` distinct items per person from `pool`, only items that fit the offence."""
        kind_names = sorted(set(kinds.tolist()))
        by_kind = np.array([[fits(code, kd) for code in pool] for kd in kind_names]).reshape(-1, len(pool))
        fit = by_kind[np.searchsorted(np.array(kind_names), kinds.astype(str))] if k else np.zeros((0, len(pool)), bool)
        keys = rng.random((k, len(pool))) + np.where(fit, 0.0, 2.0)
        order = np.argsort(keys, axis=1)
        take = np.minimum(counts, fit.sum(axis=1))
        codes = np.array(pool, dtype=object)
        return [list(codes[order[j, :take[j]]]) for j in range(k)]

    agg = draw(AGGRAVATING, n_agg)
    mit = draw(MITIGATING, n_mit)
    force_hi = np.array(FORCE_HIGH, dtype=object)[rng.integers(0, len(FORCE_HIGH), k)]
    force_lo = np.array(FORCE_LOW, dtype=object)[rng.integers(0, len(FORCE_LOW), k)]
    force_lo = np.where((force_lo == "C14") & ~female, "C13", force_lo)
    u_force, u_typical = rng.random(k), rng.random(k)
    items = []
    for j in range(k):
        codes = set(agg[j] + mit[j])
        typical = TYPICAL.get(kinds[j])
        if typical and u_typical[j] < 0.8:
            codes.add(typical)
        if band[j] == "高" and approved[j] and u_force[j] < 0.3:
            codes.add(force_hi[j])
        elif band[j] == "低" and u_force[j] < 0.06:
            codes.add(force_lo[j])
        items.append(";".join(consistent_items(codes, band[j])))
    score_all = np.full(n, -1, dtype="int64")
    band_all = np.full(n, "", dtype=object)
    items_all = np.full(n, "", dtype=object)
    score_all[ix] = score
    band_all[ix] = band
    items_all[ix] = np.array(items, dtype=object)
    return score_all, band_all, items_all


def arrest(seed: int, w: CaseWorld, as_of: int) -> dict:
    a = w.arrest
    case_no = _case_numbers(a["unit"], a["case_gid"], a["received"], "捕受")
    score, band, items = _assessment(seed, a, as_of)
    keep = (a["concluded"] <= as_of) & (month_of(a["concluded"]) >= month("2021-01"))
    t = dict(case_no=case_no, unit_code=a["unit"], unit_name=_unit_names(a["unit"]), person_name=a["person_name"],
             id_number=a["id_number"], charge=a["charge"], received_date=a["received"], concluded_date=a["concluded"],
             decision=np.where(a["approved"], "批准逮捕", "不批准逮捕").astype(object), non_arrest_reason=a["reason"],
             risk_score=score, risk_band=band, risk_items=items)
    t = {k: v[keep] for k, v in t.items()}
    return _finish(t, t["unit_code"], t["concluded_date"], (t["case_no"],))


def prosecution(seed: int, w: CaseWorld, as_of: int) -> tuple[dict, dict]:
    p = w.prosecution
    case_no = _case_numbers(p["unit"], p["case_gid"], p["received"], "刑诉受")
    judged = (p["judgment_day"] >= 0) & (p["judgment_day"] <= as_of)
    has_rec = np.isin(p["rec"], ["确定刑", "幅度刑"])
    adopted = np.where(judged & has_rec, (p["adopted"] & (p["judgment"] != "无罪")).astype("int8"), -1)
    keep = (p["concluded"] <= as_of) & (month_of(p["concluded"]) >= month("2021-01"))
    t = dict(case_no=case_no, unit_code=p["unit"], unit_name=_unit_names(p["unit"]), person_name=p["person_name"],
             id_number=p["id_number"], charge=p["charge"], received_date=p["received"], concluded_date=p["concluded"],
             outcome=p["outcome"], custody=p["custody"], plea=p["plea"].astype("int8"), sentencing_rec=p["rec"],
             rec_adopted=adopted, judgment_date=np.where(judged, p["judgment_day"], -1),
             judgment=np.where(judged, p["judgment"], "").astype(object))
    pros = _finish({k: v[keep] for k, v in t.items()}, p["unit"][keep], p["concluded"][keep], (case_no[keep],))
    # plea statements: one per person who pleaded, from the recording platform's launch
    p03 = month_first(month(PLATFORM_BY_ID["P03"].launch))
    sel = p["plea"] & (p["signed"] >= p03) & (p["signed"] <= as_of)
    rng = stream(seed, "plea")
    units, signed = p["unit"][sel], p["signed"][sel]
    sm = month_of(signed)
    k = int(sel.sum())
    rec_p = _per_unit(units, sm, lambda u, m: R.shifted(R.RECORDED, m, u, "recording", 0.8))
    remote_p = _per_unit(units, sm, lambda u, m: R.shifted(R.REMOTE, m, u, "remote", 0.6))
    efp_p = _per_unit(units, sm, lambda u, m: R.shifted(R.EFP_RETURNED, m, u, "efp", 0.6))
    remote = rng.random(k) < remote_p
    plea = dict(case_no=case_no[sel], unit_code=units, unit_name=_unit_names(units), person_name=p["person_name"][sel],
                signed_date=signed, recorded=(rng.random(k) < rec_p).astype("int8"),
                hearing_mode=np.where(remote, "远程", "现场").astype(object),
                efp_returned=(rng.random(k) < efp_p).astype("int8"))
    return pros, _finish(plea, units, signed, (plea["case_no"],))


def juvenile(w: CaseWorld, as_of: int) -> dict:
    j = w.juvenile
    if not j:
        return {}
    case_no = _case_numbers(j["unit"], j["case_gid"], j["received"], "未检受")
    keep = j["concluded"] <= as_of
    t = dict(case_no=case_no, unit_code=j["unit"], unit_name=_unit_names(j["unit"]), person_name=j["person_name"],
             id_number=j["id_number"], charge=j["charge"], concluded_date=j["concluded"], outcome=j["outcome"],
             social_survey=j["survey"].astype("int8"))
    t = {k: v[keep] for k, v in t.items()}
    return _finish(t, t["unit_code"], t["concluded_date"], (t["case_no"],))


def nc_person(roster: dict) -> dict:
    t = dict(roster)
    t["unit_name"] = _unit_names(t["unit_code"])
    order = np.lexsort((t["person_no"].astype(str), t["stat_month"]))
    t = {k: v[order] for k, v in t.items()}
    t["_unit"] = t["unit_code"]
    t["_month"] = t["stat_month"]
    return t


def nc_event(ev: dict) -> dict:
    """Event numbers SJ<unit><yyyymmdd><seq>: unique across all units and days."""
    t = {k: v for k, v in ev.items() if not k.startswith("_")}
    d = ev["_day"].astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype("int64") + 1970
    m = d.astype("datetime64[M]").astype("int64") % 12 + 1
    dom = (d - d.astype("datetime64[M]")).astype("int64") + 1
    unit = np.array(UNIT_CODES, dtype="int64")[ev["_uix"]]
    number = unit * 10**13 + (y * 10_000 + m * 100 + dom) * 10**5 + ev["_seq"]
    t["event_no"] = np.char.add("SJ", number.astype("U19")).astype(object)
    t["_unit"] = np.array(UNIT_CODES)[ev["_uix"]]
    t["_month"] = month_of(ev["_day"])
    return t


def clue(mw: ModelWorld) -> dict:
    t = dict(mw.clues)
    order = np.lexsort((t["clue_no"].astype(str), t["found_date"]))
    t = {k: v[order] for k, v in t.items()}
    t["_unit"] = t["unit_code"]
    t["_month"] = month_of(t["found_date"])
    return t


def suggestion(mw: ModelWorld) -> dict:
    t = dict(mw.suggestions)
    if len(t["issued_date"]) == 0:
        return {}
    order = np.lexsort((t["doc_no"].astype(str), t["issued_date"]))
    t = {k: np.asarray(v)[order] for k, v in t.items()}
    t["_unit"] = t["unit_code"]
    t["_month"] = month_of(t["issued_date"])
    return t


def by_date(t: dict, date_col: str) -> dict:
    """A register written in the unit and month of one of its dates (empty: no file)."""
    if len(t.get(date_col, ())) == 0:
        return {}
    order = np.lexsort((t[date_col],))
    t = {k: np.asarray(v)[order] for k, v in t.items()}
    t["_unit"] = t["unit_code"]
    t["_month"] = month_of(t[date_col])
    return t


def collection(mw: ModelWorld) -> dict:
    t = dict(mw.collection)
    order = np.lexsort((t["provider"].astype(str), t["model_id"].astype(str), t["stat_month"]))
    t = {k: v[order] for k, v in t.items()}
    t["_unit"] = np.full(len(order), CITY, dtype=object)
    t["_month"] = t["stat_month"]
    return t


def registry(as_of: int, end_mi: int) -> dict:
    rows = registry_rows(as_of)
    if not rows:
        return {}
    t = {k: np.array([r[k] for r in rows], dtype=object if k != "launch_date" else "int64") for k in rows[0]}
    t["_unit"] = np.full(len(rows), CITY, dtype=object)
    t["_month"] = np.full(len(rows), end_mi, dtype="int64")
    return t


def _finish(t: dict, units: np.ndarray, dates: np.ndarray, tiebreak: tuple) -> dict:
    order = np.lexsort(tuple(x.astype(str) for x in tiebreak) + (dates,))
    t = {k: v[order] for k, v in t.items()}
    t["_unit"] = units[order]
    t["_month"] = month_of(dates[order])
    return t


def number_copy(t: dict, copy: int) -> dict:
    """The record numbers of one copy of the case world in a scaled-up demo (`size="x10"`):
    the copy's digit appended to every case, person and event number (运盐检捕受〔2023〕123号 →
    …〔2023〕1237号, FJY140802-2023-0001 → …-00017, SJ… → SJ…7), so that the copies' numbers
    never meet and the references between sources (a plea's case, an event's person) hold."""
    if not t:
        return t
    digit = str(copy)
    out = dict(t)
    if "case_no" in t:
        out["case_no"] = np.array([s[:-1] + digit + s[-1] for s in t["case_no"].tolist()], dtype=object)
    for col in ("person_no", "event_no"):
        if col in t:
            out[col] = np.asarray(t[col], dtype=object) + digit
    return out
