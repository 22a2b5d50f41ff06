"""What a supervision model is worth, from its clues (issue 12 item 3; PRACTICE §4).

The counts and the precision (成案 ÷ 核查, `clue_case_rate`) come from the published measures
(`MetricStore.by_model`, `MetricStore.model_metric`). What the measures cannot add up lives
here, computed from the staged clues (`ledger.load_clues`, summaries masked):

- the median days from a clue's discovery to its case (成案日期 − 发现日期), over the matured
  cohort: clues found in the period but not in the last `maturity_months` months up to the
  data month (the maturity window of `clue_case_rate`: those clues are still being verified,
  and the quick cases among them would bias the median downwards);
- why clues were dropped: 不属实原因 counted among the clues verified as 不属实;
- where a model's clues stand now (their current stage on the path, `ledger.clue_path`).

Plain functions over frames: the page asks, the page never computes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.contracts import SOURCE_BY_ID
from cockpit.metrics.ledger import CLOSED, clue_path, load_clues, to_dates
from cockpit.metrics.periods import Period, data_date, month_from_ordinal, month_ordinal

PRECISION = "clue_case_rate"          # the catalog's 线索成案率 = 成案 ÷ 已核查 (a model's precision)
DROPPED = "不属实"
NO_REASON = "未填写原因"
DROP_REASONS: tuple[str, ...] = next(c.allowed for c in SOURCE_BY_ID["clue"].columns if c.name == "drop_reason")
DAYS_COLUMNS = ("model_id", "median_days", "n")


def maturity_months() -> int:
    return METRIC_BY_ID[PRECISION].maturity_months


def matured_until(data_month: str | None, months: int | None = None) -> str | None:
    """The last month of the matured cohort: `months` (default: the precision's maturity) before
    the data month. None without data."""
    if data_month is None:
        return None
    months = maturity_months() if months is None else months
    return month_from_ordinal(month_ordinal(data_month) - months)


def immature_text(months: int | None = None) -> str:
    """The sentence the pages show under a figure that leaves the maturity window out."""
    months = maturity_months() if months is None else months
    return f"近{months}个月发现的线索仍在核查中，不计入。"


def model_clues(engine: Engine, model_id: str | None, units, period: Period | str | None = None) -> pd.DataFrame:
    """The staged clues of one model (all models when None) of some units, found in `period`."""
    frame = load_clues(engine, units, period)
    if model_id is not None:
        frame = frame[frame["model_id"] == model_id].reset_index(drop=True)
    return frame


def _matured(frame: pd.DataFrame, data_month: str | None) -> pd.DataFrame:
    until = matured_until(data_month)
    if until is None:
        return frame.iloc[0:0]
    return frame[frame["found_month"].astype(str) <= until]


def days_to_case(frame: pd.DataFrame, data_month: str | None) -> pd.DataFrame:
    """Per model (model id order): the median days from 发现日期 to 成案日期 of the cased clues of
    the matured cohort (found at the latest `matured_until(data_month)`), and how many clues it
    is taken over. Columns: DAYS_COLUMNS; a model with no such clue is left out. A case date
    before the found date (bad data) is left out too."""
    f = _matured(frame, data_month)
    found, cased = to_dates(f["found_date"]), to_dates(f["case_date"])
    days = (cased - found).dt.days
    ok = days.notna() & (days >= 0)
    d = pd.DataFrame({"model_id": f["model_id"].to_numpy()[ok.to_numpy()], "days": days[ok].astype(float).to_numpy()})
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DAYS_COLUMNS})
    g = d.groupby("model_id", sort=True)["days"]
    out = pd.DataFrame({"model_id": g.median().index.astype(str), "median_days": g.median().to_numpy(),
                        "n": g.size().to_numpy()})
    return out.reset_index(drop=True)


def drop_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """不属实原因 counted among the clues verified as 不属实: columns reason, n — in the
    contract's order, then 未填写原因; reasons with no clue are left out."""
    dropped = frame[frame["status"] == DROPPED]
    reasons = dropped["drop_reason"].where(dropped["drop_reason"].notna() & (dropped["drop_reason"] != ""),
                                           NO_REASON)
    counts = reasons.value_counts()
    order = [r for r in DROP_REASONS + (NO_REASON,) if counts.get(r, 0)]
    order += sorted(r for r in counts.index if r not in order)
    return pd.DataFrame({"reason": order, "n": [int(counts[r]) for r in order]})


def stage_counts(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Where the clues stand as of a date: columns stage, stage_label, n, overdue — one row per
    stage with a clue (path order, 已办结 last)."""
    cols = ["stage", "stage_label", "n", "overdue"]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    path = clue_path(frame, as_of)
    g = path.groupby(["stage_order", "stage", "stage_label"], sort=True).agg(n=("stage", "size"),
                                                                          overdue=("overdue", "sum"))
    out = g.reset_index()[cols]
    out["n"] = out["n"].astype(int)
    out["overdue"] = out["overdue"].astype(int)
    return out


@dataclass(frozen=True)
class ModelStats:
    """One model over some units and a period (see the module docstring)."""
    median_days: float | None      # median 发现 → 成案 over the matured cohort
    median_n: int                  # cased clues it is taken over
    matured_until: str | None      # the last month of the matured cohort
    drop_reasons: pd.DataFrame     # reason, n
    stages: pd.DataFrame           # stage, stage_label, n, overdue
    open_overdue: int              # clues overdue at their current stage


def model_stats(engine: Engine, model_id: str, units, period: Period | str, data_month: str | None,
                as_of: dt.date | None = None) -> ModelStats:
    """The figures of one model that the measures cannot add up, over `units` and the clues
    found in `period`; `as_of` (default: the data month's last day) dates the current stages."""
    frame = model_clues(engine, model_id, units, period)
    days = days_to_case(frame, data_month)
    row = days[days["model_id"] == model_id]
    stages = stage_counts(frame, as_of or data_date(data_month))
    return ModelStats(
        median_days=None if row.empty else float(row["median_days"].iloc[0]),
        median_n=0 if row.empty else int(row["n"].iloc[0]),
        matured_until=matured_until(data_month),
        drop_reasons=drop_reasons(frame),
        stages=stages,
        open_overdue=int(stages["overdue"].sum()) if len(stages) else 0,
    )


def all_days_to_case(engine: Engine, units, period: Period | str, data_month: str | None) -> dict[str, tuple]:
    """{model_id: (median days, n)} over every model (for the comparison on /models)."""
    d = days_to_case(model_clues(engine, None, units, period), data_month)
    return {r.model_id: (float(r.median_days), int(r.n)) for r in d.itertuples()}


__all__ = ["PRECISION", "DROP_REASONS", "NO_REASON", "ModelStats", "model_stats", "model_clues", "days_to_case",
           "drop_reasons", "stage_counts", "matured_until", "immature_text", "all_days_to_case", "CLOSED"]
