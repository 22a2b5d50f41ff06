"""The clue ledger (法律监督线索台账) and the 检察建议 register as paths with deadlines.

`clue_path` / `suggestion_path` take the staged rows (one per clue / suggestion) and the date
the data reaches, and add where each record stands on its path (PRACTICE §3): the current
open stage, when it opened, when it is due, how long it has been open and how far past its
due date; how many of the stages already done finished late; whether a closed record closed
late. The stages and their limits are data (`cockpit/metrics/deadlines.toml`, see
`cockpit.metrics.deadlines`).

Semantics:
- a stage applies to a record per its `only_if` / `unless` conditions;
- the current stage is the first applicable stage whose date is empty; a record with every
  applicable stage's date is closed (stage "closed", 已办结);
- a stage's start is its `start` column, or ("previous") the date of the nearest earlier
  applicable stage that is done; its due date is start + days / months (a months limit clips
  to the month's end: 2025-12-31 + 2 months = 2026-02-28), or a `due` column;
- overdue when the as-of date is after the due date: due today is not overdue;
- a done stage is late when its date is after its due date; a closed record with at least one
  late stage closed late (it counts once however many stages were late);
- an open stage whose start date is empty (bad data) has no due date;
- a condition on a column the frame lacks does not hold (`only_if` fails, `unless` passes);
  a date column the frame lacks is empty.

`backlog` counts open records by unit, stage and age; `overdue_list` lists the overdue ones.
`load_clues` / `load_suggestions` read the staging tables (summaries masked).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, String, bindparam, select, type_coerce

from cockpit.metrics import units as U
from cockpit.metrics.contracts import SOURCE_BY_ID, month_column
from cockpit.metrics.deadlines import PREVIOUS, Rules, Stage, load_rules
from cockpit.metrics.periods import Period
from cockpit.metrics.records import mask_text
from cockpit.metrics.schema import STAGING

CLOSED = "closed"
CLOSED_LABEL = "已办结"

AGE_BUCKETS: tuple[str, ...] = ("≤30天", "31–60天", "61–90天", ">90天")
_AGE_EDGES = (30, 60, 90)              # upper bounds (inclusive) of all but the last bucket
AGE_UNKNOWN = "起始日期缺失"            # the bucket of an open record whose stage start is empty

PATH_COLUMNS = ("stage", "stage_label", "stage_order", "stage_start", "due", "placeholder", "age_days",
                "overdue_days", "overdue", "late_stages", "closed_late", "closed_date", "pressed")


# --- dates and values -------------------------------------------------------------------------

def to_dates(values) -> pd.Series:
    """Dates given as ISO strings, datetime64, date/datetime objects or Timestamps, as a
    datetime64[ns] series at midnight; anything unreadable or empty is NaT."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return out.astype("datetime64[ns]").dt.normalize()
    text = s.map(_date_text, na_action="ignore")
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    bad = out.isna() & text.notna()
    if bad.any():   # other spellings (2024/1/5 …): slower, rare
        out = out.astype("datetime64[ns]")
        out[bad] = pd.to_datetime(text[bad], format="mixed", errors="coerce")
    return out.astype("datetime64[ns]").dt.normalize()


def _date_text(v) -> str | None:
    if isinstance(v, (dt.date, pd.Timestamp)):      # datetime is a date
        return v.isoformat()
    s = str(v).strip()
    return s or None


def _as_timestamp(as_of) -> pd.Timestamp:
    ts = pd.Timestamp(as_of)
    if ts is pd.NaT:
        raise ValueError(f"as_of is not a date: {as_of!r}")
    return ts.tz_localize(None).normalize() if ts.tzinfo else ts.normalize()


def _norm(v) -> str | None:
    """A cell or rule value in comparable form: 1, 1.0, "1" and True are all "1"."""
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else str(float(v))
    return str(v).strip()


def _matches(frame: pd.DataFrame, column: str, values: tuple) -> np.ndarray:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    wanted = {_norm(v) for v in values}
    col = frame[column]
    mapping = {u: _norm(u) in wanted for u in pd.unique(col) if not pd.isna(u)}
    return (col.map(mapping) == True).to_numpy(dtype=bool)  # noqa: E712 - missing values map to NaN


def _applies(frame: pd.DataFrame, stage: Stage) -> np.ndarray:
    ok = np.ones(len(frame), dtype=bool)
    for col, values in stage.only_if:
        ok &= _matches(frame, col, values)
    for col, values in stage.unless:
        ok &= ~_matches(frame, col, values)
    return ok


def _column_dates(frame: pd.DataFrame, column: str, cache: dict) -> np.ndarray:
    if column not in cache:
        cache[column] = (to_dates(frame[column]).to_numpy() if column in frame.columns
                         else np.full(len(frame), np.datetime64("NaT", "ns")))
    return cache[column]


def _add_limit(start: np.ndarray, stage: Stage) -> np.ndarray:
    if stage.days is not None:
        return start + np.timedelta64(stage.days, "D")
    s = pd.Series(start) + pd.DateOffset(months=stage.months)
    return s.astype("datetime64[ns]").to_numpy()


def _date_cells(values: np.ndarray, keep: np.ndarray) -> pd.Series:
    """datetime.date objects (NaT where missing) where `keep`, None elsewhere."""
    cells = pd.Series(values, dtype="datetime64[ns]").dt.date.to_numpy(dtype=object, copy=True)
    cells[~keep] = None
    return pd.Series(cells, dtype=object)


# --- the path ---------------------------------------------------------------------------------

def _path(frame: pd.DataFrame, as_of, stages: tuple[Stage, ...]) -> pd.DataFrame:
    out = frame.copy().reset_index(drop=True)
    n, k = len(out), len(stages)
    today = np.datetime64(_as_timestamp(as_of).to_datetime64(), "ns")
    nat = np.datetime64("NaT", "ns")
    cache: dict[str, np.ndarray] = {}

    applies = np.zeros((k, n), dtype=bool)
    dates = np.full((k, n), nat)
    starts = np.full((k, n), nat)
    dues = np.full((k, n), nat)
    previous = np.full(n, nat)          # date of the nearest earlier applicable stage done
    last = np.full(n, nat)              # date of the last applicable stage
    for i, stage in enumerate(stages):
        applies[i] = _applies(out, stage)
        dates[i] = _column_dates(out, stage.date, cache)
        starts[i] = previous if stage.start == PREVIOUS else _column_dates(out, stage.start, cache)
        if stage.due is not None:
            dues[i] = _column_dates(out, stage.due, cache)
        elif stage.days is not None or stage.months is not None:
            dues[i] = _add_limit(starts[i], stage)
        done = applies[i] & ~np.isnat(dates[i])
        previous = np.where(done, dates[i], previous)
        last = np.where(applies[i], dates[i], last)

    open_ = applies & np.isnat(dates)
    has_open = open_.any(axis=0) if k else np.zeros(n, dtype=bool)
    current = open_.argmax(axis=0) if k else np.zeros(n, dtype=int)
    cols = np.arange(n)
    stage_start = np.where(has_open, starts[current, cols] if k else nat, nat)
    due = np.where(has_open, dues[current, cols] if k else nat, nat)

    ids = np.array([s.id for s in stages] + [CLOSED], dtype=object)
    labels = np.array([s.label for s in stages] + [CLOSED_LABEL], dtype=object)
    placeholders = np.array([s.placeholder for s in stages] + [False], dtype=bool)
    order = np.where(has_open, current, k)

    done_all = applies & ~np.isnat(dates)
    late = done_all & ~np.isnat(dues) & (dates > dues)
    late_stages = late.sum(axis=0).astype("int64")

    no_start, no_due = np.isnat(stage_start), np.isnat(due)
    age = (today - np.where(no_start, today, stage_start)) // np.timedelta64(1, "D")
    age_days = pd.array(age, dtype="Int64")
    age_days[no_start] = pd.NA
    past = (today - np.where(no_due, today, due)) // np.timedelta64(1, "D")
    overdue_days = np.where(~no_due & (today > due), past, 0).astype("int64")

    closed = ~has_open
    out["stage"] = ids[order]
    out["stage_label"] = labels[order]
    out["stage_order"] = order.astype("int64")
    out["stage_start"] = _date_cells(stage_start, has_open)
    out["due"] = _date_cells(due, has_open)
    out["placeholder"] = placeholders[order] & ~no_due
    out["age_days"] = age_days
    out["overdue_days"] = overdue_days
    out["overdue"] = overdue_days > 0
    out["late_stages"] = late_stages
    out["closed_late"] = closed & (late_stages > 0)
    out["closed_date"] = _date_cells(last, closed)
    out["pressed"] = ~np.isnat(_column_dates(out, "pressed_date", cache))
    return out


def clue_path(frame: pd.DataFrame, as_of: dt.date, rules: Rules | None = None) -> pd.DataFrame:
    """One row per clue (the input's columns, untouched) plus where it stands as of `as_of`:
    stage (id of the open stage or "closed"), stage_label (已办结 when closed), stage_order
    (the stage's index in the rules; the number of stages when closed), stage_start, due
    (date objects; NaT when the open stage has no deadline or no start; None when closed),
    placeholder (the open stage's deadline is a placeholder), age_days (nullable int),
    overdue_days (0 unless as_of > due), overdue, late_stages (done stages finished after
    their due date), closed_late, closed_date (the last stage's date — 反馈日期 — when
    closed, else None), pressed (督办日期 present)."""
    rules = rules or load_rules()
    return _path(frame, as_of, rules.clue)


def suggestion_path(frame: pd.DataFrame, as_of: dt.date, rules: Rules | None = None) -> pd.DataFrame:
    """As `clue_path`, for the 检察建议 register: stages 回复 (due: the register's own 回复期限)
    and 回头看 (for adopted suggestions). `pressed` is False (the register has no 督办日期)."""
    rules = rules or load_rules()
    return _path(frame, as_of, rules.suggestion)


# --- summaries of a path frame ----------------------------------------------------------------

def age_bucket(days) -> str:
    """The AGE_BUCKETS label of an age in days (AGE_UNKNOWN when missing)."""
    if days is None or pd.isna(days):
        return AGE_UNKNOWN
    for label, edge in zip(AGE_BUCKETS, _AGE_EDGES):
        if days <= edge:
            return label
    return AGE_BUCKETS[-1]


def backlog(path_frame: pd.DataFrame) -> pd.DataFrame:
    """Open records counted by unit_code × stage × age bucket: columns unit_code, stage,
    stage_label, bucket (AGE_BUCKETS, or AGE_UNKNOWN), n — in unit, stage and bucket order;
    combinations with no record are left out."""
    open_ = path_frame[path_frame["stage"] != CLOSED]
    cols = ["unit_code", "stage", "stage_label", "bucket", "n"]
    if open_.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "n" else object) for c in cols})
    ages = open_["age_days"].astype("Float64")
    bucket = pd.Series(AGE_UNKNOWN, index=open_.index, dtype=object)
    known = ages.notna().to_numpy()
    values = ages.to_numpy(dtype=float, na_value=np.nan)
    idx = np.searchsorted(np.array(_AGE_EDGES, dtype=float), values, side="left")
    bucket[known] = np.array(AGE_BUCKETS, dtype=object)[np.minimum(idx, len(AGE_BUCKETS) - 1)][known]
    order = open_["stage_order"] if "stage_order" in open_.columns else open_["stage"]
    grouped = (pd.DataFrame({"unit_code": open_["unit_code"].to_numpy(), "order": order.to_numpy(),
                             "stage": open_["stage"].to_numpy(), "stage_label": open_["stage_label"].to_numpy(),
                             "bucket": bucket.to_numpy()})
               .groupby(["unit_code", "order", "stage", "stage_label", "bucket"], sort=False).size()
               .reset_index(name="n"))
    rank = {b: i for i, b in enumerate(AGE_BUCKETS + (AGE_UNKNOWN,))}
    grouped["_b"] = grouped["bucket"].map(rank)
    grouped = grouped.sort_values(["unit_code", "order", "_b"], kind="stable").reset_index(drop=True)
    grouped["n"] = grouped["n"].astype("int64")
    return grouped[cols]


def overdue_list(path_frame: pd.DataFrame) -> pd.DataFrame:
    """The overdue records, most overdue first (ties: the earlier due date, then the key)."""
    over = path_frame[path_frame["overdue"]].copy()
    keys = [c for c in ("clue_no", "doc_no") if c in over.columns][:1]
    over["_due"] = to_dates(over["due"]) if len(over) else over["due"]
    over = over.sort_values(["overdue_days", "_due"] + keys, ascending=[False, True] + [True] * len(keys),
                            kind="stable")
    return over.drop(columns="_due").reset_index(drop=True)


# --- reading the staging tables ---------------------------------------------------------------

def _load(engine: Engine, source_id: str, units, period, month: str) -> pd.DataFrame:
    source = SOURCE_BY_ID[source_id]
    table = STAGING[source_id]
    names = [c.name for c in source.columns] + [month_column(c) for c in source.months]
    kinds = {c.name: c.type for c in source.columns}
    # dates are read as text and parsed here: the same on SQLite (ISO text) and PostgreSQL
    columns = [type_coerce(table.c[n], String).label(n) if kinds.get(n) == "date" else table.c[n] for n in names]
    codes = sorted({c for u in ([units] if isinstance(units, str) else units) for c in U.members(u)})
    query = select(*columns).where(table.c.unit_code.in_(bindparam("units", expanding=True)))
    params: dict = {"units": codes}
    if period is not None:
        period = Period.parse(period) if isinstance(period, str) else period
        query = query.where(table.c[month].between(bindparam("m0"), bindparam("m1")))
        params.update(m0=period.start, m1=period.end)
    query = query.order_by(table.c[source.key_column])
    with engine.connect() as conn:
        rows = conn.execute(query, params).all() if codes else []
    frame = pd.DataFrame(rows, columns=names)
    for name, kind in kinds.items():
        if kind == "date":
            frame[name] = to_dates(frame[name]) if len(frame) else frame[name].astype("datetime64[ns]")
    for c in source.columns:
        if c.personal:
            frame[c.name] = frame[c.name].map(mask_text).astype(object)
    return frame


def load_clues(engine: Engine, units: list[str], period: Period | str | None = None) -> pd.DataFrame:
    """The staged clues of some units (a city or county code stands for its members), found in
    `period` (found_month) if given; dates as datetime64, summaries masked."""
    return _load(engine, "clue", units, period, "found_month")


def load_suggestions(engine: Engine, units: list[str], period: Period | str | None = None) -> pd.DataFrame:
    """The staged 检察建议 of some units, issued in `period` (issued_month) if given."""
    return _load(engine, "suggestion", units, period, "issued_month")


# --- indicators -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerIndicator:
    id: str
    name: str            # Chinese
    definition: str      # 口径 (Chinese)
    kind: str            # "stock": as of the data date; "count": booked in a month
    month: str | None    # for a count: the column whose month books it
    direction: str = "neutral"
    unit: str = "条"


LEDGER_INDICATORS: tuple[LedgerIndicator, ...] = (
    LedgerIndicator("clue_open", "在办线索数",
                    "截至数据日期尚未办结（反馈等适用环节未全部完成）的法律监督线索数", "stock", None),
    LedgerIndicator("clue_overdue_open", "逾期未办结线索数",
                    "截至数据日期尚未办结、且当前环节已超过期限的线索数（期限当日不算逾期；"
                    "期限见线索办理期限规则，其中标注“暂定”的为占位数值）", "stock", None),
    LedgerIndicator("clue_closed_late", "逾期办结线索数",
                    "已办结、且至少有一个环节超过期限完成的线索数，计入办结（反馈）当月；"
                    "一条线索多个环节逾期只计一次", "count", "feedback_month"),
    LedgerIndicator("clue_pressed", "督办线索数",
                    "有督办日期的线索数，计入督办当月", "count", "pressed_month"),
)
LEDGER_INDICATOR_BY_ID = {i.id: i for i in LEDGER_INDICATORS}


def indicator_values(path_frame: pd.DataFrame, period: Period | str | None = None) -> dict[str, int]:
    """The LEDGER_INDICATORS of a clue path frame: stocks as of the path's as-of date; counts
    of the months in `period` (all months when None), booked by the closing / pressed date."""
    open_ = path_frame["stage"] != CLOSED
    months = None
    if period is not None:
        period = Period.parse(period) if isinstance(period, str) else period
        months = (period.start, period.end)

    def in_period(dates) -> pd.Series:
        d = to_dates(pd.Series(list(dates), index=path_frame.index, dtype=object))
        m = d.dt.strftime("%Y-%m")
        ok = d.notna()
        return ok if months is None else ok & (m >= months[0]) & (m <= months[1])

    pressed = to_dates(path_frame["pressed_date"]) if "pressed_date" in path_frame.columns else \
        pd.Series(pd.NaT, index=path_frame.index, dtype="datetime64[ns]")
    return {
        "clue_open": int(open_.sum()),
        "clue_overdue_open": int((open_ & path_frame["overdue"]).sum()),
        "clue_closed_late": int((path_frame["closed_late"] & in_period(path_frame["closed_date"])).sum()),
        "clue_pressed": int(in_period(pressed).sum()),
    }


# --- one clue: its stages and its evidence ----------------------------------------------------

STEP_DONE, STEP_LATE, STEP_OPEN, STEP_OVERDUE = "done", "late", "open", "overdue"
STEP_WAITING, STEP_NA, STEP_NO_START = "waiting", "na", "no_start"
STEP_LABEL = {STEP_DONE: "按期完成", STEP_LATE: "逾期完成", STEP_OPEN: "办理中", STEP_OVERDUE: "已逾期",
              STEP_WAITING: "未开始", STEP_NA: "不适用", STEP_NO_START: "起始日期缺失"}


@dataclass(frozen=True)
class Step:
    """One stage of one record's path (see `stage_steps`)."""
    stage: Stage
    applies: bool
    start: dt.date | None
    due: dt.date | None
    done: dt.date | None
    status: str               # STEP_* (STEP_LABEL: its Chinese)
    days_late: int            # done late: days after the due date; overdue: days past it as of the as-of date


def stage_steps(row, as_of, kind: str = "clue", rules: Rules | None = None) -> list[Step]:
    """Every stage of one record (a mapping or a one-row frame of the staged columns) as of
    `as_of`, read by the same rules as `clue_path`: the first applicable stage with no date is
    the open one (办理中 / 已逾期), the applicable stages after it have not started (未开始),
    stages that do not apply are 不适用, done stages are 按期完成 or 逾期完成."""
    rules = rules or load_rules()
    stages = rules.stages(kind)
    frame = row if isinstance(row, pd.DataFrame) else pd.DataFrame([dict(row)])
    frame = frame.iloc[:1].reset_index(drop=True)
    today = np.datetime64(_as_timestamp(as_of).to_datetime64(), "ns")
    cache: dict[str, np.ndarray] = {}
    previous = np.datetime64("NaT", "ns")
    opened = False
    out: list[Step] = []

    def day(v) -> dt.date | None:
        return None if np.isnat(v) else pd.Timestamp(v).date()

    for stage in stages:
        applies = bool(_applies(frame, stage)[0])
        done = _column_dates(frame, stage.date, cache)[0]
        start = previous if stage.start == PREVIOUS else _column_dates(frame, stage.start, cache)[0]
        if stage.due is not None:
            due = _column_dates(frame, stage.due, cache)[0]
        elif stage.days is not None or stage.months is not None:
            due = _add_limit(np.array([start], dtype="datetime64[ns]"), stage)[0]
        else:
            due = np.datetime64("NaT", "ns")
        if not applies:
            out.append(Step(stage, False, None, None, None, STEP_NA, 0))
            continue
        if not np.isnat(done):
            previous = done
        if opened:
            out.append(Step(stage, True, None, None, None, STEP_WAITING, 0))
            continue
        if np.isnat(done):
            opened = True
            if np.isnat(start):
                out.append(Step(stage, True, None, None, None, STEP_NO_START, 0))
                continue
            past = int((today - due) // np.timedelta64(1, "D")) if not np.isnat(due) else 0
            status = STEP_OVERDUE if past > 0 else STEP_OPEN
            out.append(Step(stage, True, day(start), day(due), None, status, max(past, 0)))
            continue
        late = int((done - due) // np.timedelta64(1, "D")) if not np.isnat(due) else 0
        out.append(Step(stage, True, day(start), day(due), day(done), STEP_LATE if late > 0 else STEP_DONE,
                        max(late, 0)))
    return out


def split_keys(text) -> list[str]:
    """The keys of a 关联记录 cell (separated by ；, ; or 、), in order, without repeats."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return []
    out: list[str] = []
    for part in str(text).replace(";", "；").replace("、", "；").split("；"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


EVIDENCE_COLUMNS = ("record_no", "model_id", "unit_code", "provider", "record_kind", "record_date",
                    "person_name", "content")


def evidence(engine: Engine, keys, units) -> pd.DataFrame:
    """The model comparison records (模型比对数据, `stg_model_record`) named by `keys` (记录编号)
    among the units' records (a city or county code stands for its members), in the order of
    `keys`; a key with no such record is left out. Masked: the person's name keeps its first
    character (also where the content repeats it), ID and phone numbers are cut."""
    from cockpit.metrics.records import mask_name
    keys = [str(k) for k in keys if k is not None and str(k).strip()][:200]
    codes = sorted({c for u in ([units] if isinstance(units, str) else units or []) for c in U.members(u)})
    table = STAGING["model_record"]
    cols = [type_coerce(table.c[n], String).label(n) if n == "record_date" else table.c[n]
            for n in EVIDENCE_COLUMNS]
    rows = []
    if keys and codes:
        query = (select(*cols)
                 .where(table.c.record_no.in_(bindparam("keys", expanding=True)))
                 .where(table.c.unit_code.in_(bindparam("units", expanding=True))))
        with engine.connect() as conn:
            rows = conn.execute(query, {"keys": keys, "units": codes}).all()
    frame = pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
    if frame.empty:
        return frame.astype(object)
    names = frame["person_name"]
    frame["content"] = [_mask_with_name(c, n) for c, n in zip(frame["content"], names)]
    frame["person_name"] = names.map(mask_name).astype(object)
    frame["record_date"] = frame["record_date"].map(lambda v: str(v)[:10] if v is not None else "")
    rank = {k: i for i, k in enumerate(keys)}
    frame["_rank"] = frame["record_no"].map(rank)
    return frame.sort_values(["_rank", "record_no"], kind="stable").drop(columns="_rank").reset_index(drop=True)


def _mask_with_name(content, name) -> str:
    from cockpit.metrics.records import mask_name
    text = mask_text(content)
    n = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name).strip()
    return text.replace(n, mask_name(n)) if len(n) > 1 else text
