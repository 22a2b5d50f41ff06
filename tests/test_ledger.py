"""The clue ledger: stages, due dates and lateness from the deadline rules (data), on
hand-made clues; the rules file and its override; reading the staging tables."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cockpit.metrics import deadlines, ledger
from cockpit.metrics.deadlines import load_rules
from cockpit.metrics.ledger import (AGE_BUCKETS, AGE_UNKNOWN, LEDGER_INDICATORS, backlog, clue_path,
                                    indicator_values, load_clues, load_suggestions, overdue_list,
                                    suggestion_path)
from cockpit.metrics.schema import STAGING, metadata

D = dt.date


def clue(**kw) -> dict:
    """A clue found 2026-01-01 in 盐湖区, nothing done yet; keywords fill its path."""
    row = {"clue_no": "X1", "model_id": "M01", "unit_code": "140802", "found_date": "2026-01-01",
           "summary": "摘要", "status": "核查中"}
    row.update(kw)
    return row


def path_of(*rows, as_of, rules=None) -> pd.DataFrame:
    return clue_path(pd.DataFrame(list(rows)), as_of, rules)


def one(row, as_of, rules=None) -> dict:
    return path_of(row, as_of=as_of, rules=rules).iloc[0].to_dict()


# A clue done up to verification, true, with a 检察建议书: every date in time.
FULL = dict(registered_date="2026-01-03", routed_date="2026-01-03", verified_date="2026-02-01",
            status="属实", outcome="制发检察建议", case_date="2026-02-10", document="检察建议书",
            doc_date="2026-02-20", reply_date="2026-04-01", feedback_date="2026-04-05")


# --- the rules file ---------------------------------------------------------------------------

def test_packaged_rules_are_the_stages_of_practice_3():
    rules = load_rules()
    assert [s.id for s in rules.clue] == ["register", "route", "verify", "case", "document", "reply", "feedback"]
    assert [s.id for s in rules.suggestion] == ["reply", "revisit"]
    by_id = {s.id: s for s in rules.clue}
    assert (by_id["register"].days, by_id["register"].placeholder) == (7, True)
    assert (by_id["route"].days, by_id["verify"].days) == (1, 60)
    assert by_id["case"].has_deadline is False and by_id["document"].has_deadline is False
    assert by_id["reply"].months == 2 and by_id["reply"].placeholder is False
    assert by_id["feedback"].start == deadlines.PREVIOUS
    assert dict(by_id["reply"].only_if) == {"document": ("检察建议书", "纠正违法通知书")}
    assert dict(by_id["case"].unless) == {"outcome": ("其他",)}
    sug = {s.id: s for s in rules.suggestion}
    assert sug["reply"].due == "due_date" and sug["revisit"].months == 6
    assert all(s.basis and s.label for s in rules.clue + rules.suggestion)
    assert by_id["verify"].limit_text == "60日（暂定）" and by_id["case"].limit_text == "不设期限"


def _write(tmp_path, body: str):
    p = tmp_path / "rules.toml"
    p.write_text(body, encoding="utf-8")
    return p


def _packaged_with(old: str, new: str) -> str:
    text = deadlines.PACKAGED.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def test_override_file_changes_the_verify_limit_and_the_result(tmp_path, monkeypatch):
    row = clue(registered_date="2026-01-02", routed_date="2026-01-02")   # verify opens 2026-01-02
    before = one(row, D(2026, 2, 20))
    assert (before["stage"], before["due"], before["overdue"]) == ("verify", D(2026, 3, 3), False)
    p = _write(tmp_path, _packaged_with('start = "routed_date"\ndays = 60', 'start = "routed_date"\ndays = 30'))
    monkeypatch.setenv("COCKPIT_DEADLINES", str(p))
    after = one(row, D(2026, 2, 20))
    assert (after["stage"], after["due"], after["overdue_days"]) == ("verify", D(2026, 2, 1), 19)
    monkeypatch.delenv("COCKPIT_DEADLINES")
    assert one(row, D(2026, 2, 20))["due"] == D(2026, 3, 3)      # back to the packaged file


@pytest.mark.parametrize("old, new, names", [
    ('days = 60', 'days = "sixty"', ["id = 'verify'", "days"]),
    ('days = 60', 'days = 60\nmonths = 2', ["id = 'verify'", "days", "months"]),
    ('date = "verified_date"', 'date = "verify_date"', ["id = 'verify'", "verify_date"]),
    ('only_if = { adopted = [1] }', 'only_if = { adopt = [1] }', ["id = 'revisit'", "adopt"]),
    ('label = "核查办理"\n', '', ["id = 'verify'", "label"]),
    ('placeholder = true\nbasis = "承办部门', 'placeholder = "yes"\nbasis = "承办部门', ["placeholder"]),
    ('[[clue]]\nid = "route"', '[[clue]]\nid = "route"\ncolour = "red"', ["id = 'route'", "colour"]),
    ('id = "route"', 'id = "register"', ["register"]),
    ('days = 60', 'days = 60\n[[clue]\n', ["TOML"]),
])
def test_malformed_rules_give_a_clear_error_naming_the_entry(tmp_path, old, new, names):
    p = _write(tmp_path, _packaged_with(old, new))
    with pytest.raises(ValueError) as err:
        load_rules(p)
    message = str(err.value)
    assert "期限规则文件" in message and "deadline rules" in message and str(p) in message
    for name in names:
        assert name in message


def test_malformed_override_via_environment_is_reported(tmp_path, monkeypatch):
    p = _write(tmp_path, "[[clue]]\nid = 1\n")
    monkeypatch.setenv("COCKPIT_DEADLINES", str(p))
    with pytest.raises(ValueError, match="期限规则文件.*clue.*第1项"):
        clue_path(pd.DataFrame([clue()]), D(2026, 1, 2))
    monkeypatch.setenv("COCKPIT_DEADLINES", str(tmp_path / "missing.toml"))
    with pytest.raises(ValueError, match="无法读取.*cannot be read"):
        load_rules()


# --- due and overdue --------------------------------------------------------------------------

def test_due_today_is_not_overdue():
    r = one(clue(), D(2026, 1, 8))          # found 01-01 + 7 days
    assert (r["stage"], r["stage_label"], r["stage_start"], r["due"]) == ("register", "案管登记", D(2026, 1, 1),
                                                                          D(2026, 1, 8))
    assert (r["overdue"], r["overdue_days"], r["age_days"]) == (False, 0, 7)


def test_one_day_after_due_is_overdue_by_one():
    r = one(clue(), D(2026, 1, 9))
    assert (r["overdue"], r["overdue_days"], r["age_days"]) == (True, 1, 8)


def test_dates_as_strings_datetimes_and_date_objects_agree():
    as_text = one(clue(registered_date="2026-01-02"), "2026-01-04")
    as_date = one(clue(found_date=D(2026, 1, 1), registered_date=D(2026, 1, 2)), D(2026, 1, 4))
    stamps = pd.DataFrame([clue(found_date=None, registered_date=None)])
    stamps["found_date"] = pd.to_datetime(["2026-01-01 08:30"])
    stamps["registered_date"] = pd.to_datetime(["2026-01-02"])
    as_stamp = clue_path(stamps, dt.datetime(2026, 1, 4, 23, 0)).iloc[0].to_dict()
    for r in (as_text, as_date, as_stamp):
        assert (r["stage"], r["stage_start"], r["due"], r["overdue_days"]) == ("route", D(2026, 1, 2),
                                                                               D(2026, 1, 3), 1)


def test_route_is_due_the_next_day_and_verify_sixty_days_after_routing():
    r = one(clue(registered_date="2026-01-05"), D(2026, 1, 6))
    assert (r["stage"], r["due"], r["overdue"]) == ("route", D(2026, 1, 6), False)
    r = one(clue(registered_date="2026-01-05", routed_date="2026-01-05"), D(2026, 3, 10))
    assert (r["stage"], r["stage_label"], r["due"], r["overdue_days"]) == ("verify", "核查办理", D(2026, 3, 6), 4)


def test_open_stage_with_empty_start_has_a_stage_but_no_due():
    r = one(clue(registered_date=None, routed_date="2026-01-05"), D(2026, 6, 1))
    assert r["stage"] == "register"            # the first applicable stage with no date
    r = one(clue(registered_date="2026-01-02", routed_date=None, verified_date="2026-01-20",
                 status="属实"), D(2026, 6, 1))
    assert r["stage"] == "route"
    r = one(clue(found_date=None), D(2026, 6, 1))
    assert r["stage"] == "register" and pd.isna(r["due"]) and r["due"] is not None
    assert pd.isna(r["age_days"]) and (r["overdue"], r["overdue_days"]) == (False, 0)


def test_case_and_document_have_no_deadline():
    r = one(clue(**{**FULL, "case_date": None, "document": None, "doc_date": None, "reply_date": None,
                    "feedback_date": None}), D(2027, 1, 1))
    assert (r["stage"], r["stage_start"], r["overdue"], r["overdue_days"]) == ("case", D(2026, 2, 1), False, 0)
    assert pd.isna(r["due"]) and r["age_days"] == (D(2027, 1, 1) - D(2026, 2, 1)).days
    r = one(clue(**{**FULL, "document": None, "doc_date": None, "reply_date": None, "feedback_date": None}),
            D(2027, 1, 1))
    assert (r["stage"], r["stage_label"], r["stage_start"]) == ("document", "制发监督文书", D(2026, 2, 10))


@pytest.mark.parametrize("doc_date, due", [
    ("2026-01-31", D(2026, 3, 31)),
    ("2025-12-31", D(2026, 2, 28)),     # clipped to the month's end
    ("2026-02-28", D(2026, 4, 28)),
])
def test_reply_is_due_two_calendar_months_after_the_document(doc_date, due):
    r = one(clue(**{**FULL, "doc_date": doc_date, "case_date": "2025-12-01", "reply_date": None,
                    "feedback_date": None}), D(2026, 5, 1))
    assert (r["stage"], r["stage_label"], r["due"]) == ("reply", "回复整改", due)
    assert r["overdue_days"] == (D(2026, 5, 1) - due).days


def test_months_limit_in_an_override_clips_to_the_month_end(tmp_path, monkeypatch):
    p = _write(tmp_path, _packaged_with('start = "doc_date"\nmonths = 2', 'start = "doc_date"\nmonths = 1'))
    monkeypatch.setenv("COCKPIT_DEADLINES", str(p))
    r = one(clue(**{**FULL, "doc_date": "2026-01-31", "reply_date": None, "feedback_date": None}), D(2026, 3, 1))
    assert (r["due"], r["overdue_days"]) == (D(2026, 2, 28), 1)


# --- which stages apply -----------------------------------------------------------------------

def test_untrue_clue_skips_case_document_reply_and_feedback_starts_at_verification():
    r = one(clue(registered_date="2026-01-02", routed_date="2026-01-02", verified_date="2026-02-01",
                 status="不属实", drop_reason="数据比对误差"), D(2026, 2, 10))
    assert (r["stage"], r["stage_label"], r["stage_start"], r["due"]) == ("feedback", "反馈", D(2026, 2, 1),
                                                                          D(2026, 2, 8))
    assert (r["overdue_days"], r["late_stages"]) == (2, 0)
    r = one(clue(registered_date="2026-01-02", routed_date="2026-01-02", verified_date="2026-02-01",
                 status="不属实", feedback_date="2026-02-05"), D(2026, 2, 10))
    assert (r["stage"], r["stage_label"], r["closed_date"], r["due"]) == ("closed", "已办结", D(2026, 2, 5), None)
    assert (r["closed_late"], r["overdue"], r["overdue_days"]) == (False, False, 0)
    assert r["stage_start"] is None and pd.isna(r["age_days"])


def test_outcome_other_skips_case_and_document():
    r = one(clue(registered_date="2026-01-02", routed_date="2026-01-02", verified_date="2026-02-01",
                 status="属实", outcome="其他"), D(2026, 2, 9))
    assert (r["stage"], r["stage_start"], r["due"], r["overdue_days"]) == ("feedback", D(2026, 2, 1),
                                                                           D(2026, 2, 8), 1)


@pytest.mark.parametrize("document, applies", [
    ("检察建议书", True), ("纠正违法通知书", True), ("抗诉书", False), ("移送线索函", False),
    ("通知立案书", False), ("督促函", False),
])
def test_reply_applies_only_to_suggestions_and_correction_notices(document, applies):
    r = one(clue(**{**FULL, "document": document, "reply_date": None, "feedback_date": None}), D(2026, 3, 1))
    if applies:
        assert (r["stage"], r["stage_start"], r["due"]) == ("reply", D(2026, 2, 20), D(2026, 4, 20))
    else:   # feedback opens at the document's date
        assert (r["stage"], r["stage_start"], r["due"], r["overdue_days"]) == ("feedback", D(2026, 2, 20),
                                                                               D(2026, 2, 27), 2)


def test_feedback_after_a_reply_starts_at_the_reply():
    r = one(clue(**{**FULL, "feedback_date": None}), D(2026, 4, 10))
    assert (r["stage"], r["stage_start"], r["due"], r["overdue_days"]) == ("feedback", D(2026, 4, 1),
                                                                           D(2026, 4, 8), 2)


# --- lateness of closed clues -----------------------------------------------------------------

def test_a_clue_done_in_time_closes_in_time():
    r = one(clue(**FULL), D(2026, 6, 1))
    assert (r["stage"], r["closed_date"], r["late_stages"], r["closed_late"]) == ("closed", D(2026, 4, 5), 0, False)


def test_a_clue_closed_late_counts_once_even_with_two_late_stages():
    late = clue(**{**FULL, "registered_date": "2026-01-20", "routed_date": "2026-01-20",    # 12 days late
                   "feedback_date": "2026-04-30"})                                        # 22 days late
    on_time = clue(**FULL, clue_no="X2")
    p = path_of(late, on_time, as_of=D(2026, 6, 1))
    assert p["late_stages"].tolist() == [2, 0]
    assert p["closed_late"].tolist() == [True, False]
    assert indicator_values(p, "2026-04")["clue_closed_late"] == 1
    assert indicator_values(p, "2026-03")["clue_closed_late"] == 0


def test_late_stages_of_an_open_clue_count_but_it_is_not_closed_late():
    r = one(clue(registered_date="2026-01-20"), D(2026, 1, 20))
    assert (r["stage"], r["late_stages"], r["closed_late"], r["overdue"]) == ("route", 1, False, False)


def test_pressed_clues():
    p = path_of(clue(pressed_date="2026-01-15"), clue(clue_no="X2"), as_of=D(2026, 1, 20))
    assert p["pressed"].tolist() == [True, False]
    assert indicator_values(p, "2026-01")["clue_pressed"] == 1
    assert indicator_values(p, "2026-02")["clue_pressed"] == 0


def test_input_columns_are_kept_and_rows_keep_their_order():
    rows = [clue(clue_no=f"C{i}", found_date=f"2026-01-{i + 1:02d}") for i in range(5)][::-1]
    frame = pd.DataFrame(rows, index=[10, 11, 12, 13, 14])
    p = clue_path(frame, D(2026, 1, 5))
    assert p["clue_no"].tolist() == ["C4", "C3", "C2", "C1", "C0"]
    assert p["found_date"].tolist() == frame["found_date"].tolist()
    assert set(ledger.PATH_COLUMNS) <= set(p.columns)
    assert frame.columns.tolist() == list(rows[0])      # the input is not changed


def test_empty_frame():
    p = clue_path(pd.DataFrame(columns=list(clue())), D(2026, 1, 1))
    assert p.empty and set(ledger.PATH_COLUMNS) <= set(p.columns)
    assert backlog(p).empty and overdue_list(p).empty


# --- suggestions ------------------------------------------------------------------------------

def sug(**kw) -> dict:
    row = {"doc_no": "S1", "unit_code": "140802", "domain": "行政", "recipient": "某局",
           "issued_date": "2026-01-10", "due_date": "2026-03-10"}
    row.update(kw)
    return row


def test_suggestion_reply_is_due_on_the_registers_own_due_date():
    p = suggestion_path(pd.DataFrame([sug(), sug(doc_no="S2", due_date="2026-02-01")]), D(2026, 3, 10))
    assert p["stage"].tolist() == ["reply", "reply"] and p["stage_label"].tolist() == ["回复", "回复"]
    assert p["due"].tolist() == [D(2026, 3, 10), D(2026, 2, 1)]
    assert p["overdue_days"].tolist() == [0, 37]
    assert p["stage_start"].tolist() == [D(2026, 1, 10)] * 2


@pytest.mark.parametrize("adopted, stage, due", [(1, "revisit", D(2026, 9, 5)), (1.0, "revisit", D(2026, 9, 5)),
                                                 ("1", "revisit", D(2026, 9, 5)), (0, "closed", None),
                                                 (None, "closed", None)])
def test_revisit_applies_only_to_adopted_suggestions(adopted, stage, due):
    r = suggestion_path(pd.DataFrame([sug(replied_date="2026-03-05", adopted=adopted)]), D(2026, 4, 1)).iloc[0]
    assert (r["stage"], r["due"]) == (stage, due)
    if stage == "closed":
        assert r["closed_date"] == D(2026, 3, 5) and not r["pressed"]


def test_suggestion_replied_late_and_revisited_closes_late():
    r = suggestion_path(pd.DataFrame([sug(replied_date="2026-03-20", adopted=1, revisit_date="2026-06-01")]),
                        D(2026, 7, 1)).iloc[0]
    assert (r["stage"], r["late_stages"], r["closed_late"], r["closed_date"]) == ("closed", 1, True, D(2026, 6, 1))


# --- backlog and the overdue list -------------------------------------------------------------

def test_backlog_counts_open_clues_by_unit_stage_and_age_bucket():
    as_of = D(2026, 4, 30)
    rows = [
        clue(clue_no="a", found_date="2026-04-20"),                       # register, 10 days
        clue(clue_no="b", found_date="2026-03-31"),                       # register, 30 days: ≤30
        clue(clue_no="c", found_date="2026-03-30"),                       # register, 31 days
        clue(clue_no="d", found_date="2026-01-30"),                       # register, 90 days
        clue(clue_no="e", found_date="2026-01-29"),                       # register, 91 days
        clue(clue_no="f", found_date="2026-01-01", registered_date="2026-01-02", routed_date="2026-01-02"),  # verify
        clue(clue_no="g", unit_code="140821", found_date="2026-04-01"),   # another unit
        clue(clue_no="h", found_date=None),                               # no start
        clue(clue_no="i", **FULL),                                        # closed: not counted
    ]
    b = backlog(path_of(*rows, as_of=as_of))
    got = [tuple(r) for r in b[["unit_code", "stage", "bucket", "n"]].itertuples(index=False)]
    assert got == [
        ("140802", "register", "≤30天", 2),
        ("140802", "register", "31–60天", 1),
        ("140802", "register", "61–90天", 1),
        ("140802", "register", ">90天", 1),
        ("140802", "register", AGE_UNKNOWN, 1),
        ("140802", "verify", ">90天", 1),
        ("140821", "register", "≤30天", 1),
    ]
    assert b["stage_label"].iloc[0] == "案管登记" and b["n"].sum() == 8
    assert AGE_BUCKETS == ("≤30天", "31–60天", "61–90天", ">90天")


def test_overdue_list_is_sorted_by_days_overdue():
    rows = [clue(clue_no="a", found_date="2026-01-20"),      # due 01-27: 4 days
            clue(clue_no="b", found_date="2026-01-10"),      # due 01-17: 14 days
            clue(clue_no="c", found_date="2026-01-25"),      # due 02-01: 0 — not overdue
            clue(clue_no="d", **FULL)]
    o = overdue_list(path_of(*rows, as_of=D(2026, 1, 31)))
    assert o["clue_no"].tolist() == ["b", "a"] and o["overdue_days"].tolist() == [14, 4]


def test_indicators_are_declared_with_their_kind():
    by_id = {i.id: i for i in LEDGER_INDICATORS}
    assert {i.name: i.kind for i in LEDGER_INDICATORS} == {"在办线索数": "stock", "逾期未办结线索数": "stock",
                                                          "逾期办结线索数": "count", "督办线索数": "count"}
    assert all(i.direction == "neutral" and i.unit == "条" and i.definition for i in LEDGER_INDICATORS)
    assert by_id["clue_closed_late"].month == "feedback_month" and by_id["clue_pressed"].month == "pressed_month"
    p = path_of(clue(clue_no="a"), clue(clue_no="b", found_date="2026-01-30"), clue(clue_no="c", **FULL),
                as_of=D(2026, 2, 1))
    v = indicator_values(p)
    assert (v["clue_open"], v["clue_overdue_open"]) == (2, 1)


def synthetic_register(n: int, seed: int = 1) -> pd.DataFrame:
    """n clues with random paths and mixed date spellings (also benchmarks/ledger_bench.py)."""
    rng = np.random.default_rng(seed)
    found = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    step = lambda base, p: pd.Series(base + pd.to_timedelta(rng.integers(0, 20, n), unit="D")).where(rng.random(n) < p)
    reg = step(found, 0.95)
    routed = step(reg, 0.9)
    verified = step(routed, 0.8)
    return pd.DataFrame({
        "clue_no": [f"C{i}" for i in range(n)], "unit_code": rng.choice(["140802", "140821"], n),
        "found_date": found.strftime("%Y-%m-%d"), "registered_date": reg.dt.strftime("%Y-%m-%d"),
        "routed_date": routed, "verified_date": verified.dt.date,
        "status": rng.choice(["属实", "不属实"], n), "outcome": rng.choice(["制发检察建议", "其他"], n),
        "document": rng.choice(["检察建议书", "抗诉书"], n), "feedback_date": step(verified, 0.5),
    })


def test_fifty_thousand_clues_are_placed_on_their_path():
    """Size, not speed (speed is benchmarks/ledger_bench.py): a register of 50,000 mixed clues
    gets a stage each, and the summaries account for every open clue."""
    frame = synthetic_register(50_000)
    p = clue_path(frame, D(2026, 1, 1), load_rules())
    assert len(p) == 50_000 and set(p["stage"]) <= {"register", "route", "verify", "case", "reply", "feedback",
                                                    "closed"}
    assert backlog(p)["n"].sum() == (p["stage"] != "closed").sum()
    assert len(overdue_list(p)) == p["overdue"].sum()


# --- reading the staging tables ---------------------------------------------------------------

def _stage_rows(engine):
    metadata.create_all(engine)
    rows = [
        dict(clue_no="K1", model_id="M01", unit_code="140802", found_date=D(2026, 1, 5), found_month="2026-01",
             summary="张三 身份证 140802199001011234 电话 13912345678", status="核查中",
             registered_date=D(2026, 1, 6), file_name="f.xlsx", line_no=2),
        dict(clue_no="K2", model_id="M01", unit_code="140821", found_date=D(2026, 2, 5), found_month="2026-02",
             summary="其他", status="不属实", verified_date=D(2026, 2, 20), file_name="f.xlsx", line_no=3),
        dict(clue_no="K3", model_id="M02", unit_code="140800", found_date=D(2025, 12, 5), found_month="2025-12",
             summary=None, status="核查中", file_name="f.xlsx", line_no=4),
    ]
    sugs = [dict(doc_no="J1", unit_code="140802", domain="行政", recipient="某局", issued_date=D(2026, 1, 10),
                 issued_month="2026-01", due_date=D(2026, 3, 10), due_month="2026-03", adopted=1,
                 replied_date=D(2026, 3, 1), file_name="g.xlsx", line_no=2),
            dict(doc_no="J2", unit_code="140821", domain="民事", recipient="某院", issued_date=D(2026, 2, 10),
                 issued_month="2026-02", due_date=D(2026, 4, 10), due_month="2026-04", file_name="g.xlsx", line_no=3)]
    with engine.begin() as conn:
        conn.execute(STAGING["clue"].insert(), [{c.name: r.get(c.name) for c in STAGING["clue"].columns}
                                                 for r in rows])
        conn.execute(STAGING["suggestion"].insert(), [{c.name: r.get(c.name) for c in STAGING["suggestion"].columns}
                                                       for r in sugs])


def test_load_clues_masks_summaries_and_filters_units(engine):
    _stage_rows(engine)
    f = load_clues(engine, ["140802", "140800"])
    assert f["clue_no"].tolist() == ["K1", "K3"]
    summary = f.set_index("clue_no").loc["K1", "summary"]
    assert "140802199001011234" not in summary and "13912345678" not in summary
    assert "1234" in summary and "139****5678" in summary
    assert "file_name" not in f.columns and "line_no" not in f.columns
    assert f.set_index("clue_no").loc["K1", "registered_date"] == pd.Timestamp("2026-01-06")
    assert load_clues(engine, ["CITY"])["clue_no"].tolist() == ["K1", "K2", "K3"]
    assert load_clues(engine, ["CITY"], period="2026-02:ytd")["clue_no"].tolist() == ["K1", "K2"]
    assert load_clues(engine, ["140821"], period="2026-01")["clue_no"].tolist() == []
    assert load_clues(engine, [])["clue_no"].tolist() == []
    p = clue_path(load_clues(engine, ["CITY"]), D(2026, 3, 1))
    assert p.set_index("clue_no")["stage"].to_dict() == {"K1": "route", "K2": "register", "K3": "register"}


def test_load_suggestions(engine):
    _stage_rows(engine)
    f = load_suggestions(engine, ["CITY"], period="2026-01")
    assert f["doc_no"].tolist() == ["J1"]
    p = suggestion_path(load_suggestions(engine, ["CITY"]), D(2026, 4, 11))
    assert p.set_index("doc_no")[["stage", "overdue_days"]].to_dict("index") == {
        "J1": {"stage": "revisit", "overdue_days": 0}, "J2": {"stage": "reply", "overdue_days": 1}}


# --- the vectorised path against a plain row-by-row reading of the rules -------------------------

def _add_months(d: dt.date, n: int) -> dt.date:
    import calendar
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _reference(row: dict, as_of: dt.date, stages) -> dict:
    """One record's path, stage by stage, straight from the rules' wording."""
    def value(col):
        v = row.get(col)
        return None if v is None or (isinstance(v, float) and np.isnan(v)) else v

    def norm(v):
        return None if v is None else str(int(v)) if isinstance(v, (int, float)) else str(v)

    def date_of(col):
        v = value(col)
        return None if v is None else dt.date.fromisoformat(str(v)[:10])

    previous, current, late, last = None, None, 0, None
    for s in stages:
        if not all(norm(value(c)) in {norm(x) for x in vals} for c, vals in s.only_if):
            continue
        if any(norm(value(c)) in {norm(x) for x in vals} for c, vals in s.unless):
            continue
        start = previous if s.start == deadlines.PREVIOUS else date_of(s.start)
        due = (date_of(s.due) if s.due else None if start is None else
               start + dt.timedelta(days=s.days) if s.days is not None else
               _add_months(start, s.months) if s.months is not None else None)
        done = date_of(s.date)
        last = done
        if done is None:
            current = current or (s, start, due)
            continue
        previous = done
        late += due is not None and done > due
    if current is None:
        return {"stage": "closed", "due": None, "overdue_days": 0, "late_stages": late,
                "closed_late": late > 0, "closed_date": last}
    s, start, due = current
    return {"stage": s.id, "due": due, "overdue_days": max(0, (as_of - due).days) if due else 0,
            "late_stages": late, "closed_late": False, "closed_date": None}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_path_matches_the_rules_read_row_by_row(seed):
    rng = np.random.default_rng(seed)
    n = 400
    base = dt.date(2025, 11, 1)

    def maybe_date(p=0.7):
        return [(base + dt.timedelta(days=int(d))).isoformat() if rng.random() < p else None
                for d in rng.integers(0, 150, n)]

    frame = pd.DataFrame({
        "clue_no": [f"R{i}" for i in range(n)], "unit_code": "140802",
        "found_date": maybe_date(0.95), "registered_date": maybe_date(), "routed_date": maybe_date(),
        "verified_date": maybe_date(), "case_date": maybe_date(), "doc_date": maybe_date(),
        "reply_date": maybe_date(), "feedback_date": maybe_date(0.5),
        "status": rng.choice(["核查中", "属实", "不属实"], n),
        "outcome": rng.choice(["制发检察建议", "其他", None], n),
        "document": rng.choice(["检察建议书", "纠正违法通知书", "抗诉书", None], n),
    })
    as_of = dt.date(2026, 2, 15)
    rules = load_rules()
    got = clue_path(frame, as_of, rules)
    for row, (_, g) in zip(frame.to_dict("records"), got.iterrows()):
        want = _reference(row, as_of, rules.clue)
        have = {k: g[k] for k in want}
        have["due"] = None if have["due"] is None or pd.isna(have["due"]) else have["due"]
        assert have == want, row


def test_to_dates_reads_the_usual_spellings():
    got = ledger.to_dates(pd.Series(["2026-01-05", "2026/1/6", "", None, "not a date", D(2026, 1, 7),
                                     dt.datetime(2026, 1, 8, 9, 30), pd.Timestamp("2026-01-09 10:00")]))
    assert str(got.dtype) == "datetime64[ns]"
    assert [None if pd.isna(x) else x.date() for x in got] == [
        D(2026, 1, 5), D(2026, 1, 6), None, None, None, D(2026, 1, 7), D(2026, 1, 8), D(2026, 1, 9)]


def test_a_clue_is_listed_by_the_month_it_was_found_not_a_later_stage(demo_engine):
    """The clue list of a period holds the clues found in it, as its measures count them, even
    though the export carries later dates too (成案, 反馈, 督办)."""
    from sqlalchemy import text

    from cockpit.metrics import records as R
    with demo_engine.connect() as conn:
        no, found = conn.execute(text("SELECT clue_no, found_month FROM stg_clue WHERE pressed_month IS NOT NULL "
                                      "AND pressed_month <> found_month ORDER BY clue_no")).first()
    listed = R.list_records(demo_engine, "clue", "CITY", found, page_size=5000).rows["clue_no"]
    assert no in set(listed)
