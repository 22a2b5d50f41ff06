"""Issue 12 in the demo: the clue ledger's raw exports hang together and look like a real office's.

Read from the small demo's export files with test_demo's own reader (not the ETL): every clue of
the models with comparison data names records that exist in 模型比对数据; every big-data
supervision case comes from a clue opened that day; every 检察建议书 a clue names is in the
suggestion register. And the path is calibrated: a realistic share of clues closed late, a few
overdue and pressed, no stage before the clue was found or after the data date.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cockpit.metrics.ledger import CLOSED, clue_path
from test_demo import load

EVIDENCE_MODELS = ("M01", "M03", "M04", "M10")
STAGE_DATES = ("registered_date", "routed_date", "verified_date", "case_date", "doc_date", "reply_date",
               "feedback_date", "pressed_date")


@pytest.fixture(scope="module")
def raw(small_demo) -> dict[str, pd.DataFrame]:
    return {sid: load(small_demo, sid) for sid in ("clue", "model_record", "sup_case", "suggestion")}


@pytest.fixture(scope="module")
def as_of(raw) -> dt.date:
    """The data date: the small demo runs to 2024-06 (conftest.SMALL_DEMO), so its last day."""
    return min(dt.date(2024, 6, 30), dt.date.today())


@pytest.fixture(scope="module")
def path(raw, as_of) -> pd.DataFrame:
    return clue_path(raw["clue"], as_of)


def keys_of(text) -> list[str]:
    return [] if pd.isna(text) else [k.strip() for k in str(text).split("；") if k.strip()]


# ---- the exports refer to each other -------------------------------------------------------------
def test_clues_of_models_with_comparison_data_name_records_that_exist(raw):
    clues, records = raw["clue"], raw["model_record"].set_index("record_no")
    assert records.index.is_unique
    mine = clues[clues["model_id"].isin(EVIDENCE_MODELS)]
    assert set(mine["model_id"]) == set(EVIDENCE_MODELS)
    named = set()
    for c in mine.itertuples(index=False):
        keys = keys_of(c.record_keys)
        assert len(keys) == 2, (c.clue_no, c.record_keys)
        for k in keys:
            assert k in records.index, (c.clue_no, k)
            rec = records.loc[k]
            assert (rec["model_id"], rec["unit_code"]) == (c.model_id, c.unit_code), (c.clue_no, k)
            assert rec["record_date"] <= c.found_date, (c.clue_no, k)   # the data came before the clue
            named.add(k)
    # the other models' clues name no comparison records; every record backs some clue
    assert clues.loc[~clues["model_id"].isin(EVIDENCE_MODELS), "record_keys"].isna().all()
    assert named == set(records.index)


def test_big_data_cases_come_from_clues_cased_that_day(raw):
    clues, cases = raw["clue"].set_index("clue_no"), raw["sup_case"]
    big = cases[cases["big_data"] == 1]
    assert len(big) > 0 and (big["origin"] == "主动发现").all()
    for c in big.itertuples(index=False):
        assert c.clue_no in clues.index, c.case_no
        clue = clues.loc[c.clue_no]
        assert clue["case_date"] == c.opened_date, (c.case_no, c.clue_no)
        assert (clue["unit_code"], clue["model_id"], clue["sup_case_no"]) == (c.unit_code, c.model_id, c.case_no)
    # and every cased clue has its case; cases not from big data name no clue
    cased = clues[clues["case_date"].notna()]
    assert set(cased.index) == set(big["clue_no"])
    assert cases.loc[cases["big_data"] == 0, "clue_no"].isna().all()


def test_suggestion_documents_of_clues_are_in_the_register(raw, as_of):
    clues, register = raw["clue"], raw["suggestion"].set_index("doc_no")
    assert register.index.is_unique
    docs = clues[(clues["document"] == "检察建议书") & clues["doc_no"].notna()]
    assert len(docs) > 0
    for c in docs.itertuples(index=False):
        assert c.doc_no in register.index, (c.clue_no, c.doc_no)
        s = register.loc[c.doc_no]
        assert s["issued_date"] == c.doc_date, (c.clue_no, c.doc_no)
        assert (s["unit_code"], s["model_id"]) == (c.unit_code, c.model_id), (c.clue_no, c.doc_no)
        assert (pd.isna(s["replied_date"]) and pd.isna(c.reply_date)) or s["replied_date"] == c.reply_date
    # a suggestion may cover several clues (类案); the clue the register names is one of them
    covered = docs.groupby("doc_no")["clue_no"].agg(set)
    assert covered.map(len).max() > 1
    own = register.loc[covered.index, "clue_no"].dropna()
    assert len(own) and all(no in covered[doc] for doc, no in own.items()), \
        "a register row names a clue not linked to it"
    # only a 检察建议书 carries a 文书编号 here; a 检察建议 clue still without one is recent (其他 after 120 days)
    assert clues.loc[clues["document"] != "检察建议书", "doc_no"].isna().all()
    waiting = clues[(clues["outcome"] == "制发检察建议") & clues["doc_no"].isna()]
    assert (waiting["verified_date"] + pd.Timedelta(days=120) >= pd.Timestamp(as_of)).all()


# ---- calibration of the path -----------------------------------------------------------------------
def test_no_stage_before_the_clue_was_found_or_after_the_data_date(raw, as_of):
    clues = raw["clue"]
    limit = pd.Timestamp(as_of)
    for col in STAGE_DATES:
        d = clues[col]
        assert (d.dropna() >= clues.loc[d.notna(), "found_date"]).all(), col
        assert (d.dropna() <= limit).all(), col
    assert (clues["found_date"] <= limit).all()
    # the path runs forward: each step on or after the one before it
    for a, b in (("registered_date", "routed_date"), ("routed_date", "verified_date"),
                 ("verified_date", "case_date"), ("case_date", "doc_date"), ("doc_date", "reply_date")):
        both = clues[a].notna() & clues[b].notna()
        assert (clues.loc[both, b] >= clues.loc[both, a]).all(), (a, b)


def assert_ledger_calibrated(path: pd.DataFrame) -> None:
    """A realistic share of clues closed late; a few overdue now and a few pressed."""
    closed = path[path["stage"] == CLOSED]
    late_share = closed["closed_late"].mean()
    assert len(closed) > 100
    assert 0.03 <= late_share <= 0.25, f"{late_share:.1%} of closed clues closed late"
    open_ = path[path["stage"] != CLOSED]
    assert 3 <= int(open_["overdue"].sum()) <= len(open_) // 2, "a few clues overdue now, not most open ones"
    assert 3 <= int(path["pressed"].sum()) <= len(path) // 5
    # the open clues stand at several stages (a backlog, not one queue)
    assert open_["stage"].nunique() >= 3
    # most clues are found, registered and verified within the limits: late is the exception
    assert (path["late_stages"] == 0).mean() >= 0.75


def test_a_realistic_share_of_clues_closed_late_and_a_few_overdue_and_pressed(path):
    assert_ledger_calibrated(path)
