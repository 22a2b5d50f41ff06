"""Each clue's path after it is found (PRACTICE §3), the records the models collided to find
it, and the supervision cases of every origin.

发现 → 案管登记 → 移送分流 → 核查 → 成案 → 监督文书 → 回复/整改 → 反馈, with realistic delays:
most steps on time, a few late, some pressed (督办) by case management. The draws come from
their own random streams, so the clues, suggestions and collection figures of `models.build`
(the article's figures) stay exactly as they were.
"""
from __future__ import annotations

import numpy as np

from cockpit.metrics.platforms import PLATFORM_BY_ID
from cockpit.metrics.units import UNIT_BY_CODE
from etl.demo.people import FEMALE_CHARS, MALE_CHARS, SURNAME_P, SURNAMES
from etl.demo.profiles import COUNTY_CODES, county_share
from etl.demo.timeline import CALENDAR, FIRST_DAY, add_months, day, seq_in_groups, stream, year_of

DOCUMENT = {"制发检察建议": "检察建议书", "监督纠正违法": "纠正违法通知书", "移送职务犯罪线索": "移送线索函",
            "督促复学": "督促函", "立案监督": "通知立案书"}
NEEDS_REPLY = ("检察建议书", "纠正违法通知书")
DROP_REASONS = ("数据比对误差", "已依法处理", "不属于监督范围", "证据不足", "其他")
_DEPARTMENT = {"刑事": "第一检察部", "民事": "第六检察部", "行政": "第七检察部", "公益诉讼": "第八检察部",
               "未成年人": "第九检察部"}
_EXECUTION = ("M04", "M06", "M07", "M08")   # 刑事执行检察 (第五检察部)
_DOMAIN_CHAR = {"刑事": "刑", "民事": "民", "行政": "行", "公益诉讼": "公", "未成年人": "未"}
# the simulated case-management office presses a step this many days after it fell due
_VERIFY_DAYS, _REGISTER_DAYS, _FEEDBACK_DAYS = 60, 7, 7
SUP_ORIGINS = ("依程序移送", "依申请", "主动发现")


def _wd(d) -> np.ndarray:
    """The next work day on or after d (-1, a missing date, stays missing)."""
    d = np.asarray(d, dtype="int64")
    return np.where(d >= 0, CALENDAR.next_workday(np.where(d >= 0, d, FIRST_DAY)), -1)


def _later(rng, start: np.ndarray, lo: int, hi: int, late_p: float, late_hi: int) -> np.ndarray:
    """start + a delay of lo..hi days, or (with probability late_p) up to late_hi days."""
    n = len(start)
    d = rng.integers(lo, hi + 1, n)
    late = rng.random(n) < late_p
    d = np.where(late, rng.integers(hi + 1, max(late_hi, hi + 1) + 1, n), d)
    return _wd(np.where(start >= 0, start + d, -1))


def _names(rng, n: int) -> np.ndarray:
    sur = SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P)]
    chars = np.where(rng.random(n) < 0.6, MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)],
                     FEMALE_CHARS[rng.integers(0, len(FEMALE_CHARS), n)])
    two = rng.random(n) < 0.7
    second = np.where(two, MALE_CHARS[rng.integers(0, len(MALE_CHARS), n)], "")
    return np.array([a + b + c for a, b, c in zip(sur, chars, second)], dtype=object)


def add_path(seed: int, clues: dict, suggestions: dict, models: dict, as_of: int) -> None:
    """Fill in each clue's stage columns (in place), linking 检察建议 clues to the register."""
    rng = stream(seed, "clue_path")
    n = len(clues["found_date"])
    # a few clues of the last year (after the article's period) lie unverified for months: the
    # backlog case management presses
    linked = np.isin(clues["clue_no"], np.asarray(suggestions.get("clue_no", []), dtype=object))
    age = as_of - clues["found_date"].astype("int64")
    stuck = (age > 90) & (age < 365) & ~linked & (rng.random(n) < 0.03)
    clues["status"] = np.where(stuck, "核查中", clues["status"]).astype(object)
    clues["verified_date"] = np.where(stuck, -1, clues["verified_date"])
    clues["outcome"] = np.where(stuck, "", clues["outcome"]).astype(object)
    found = clues["found_date"].astype("int64")
    verified = clues["verified_date"].astype("int64")
    done = verified >= 0
    status, outcome, mid = clues["status"], clues["outcome"].copy(), clues["model_id"]
    cap = np.where(done, verified, as_of)

    def upto(d: np.ndarray, limit: np.ndarray) -> np.ndarray:
        return np.where(d <= np.minimum(limit, as_of), d, -1)

    registered = upto(np.minimum(_later(rng, found, 1, 4, 0.015, 20), cap), cap)
    routed = upto(np.minimum(np.where(rng.random(n) < 0.85, registered, _later(rng, registered, 1, 1, 0.05, 4)),
                             cap), cap)
    routed = np.where(registered < 0, -1, routed)
    domain = np.array([models[m].domain for m in mid], dtype=object)
    department = np.array([("第五检察部" if m in _EXECUTION else _DEPARTMENT[d]) for m, d in zip(mid, domain)],
                          dtype=object)
    # why a clue proved untrue: each model has its own mix
    drop = np.full(n, "", dtype=object)
    for m in np.unique(mid):
        sel = np.flatnonzero((mid == m) & (status == "不属实"))
        if len(sel):
            p = stream(seed, "drop", m).dirichlet(np.array([5.0, 4.0, 2.0, 2.0, 0.7]))
            drop[sel] = np.array(DROP_REASONS, dtype=object)[rng.choice(5, size=len(sel), p=p)]

    # 检察建议: the clue's own suggestion, or a 类案 suggestion of its model and unit issued soon after
    document = np.array([DOCUMENT.get(o, "") for o in outcome], dtype=object)
    doc_no = np.full(n, "", dtype=object)
    doc_date = np.full(n, -1, dtype="int64")
    reply = np.full(n, -1, dtype="int64")
    rectified = np.full(n, -1, dtype="int64")
    s_clue = np.asarray(suggestions.get("clue_no", []), dtype=object)
    s_issued = np.asarray(suggestions.get("issued_date", []), dtype="int64")
    by_clue = {c: i for i, c in enumerate(s_clue) if c}
    sugg_rows = {}
    for i, (m, u) in enumerate(zip(suggestions.get("model_id", []), suggestions.get("unit_code", []))):
        sugg_rows.setdefault((m, u), []).append(i)
    case_lag = rng.integers(0, 21, n)
    for i in np.flatnonzero(outcome == "制发检察建议"):
        j = by_clue.get(clues["clue_no"][i])
        if j is None:
            v = int(verified[i])
            cands = [k for k in sugg_rows.get((mid[i], clues["unit_code"][i]), ())
                     if v + case_lag[i] <= s_issued[k] <= v + 120]
            j = min(cands, key=lambda k: s_issued[k]) if cands else None
        if j is not None:
            doc_no[i] = suggestions["doc_no"][j]
            doc_date[i] = s_issued[j]
            reply[i] = suggestions["replied_date"][j]
            rectified[i] = suggestions["rectified"][j]
            case_lag[i] = min(case_lag[i], max(0, int(s_issued[j] - verified[i])))
        elif verified[i] + 120 < as_of:
            outcome[i] = "其他"   # handled without a suggestion of its own
            document[i] = ""
    clues["outcome"] = outcome
    cased = (status == "属实") & (outcome != "其他") & (outcome != "")
    case_date = upto(np.where(cased, _wd(np.where(verified >= 0, verified + case_lag, -1)), -1), np.full(n, as_of))
    case_date = np.where(cased, case_date, -1)
    # the case is opened by the day its suggestion goes out (a work day's shift must not pass it)
    case_date = np.where((case_date >= 0) & (doc_date >= 0) & (case_date > doc_date), doc_date, case_date)
    document = np.where(case_date >= 0, document, "").astype(object)
    other_doc = (document != "") & (document != "检察建议书")
    made = upto(np.where(other_doc, _later(rng, case_date, 2, 25, 0.0, 25), -1), np.full(n, as_of))
    doc_date = np.where(other_doc, made, np.where(case_date >= 0, doc_date, -1))
    # 纠正违法通知书: the body replies within 2 months, one in ten later
    correct = (document == "纠正违法通知书") & (doc_date >= 0)
    rep = upto(_later(rng, doc_date, 12, 58, 0.06, 95), np.full(n, as_of))
    reply = np.where(correct, rep, np.where(document == "检察建议书", reply, -1))
    rectified = np.where(correct & (reply >= 0), (rng.random(n) < 0.9).astype("int64"),
                         np.where(document == "检察建议书", rectified, -1))
    doc_no = np.where(document == "检察建议书", doc_no, "").astype(object)
    # 反馈 to whoever sent the clue, after the last step that applies
    last = np.where(status == "不属实", verified,
                    np.where(~cased & (status == "属实"), verified,
                             np.where(np.isin(document, NEEDS_REPLY), reply, doc_date)))
    last = np.where(done, last, -1)
    feedback = np.where(last >= 0, upto(_later(rng, last, 1, 5, 0.02, 25), np.full(n, as_of)), -1)
    # 督办: case management presses a step left open past its deadline (three times in four)
    pressed = np.full(n, -1, dtype="int64")
    for start, end, limit in ((found, registered, _REGISTER_DAYS), (routed, verified, _VERIFY_DAYS),
                              (last, feedback, _FEEDBACK_DAYS)):
        due = start + limit
        stuck = (start >= 0) & (np.where(end >= 0, end, as_of) > due + 3)
        when = _wd(np.where(start >= 0, due + rng.integers(3, 11, n), -1))
        hit = stuck & (pressed < 0) & (rng.random(n) < 0.75) & (when <= np.where(end >= 0, end, as_of))
        pressed = np.where(hit, when, pressed)
    clues.update(registered_date=registered, routed_date=routed, department=department, drop_reason=drop,
                 case_date=case_date, document=document, doc_no=doc_no, doc_date=doc_date, reply_date=reply,
                 rectified=rectified, feedback_date=feedback, pressed_date=pressed)


# ---- the records a clue was found in ---------------------------------------------------------------
# model -> the two sides of its collision: (provider, record kind, number pattern, content)
EVIDENCE = {
    "M01": (("运城市公安局禁毒支队", "强制隔离戒毒决定书", "运公（禁）强戒决字〔{y}〕{s}号",
             "{p}被决定强制隔离戒毒二年"),
            ("全市检察机关刑事检察部门", "刑事案件受案记录", "运{a}检刑诉受〔{y}〕{s}号",
             "{p}涉嫌犯罪被移送审查起诉，在押期间强制隔离戒毒期限届满")),
    "M03": (("永济市教育局", "学籍异动记录", "XJ{u}{y}{s:05d}", "{p}学籍状态：休学/流失"),
            ("永济市公安局户政大队", "户籍人口信息", "HJ{u}{y}{s:05d}", "{p}户籍在本市，适龄在校年龄段")),
    "M04": (("新绛县人民法院", "刑事判决书", "（{y}）晋0825刑初{s}号", "{p}被判处有期徒刑，判决已生效"),
            ("新绛县公安局看守所", "收押与交付执行记录", "KSS{u}{y}{s:05d}", "{p}无交付执行记录")),
    "M10": (("检察业务应用系统", "不起诉决定书", "运{a}检刑不诉〔{y}〕{s}号", "{p}危险驾驶案作出不起诉决定"),
            ("运城市公安局交通警察支队", "机动车驾驶证状态", "JSZ{u}{y}{s:05d}", "{p}驾驶证状态：正常（未吊销）")),
}


def model_records(seed: int, clues: dict) -> dict:
    """The comparison records behind the clues of the EVIDENCE models; sets each clue's 关联记录."""
    rng = stream(seed, "model_records")
    n = len(clues["found_date"])
    keys = np.full(n, "", dtype=object)
    rows: dict[str, list] = {k: [] for k in ("record_no", "model_id", "unit_code", "provider", "record_kind",
                                             "record_date", "person_name", "content")}
    # no record before the models platform went live: its exports start that month
    floor = int(CALENDAR.next_workday(np.array([day(PLATFORM_BY_ID["models"].launch + "-01")]))[0])
    counters: dict[tuple, int] = {}
    for i in np.flatnonzero(np.isin(clues["model_id"], list(EVIDENCE))):
        m, u, f = clues["model_id"][i], clues["unit_code"][i], int(clues["found_date"][i])
        name = _names(rng, 1)[0]
        own = []
        for provider, kind, pattern, content in EVIDENCE[m]:
            d = int(CALENDAR.next_workday(np.array([max(floor, f - int(rng.integers(15, 240)))]))[0])
            d = min(d, f)
            y = int(year_of(np.array([d]))[0])
            s = counters[(kind, y)] = counters.get((kind, y), 0) + int(rng.integers(1, 9))
            no = pattern.format(y=y, s=s, u=u, a=UNIT_BY_CODE[u].abbr)
            own.append(no)
            for k, v in (("record_no", no), ("model_id", m), ("unit_code", u), ("provider", provider),
                         ("record_kind", kind), ("record_date", d), ("person_name", name),
                         ("content", content.format(p=name))):
                rows[k].append(v)
        keys[i] = "；".join(own)
    clues["record_keys"] = keys
    out = {k: np.array(v, dtype="int64" if k == "record_date" else object) for k, v in rows.items()}
    return out


# ---- supervision cases and where they came from -----------------------------------------------------
def supervision_cases(seed: int, clues: dict, models: dict, first_mi: int, end_mi: int, as_of: int) -> dict:
    """Every supervision case: those opened from a model's clue (主动发现, big data) and the rest,
    a few dozen a month across the city; sets each cased clue's 监督案件编号."""
    rng = stream(seed, "sup_cases")
    counties = list(COUNTY_CODES)
    share = np.array([county_share(c) for c in counties])
    units, days, origin, big, clue_no, model_id, domain = [], [], [], [], [], [], []
    domains = np.array(["刑事", "民事", "行政", "公益诉讼", "未成年人"], dtype=object)
    dom_p = np.array([0.42, 0.2, 0.14, 0.18, 0.06])
    for mi in range(first_mi, end_mi + 1):
        k = int(rng.poisson(58 * (1 + 0.04 * (mi - first_mi) / 12)))
        u = np.where(rng.random(k) < 0.12, "140800",
                     np.array(counties, dtype=object)[rng.choice(len(counties), size=k, p=share / share.sum())])
        d = CALENDAR.sample_days(rng, mi, k)
        keep = d <= as_of
        units += list(u[keep])
        days += list(d[keep])
        origin += list(np.array(SUP_ORIGINS, dtype=object)[rng.choice(3, size=k, p=[0.58, 0.2, 0.22])][keep])
        big += [0] * int(keep.sum())
        clue_no += [""] * int(keep.sum())
        model_id += [""] * int(keep.sum())
        domain += list(domains[rng.choice(5, size=k, p=dom_p)][keep])
    cased = np.flatnonzero(clues["case_date"] >= 0)
    units += list(clues["unit_code"][cased])
    days += list(clues["case_date"][cased])
    origin += ["主动发现"] * len(cased)
    big += [1] * len(cased)
    clue_no += list(clues["clue_no"][cased])
    model_id += list(clues["model_id"][cased])
    domain += [models[m].domain for m in clues["model_id"][cased]]
    t = dict(unit_code=np.array(units, dtype=object), opened_date=np.array(days, dtype="int64"),
             origin=np.array(origin, dtype=object), big_data=np.array(big, dtype="int64"),
             clue_no=np.array(clue_no, dtype=object), model_id=np.array(model_id, dtype=object),
             domain=np.array(domain, dtype=object))
    yr = year_of(t["opened_date"])
    order = np.lexsort((t["opened_date"], t["domain"].astype(str), yr, t["unit_code"].astype(str)))
    t = {k: v[order] for k, v in t.items()}
    yr = yr[order]
    seq = seq_in_groups(t["unit_code"].astype(str), yr, t["domain"].astype(str))
    t["case_no"] = np.array([f"运{UNIT_BY_CODE[u].abbr}检{_DOMAIN_CHAR[d]}监〔{y}〕{s}号"
                             for u, d, y, s in zip(t["unit_code"], t["domain"], yr, seq)], dtype=object)
    by_clue = {c: no for c, no in zip(t["clue_no"], t["case_no"]) if c}
    clues["sup_case_no"] = np.array([by_clue.get(c, "") for c in clues["clue_no"]], dtype=object)
    return t



def suggestion_followup(seed: int, suggestions: dict, as_of: int) -> None:
    """整改 and 回头看 dates of the register (in place): rectified some weeks after the reply; an
    adopted suggestion re-checked three to seven months after it."""
    rng = stream(seed, "suggestion_followup")
    replied = np.asarray(suggestions.get("replied_date", []), dtype="int64")
    n = len(replied)
    rect = np.asarray(suggestions.get("rectified", []), dtype="int64") == 1
    adopted = np.asarray(suggestions.get("adopted", []), dtype="int64") == 1
    fixed = _wd(np.where(replied >= 0, replied + rng.integers(0, 61, n), -1))
    suggestions["rectified_date"] = np.where(rect & (replied >= 0) & (fixed <= as_of), fixed, -1)
    months = rng.choice([3, 4, 5, 6, 7], size=n, p=[0.15, 0.3, 0.3, 0.17, 0.08])
    revisit = np.array([add_months(np.array([r]), int(k))[0] if r >= 0 else -1 for r, k in zip(replied, months)],
                       dtype="int64")
    revisit = _wd(np.where(revisit >= 0, revisit + rng.integers(0, 20, n), -1))
    seen = adopted & (replied >= 0) & (revisit <= as_of)
    suggestions["revisit_date"] = np.where(seen, revisit, -1)
    suggestions["revisit_result"] = np.where(seen, np.where(rng.random(n) < 0.9, "整改到位", "整改不到位"), "").astype(object)
