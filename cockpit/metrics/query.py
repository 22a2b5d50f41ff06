"""The one query API every page, export and test uses.

`MetricStore` reads the published facts once (`MetricStore.load(engine)`) and answers every
question from memory with numpy/pandas; a query never goes back to the database. Each call
computes from the declarations in `catalog` / `measures` / `platforms` — no formula lives here:

- a ratio is `scale × Σnumerator ÷ Σdenominator`, the sums taken over all the units of the
  group and all the live months of the period, divided once (never an average of rates);
  a count is `scale × Σmeasure`;
- each measure follows its own `time_agg`: `sum` adds the period's months; `last` (a stock)
  takes each unit's value in the period's last month (the last month with data, for a period
  still in progress) and adds the units, never the months; `cumulative` (a running total)
  adds every month up to the period's end. In a ratio each side follows its own rule
  (脱管率 = flow ÷ end-of-period stock);
- months before the metric's launch month (its platform's) are left out; a period wholly
  before launch is `not_live` (未上线), never 0. A cumulative measure is the exception on
  the months it adds: it counts everything booked up to the period's end, also before launch
  (a model registered before the models platform's first month still counts), but the period
  itself must reach the launch month to be live.

Status of a value (column `status`; `STATUS_LABEL` gives the Chinese):
  ok              a value.
  not_live        the period lies wholly before the metric's launch month (未上线).
  no_data         nothing booked for the period (无数据): no data of the measure's source covers
                  the period's live months (e.g. months after the last load), or a ratio's
                  denominator is 0.
  not_applicable  the 口径 does not apply to the cell (不适用): a bounded % rate whose numerator
                  exceeds its denominator (different cohorts in one small cell), or a per-capita
                  rate of a unit without a population (市院本级).

A value with status ok may carry a flag (column `flag`; `flag_label` gives the Chinese) that
keeps it out of every comparison (同比/环比, rank, county median, alerts) while it is shown:
  immature  the period reaches into the metric's maturity window — the last
            `Metric.maturity_months` months up to `data_month` (核查中 / 办理中);
  small     a rate whose denominator is below `Metric.min_sample` (样本少).

Every period ends at `data_month`: a period that runs past it (the current year, a quarter in
progress) is cut there, so no view includes the partial month after 数据截至.
"Covered" is decided per data feed — the measures sharing a source and a booking month
column (measures.Measure.source/.month) — as the span from the first to the last month with
any fact of that feed, in any unit. Inside that span a missing row is 0 (the ETL may or may
not write zero rows); outside it the store knows nothing. A cumulative measure is covered
from the store's first month to its latest month.

Missing values are None, never NaN: the numeric columns (value, numerator, denominator, the
comparisons, rank, …) have dtype `object` and hold Python floats (ints for ranks) or None.
Use `df["value"].astype(float)` for NaN arithmetic. Numerators/denominators are the raw sums
(not scaled); values are not rounded (round with `Metric.decimals` for display).

Comparisons: `yoy_*` against `Period.year_ago()` (同比), `pop_*` against `Period.previous()`
(环比; None for ytd). `*_value` is the other period's value (None unless its status is ok, so
None also when the other period is wholly before launch), `*_change` = value − other value
(percentage points for % metrics), `*_pct` = change ÷ |other value| × 100 (None when the other
value is 0 or None). A period still in progress (the metric's data ends inside it, e.g. 2024Q2
with data to May) is compared like for like: both comparison windows are cut to the same
months (Apr–May 2023; Jan–Feb 2024). `Period.is_complete(store.latest_month)` tells a page
to mark such a period "截至5月".

Why a value moved: `explain_change` (and `decomposition`) split the 同比/环比 change of a
group into its units' contributions, and for a rate into rate and mix effects, summing exactly
to the change (cockpit.metrics.decompose); refused where the change is not compared.

`latest_month` is the latest month with any fact, except that months after the month of
`published_at` (when known) are ignored: the ETL books 检察建议 "due" measures in their due
month, which may lie in the future, and the cockpit's default period must not jump there.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Engine, inspect, text

from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, METRICS, PER_CAPITA, PER_CAPITA_BASIS, RATE, Metric
from cockpit.metrics.decompose import NO_BASE, NO_VALUE, TOTAL, Decomposition, decompose, refusal
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period, month_from_ordinal, month_ordinal, month_range

log = logging.getLogger(__name__)

OK, NOT_LIVE, NO_DATA, NOT_APPLICABLE = "ok", "not_live", "no_data", "not_applicable"
STATUS_LABEL = {OK: "", NOT_LIVE: "未上线", NO_DATA: "无数据", NOT_APPLICABLE: "不适用"}
IMMATURE, SMALL = "immature", "small"


def flag_label(metric: Metric, flag: str | None) -> str:
    """核查中 / 办理中 for an immature value, 样本少 for a small sample, "" otherwise."""
    if flag == IMMATURE:
        return metric.immature_label
    if flag == SMALL:
        return "样本少"
    return ""

FACT_COLUMNS = ("unit_code", "month", "measure_id", "value")
MODEL_FACT_COLUMNS = ("model_id", "unit_code", "month", "measure_id", "value")

QUERY_COLUMNS = (
    "metric_id", "unit", "unit_label", "period", "value", "numerator", "denominator", "status", "flag",
    "yoy_value", "yoy_change", "yoy_pct", "pop_value", "pop_change", "pop_pct",
)
BY_UNIT_COLUMNS = QUERY_COLUMNS + ("tier", "rank", "rank_of", "county_median", "county_q1", "county_q3",
                                   "city_value", "gap_to_city", "share_of_city")
SERIES_COLUMNS = ("metric_id", "unit", "month", "value", "numerator", "denominator", "status", "flag")
BY_MODEL_COLUMNS = ("model_id", "measure_id", "period", "value", "share", "status")
MODEL_METRIC_COLUMNS = ("model_id", "metric_id", "period", "value", "numerator", "denominator", "status", "flag",
                        "first_month", "last_month", "pending")
_TEXT_COLUMNS = {"metric_id", "unit", "unit_label", "period", "status", "flag", "tier", "month", "model_id",
                 "measure_id"}

_UNIT_INDEX = {code: i for i, code in enumerate(U.UNIT_CODES)}
_N_UNITS = len(U.UNIT_CODES)
# 常住人口 in persons per unit (0 for 市院本级, which has no district of its own)
_POPULATION = np.array([(u.population or 0.0) * 10_000 for u in U.UNITS])


def _feed(measure_id: str) -> tuple[str, str]:
    """The data feed a measure is booked from: (source, month column)."""
    m = MEASURE_BY_ID.get(measure_id)
    return (m.source, m.month) if m else ("?", measure_id)


def _time_agg(measure_id: str) -> str:
    m = MEASURE_BY_ID.get(measure_id)
    return m.time_agg if m else "sum"


_LAUNCH_ORD: dict[str, int] = {}


def _launch_ordinal(metric: Metric) -> int:
    o = _LAUNCH_ORD.get(metric.launch)
    if o is None:
        o = _LAUNCH_ORD[metric.launch] = month_ordinal(metric.launch)
    return o


def measure_launch(measure_id: str) -> str | None:
    """The earliest launch month of the metrics built on a measure (None if no metric uses it)."""
    launches = [m.launch for m in METRICS if measure_id in m.measures]
    return min(launches) if launches else None


def _to_datetime(v) -> datetime | None:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, datetime):
        return v
    try:
        ts = pd.Timestamp(v)
    except (ValueError, TypeError):
        return None
    return None if pd.isna(ts) else ts.to_pydatetime()


def _frame(columns: Iterable[str], data: dict[str, list]) -> pd.DataFrame:
    """A result frame: text columns as strings, every other column object (floats/ints/None)."""
    out = {}
    for c in columns:
        if c in _TEXT_COLUMNS:
            out[c] = pd.array(data[c], dtype="str")
        else:
            arr = np.empty(len(data[c]), dtype=object)
            arr[:] = data[c]
            out[c] = arr
    return pd.DataFrame(out, columns=list(columns), copy=False)


def _compare(value, base) -> tuple[float | None, float | None]:
    if value is None or base is None:
        return None, None
    change = value - base
    return change, (None if base == 0 else change / abs(base) * 100.0)


def _read(conn, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """A whole table as a frame, built column-wise (pandas is slow on SQLAlchemy Row objects)."""
    rows = conn.execute(text(f"SELECT {', '.join(columns)} FROM {table}")).all()
    cols = list(zip(*rows)) if rows else [()] * len(columns)
    return pd.DataFrame({c: list(v) for c, v in zip(columns, cols)}, columns=list(columns))


def _columns(df: pd.DataFrame | None, columns: tuple[str, ...], name: str) -> dict:
    """The fact rows as numpy arrays: unit index, month ordinal, measure code (into the sorted
    `measure_ids`), value (NULL → 0) and, for model facts, the model id. Rows with an unknown
    unit code or a malformed month are dropped with a warning (the ETL validates both)."""
    if df is not None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise ValueError(f"{name}: missing columns {missing}")
    if df is None or len(df) == 0:
        out = {"unit": np.zeros(0, np.int64), "ord": np.zeros(0, np.int64),
               "measure": np.zeros(0, np.int64), "value": np.zeros(0), "measure_ids": []}
        if "model_id" in columns:
            out["model"] = np.zeros(0, object)
        return out

    def lookup(col, convert):
        """Convert each distinct value once; -1 for a bad one (and for NULL)."""
        codes, uniques = pd.factorize(df[col])
        table = np.array([convert(u) for u in uniques] + [-1], dtype=np.int64)
        return table[codes]  # a NULL's code -1 picks the trailing -1

    def unit_index(u):
        return _UNIT_INDEX.get(str(u).strip(), -1)

    def ordinal(m):
        try:
            return month_ordinal(str(m).strip())
        except ValueError:
            return -1

    unit = lookup("unit_code", unit_index)
    ords = lookup("month", ordinal)
    measure_codes, measure_uniques = pd.factorize(df["measure_id"])
    value = pd.to_numeric(df["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    model = df["model_id"].astype(str).str.strip().to_numpy(dtype=object) if "model_id" in columns else None
    good = (unit >= 0) & (ords >= 0) & (measure_codes >= 0)
    if not good.all():
        log.warning("%s: ignored %d rows with an unknown unit, a bad month or no measure",
                    name, int((~good).sum()))
        unit, ords, measure_codes, value = unit[good], ords[good], measure_codes[good], value[good]
        model = None if model is None else model[good]
    # measure ids sorted and stripped; several raw spellings may map to one id
    ids = [str(m).strip() for m in measure_uniques]
    measure_ids = sorted(set(ids))
    pos = {m: i for i, m in enumerate(measure_ids)}
    remap = np.array([pos[m] for m in ids] + [-1], dtype=np.int64)
    out = {"unit": unit, "ord": ords, "measure": remap[measure_codes],
           "value": np.nan_to_num(value, nan=0.0), "measure_ids": measure_ids}
    if model is not None:
        out["model"] = model
    return out


class MetricStore:
    """An immutable, in-memory snapshot of the published facts."""

    def __init__(self, facts: pd.DataFrame | None, model_facts: pd.DataFrame | None = None,
                 snapshot: int = 0, published_at: datetime | None = None):
        self.snapshot = int(snapshot or 0)
        self.published_at = _to_datetime(published_at)
        f = _columns(facts, FACT_COLUMNS, "fact_measure")
        mf = _columns(model_facts, MODEL_FACT_COLUMNS, "fact_model_measure")
        self._n_facts = len(f["value"])

        # The month axis shared by both cubes: every month from the first to the last fact.
        ords = np.concatenate([f["ord"], mf["ord"]])
        if len(ords):
            self._o0, self._n = int(ords.min()), int(ords.max() - ords.min() + 1)
        else:
            self._o0, self._n = 0, 0

        # The latest month with data. Months after the publication month can only be
        # deadlines booked ahead (e.g. 检察建议 due months), not data: they are ignored here.
        latest = None
        if len(ords):
            latest = int(ords.max())
            if self.published_at is not None:
                cap = self.published_at.year * 12 + self.published_at.month - 1
                upto = ords[ords <= cap]
                if len(upto):
                    latest = int(upto.max())
        self._latest = latest
        self._store_span = (self._o0, latest) if latest is not None else None

        # fact_measure as a dense cube: measure × unit × month (duplicate rows add up).
        mids = f["measure_ids"]
        self._mi = {mid: i for i, mid in enumerate(mids)}
        self._cube = np.zeros((len(mids), _N_UNITS, self._n))
        if self._n_facts:
            np.add.at(self._cube, (f["measure"], f["unit"], f["ord"] - self._o0), f["value"])

        # fact_model_measure: per measure a cube model × unit × month.
        self._model_cubes: dict[str, tuple[list[str], np.ndarray]] = {}
        for k, mid in enumerate(mf["measure_ids"]):
            sel = mf["measure"] == k
            codes, models = pd.factorize(mf["model"][sel], sort=True)
            arr = np.zeros((len(models), _N_UNITS, self._n))
            np.add.at(arr, (codes, mf["unit"][sel], mf["ord"][sel] - self._o0), mf["value"][sel])
            self._model_cubes[mid] = ([str(m) for m in models], arr)

        # Coverage span of each data feed (source, month column): first and last month with facts.
        spans: dict[tuple[str, str], tuple[int, int]] = {}
        for d in (f, mf):
            n = len(d["measure_ids"])
            if not n:
                continue
            lo = np.full(n, np.iinfo(np.int64).max)
            hi = np.full(n, np.iinfo(np.int64).min)
            np.minimum.at(lo, d["measure"], d["ord"])
            np.maximum.at(hi, d["measure"], d["ord"])
            for mid, a, b in zip(d["measure_ids"], lo.tolist(), hi.tolist()):
                if a > b:
                    continue  # only in dropped rows
                key = _feed(mid)
                old = spans.get(key)
                spans[key] = (a, b) if old is None else (min(old[0], a), max(old[1], b))
        self._spans = spans
        self._weights: dict[tuple[str, ...], np.ndarray] = {}

    # --- construction -----------------------------------------------------------------------
    @classmethod
    def from_frames(cls, facts: pd.DataFrame, model_facts: pd.DataFrame | None = None,
                    snapshot: int = 0, published_at: datetime | None = None) -> MetricStore:
        """A store from in-memory frames with the columns of fact_measure (and fact_model_measure).
        Duplicate (unit, month, measure) rows are added up."""
        return cls(facts, model_facts, snapshot, published_at)

    @classmethod
    def load(cls, engine: Engine) -> MetricStore:
        """Read the published snapshot in one read transaction. Missing tables (a fresh install)
        give an empty store."""
        conn_opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with engine.connect() as conn:
            if conn_opts:
                conn = conn.execution_options(**conn_opts)
            with conn.begin():
                tables = set(inspect(conn).get_table_names())
                facts = model_facts = None
                snapshot, published_at = 0, None
                if "fact_measure" in tables:
                    facts = _read(conn, "fact_measure", FACT_COLUMNS)
                if "fact_model_measure" in tables:
                    model_facts = _read(conn, "fact_model_measure", MODEL_FACT_COLUMNS)
                if "etl_run" in tables:
                    row = conn.execute(text(
                        "SELECT run_id, started_at, finished_at FROM etl_run "
                        "WHERE run_id = (SELECT MAX(run_id) FROM etl_run)")).first()
                    if row is not None and row[0] is not None:
                        snapshot = int(row[0])
                        published_at = _to_datetime(row[2]) or _to_datetime(row[1])
        return cls(facts, model_facts, snapshot, published_at)

    @staticmethod
    def current_snapshot(engine: Engine) -> int:
        """The published snapshot id (max etl_run.run_id; 0 when none) — a cheap check for
        whether a loaded store is stale."""
        with engine.connect() as conn:
            if not inspect(conn).has_table("etl_run"):
                return 0
            return int(conn.execute(text("SELECT MAX(run_id) FROM etl_run")).scalar() or 0)

    # --- properties -------------------------------------------------------------------------
    @property
    def is_empty(self) -> bool:
        return self._n_facts == 0

    @property
    def latest_month(self) -> str | None:
        """The latest month with any fact (months after the publication month excluded)."""
        return None if self._latest is None else month_from_ordinal(self._latest)

    @property
    def first_month(self) -> str | None:
        return None if self._n == 0 else month_from_ordinal(self._o0)

    @property
    def data_month(self) -> str | None:
        """The month the data reaches: the latest month in which every core indicator that is
        live then has a value — what "数据截至" says and every default period ends with.

        `latest_month` can lie after it: 检察建议 "due" counts are booked in their due month
        (two months after issue), and a partial last load leaves the newest month incomplete,
        so a leader's first view would be a page of 无数据. Steps back at most a year."""
        if "_data_month" not in self.__dict__:
            from cockpit.metrics.catalog import CORE_METRICS
            latest = self._latest
            month = self.latest_month
            w = self._unit_weights((U.CITY,))
            for k in range(12 if latest is not None else 0):
                o = latest - k
                statuses = [self._compute(METRIC_BY_ID[mid], w, (o, o))[3][0] for mid in CORE_METRICS]
                live = [st for st in statuses if st != NOT_LIVE]
                if live and all(st == OK for st in live):
                    month = month_from_ordinal(o)
                    break
            self.__dict__["_data_month"] = month
        return self.__dict__["_data_month"]

    def default_period(self) -> Period:
        return Period.default(self.data_month)

    def __repr__(self) -> str:
        return (f"MetricStore(snapshot={self.snapshot}, facts={self._n_facts}, "
                f"months={self.first_month}..{self.latest_month})")

    # --- the engine -------------------------------------------------------------------------
    def _unit_weights(self, units: tuple[str, ...]) -> np.ndarray:
        w = self._weights.get(units)
        if w is None:
            w = np.zeros((len(units), _N_UNITS))
            for i, u in enumerate(units):
                for code in U.members(u):
                    w[i, _UNIT_INDEX[code]] = 1.0
            self._weights[units] = w
        return w

    def _aggregate(self, arr: np.ndarray | None, measure_id: str, lo: int, hi: int):
        """Aggregate a measure's cube (…, unit, month) over the live months lo..hi (ordinals)
        by its time_agg. Returns (array (…, unit) or 0.0 when no facts, booked)."""
        agg = _time_agg(measure_id)
        if agg == "cumulative":
            span = self._store_span
            if span is None or hi < span[0] or lo > span[1]:
                return None, False
            a, b = self._o0, hi
        else:
            span = self._spans.get(_feed(measure_id))
            if span is None:
                return None, False
            if agg == "last":
                t = min(hi, span[1])
                if t < max(lo, span[0]):
                    return None, False
                a = b = t
            else:
                if hi < span[0] or lo > span[1]:
                    return None, False
                a, b = lo, hi
        if arr is None:
            return 0.0, True
        ia, ib = max(a - self._o0, 0), min(b - self._o0, self._n - 1)
        if ia > ib:
            return np.zeros(arr.shape[:-1]), True
        if ia == ib:
            return arr[..., ia], True
        return arr[..., ia:ib + 1].sum(axis=-1), True

    def _measure(self, measure_id: str, w: np.ndarray, lo: int, hi: int) -> np.ndarray | None:
        """Σ over the units of each group (rows of w) of a measure over lo..hi; None if unbooked."""
        k = self._mi.get(measure_id)
        vec, booked = self._aggregate(None if k is None else self._cube[k], measure_id, lo, hi)
        if not booked:
            return None
        if isinstance(vec, float):
            return np.zeros(w.shape[0])
        return w @ vec

    def _data_end(self, metric: Metric) -> int | None:
        """The last month (ordinal) with data for all of a metric's measures."""
        ends = []
        for mid in metric.measures:
            if _time_agg(mid) == "cumulative":
                span = self._store_span
            else:
                span = self._spans.get(_feed(mid))
            if span is None:
                return None
            ends.append(span[1])
        return min(ends)

    @property
    def _cap(self) -> int | None:
        """The data month's ordinal: no period reaches past it."""
        if "_cap_ord" not in self.__dict__:
            dm = self.data_month
            self.__dict__["_cap_ord"] = None if dm is None else month_ordinal(dm)
        return self.__dict__["_cap_ord"]

    def _windows(self, metric: Metric, period: Period):
        """The month windows (first, last ordinal) of the period, its year-ago and its previous
        period (None for ytd). Every period ends at the data month at the latest. A period still
        in progress — the data ends inside it — is compared like for like: the year-ago and
        previous windows are cut to the same months (2024Q2 with data to May: Apr–May 2024 vs
        Apr–May 2023 and Jan–Feb 2024)."""
        lo, hi = period.start_ordinal, period.end_ordinal
        end = self._data_end(metric)
        cap = self._cap
        if cap is not None:
            end = cap if end is None else min(end, cap)
        if cap is not None and lo > cap:
            return None, None, None   # wholly after the data: 无数据
        cut = hi - end if end is not None and lo <= end < hi else 0
        prev = period.previous()
        return ((lo, hi - cut), (lo - 12, hi - 12 - cut),
                None if prev is None else (prev.start_ordinal, prev.end_ordinal - cut))

    def _compute(self, metric: Metric, w: np.ndarray, window: tuple[int, int] | None):
        """(values, numerators, denominators, statuses) for each group (row of w) over a window
        of months (first, last ordinal); lists of length len(w)."""
        g = w.shape[0]
        none = [None] * g
        if window is None:
            return none, none, none, [NO_DATA] * g
        lo, hi = max(window[0], _launch_ordinal(metric)), window[1]
        if lo > hi:
            return none, none, none, [NOT_LIVE] * g
        num = self._measure(metric.numerator, w, lo, hi)
        if metric.kind == PER_CAPITA:
            if num is None:
                return none, none, none, [NO_DATA] * g
            nums, pops = num.tolist(), (w @ _POPULATION).tolist()
            values = [metric.scale * PER_CAPITA_BASIS * n / p if p > 0 else None for n, p in zip(nums, pops)]
            return values, nums, pops, [OK if p > 0 else NOT_APPLICABLE for p in pops]
        if not metric.denominator:
            if num is None:
                return none, none, none, [NO_DATA] * g
            nums = num.tolist()
            return [metric.scale * x for x in nums], nums, none, [OK] * g
        den = self._measure(metric.denominator, w, lo, hi)
        nums = none if num is None else num.tolist()
        dens = none if den is None else den.tolist()
        if num is None or den is None:
            return none, nums, dens, [NO_DATA] * g
        values, statuses = [], []
        for n, d in zip(nums, dens):
            if d <= 0:
                values.append(None)
                statuses.append(NO_DATA)
            elif metric.bounded and n > d:
                values.append(None)
                statuses.append(NOT_APPLICABLE)
            else:
                values.append(metric.scale * n / d)
                statuses.append(OK)
        return values, nums, dens, statuses

    def _flags(self, metric: Metric, window: tuple[int, int] | None, dens: list, statuses: list) -> list[str]:
        """The flag of each value computed over a window: immature, small or ""."""
        immature = False
        if metric.maturity_months and window is not None and self._cap is not None:
            immature = window[1] > self._cap - metric.maturity_months
        out = []
        for d, st in zip(dens, statuses):
            if st != OK:
                out.append("")
            elif immature:
                out.append(IMMATURE)
            elif metric.kind == RATE and metric.min_sample and d is not None and d < metric.min_sample:
                out.append(SMALL)
            else:
                out.append("")
        return out

    def _side(self, metric: Metric, w: np.ndarray, window):
        """Values, numerators, denominators, statuses and flags over one window."""
        values, nums, dens, statuses = self._compute(metric, w, window)
        return values, nums, dens, statuses, self._flags(metric, window, dens, statuses)

    def _period(self, period: Period | str | None) -> Period:
        if period is None:
            return self.default_period()
        return period if isinstance(period, Period) else Period.parse(period)

    # --- public API -------------------------------------------------------------------------
    def query(self, metric_ids: str | Iterable[str], units: str | Iterable[str] = (U.CITY,),
              period: Period | str | None = None) -> pd.DataFrame:
        """One row per (metric, unit), metrics outermost, in the order asked.
        Columns: QUERY_COLUMNS. `units` are unit codes and/or the groups CITY, COUNTIES."""
        return _frame(QUERY_COLUMNS, self._query_data(metric_ids, units, period))

    def _query_data(self, metric_ids, units, period) -> dict[str, list]:
        metric_ids = [metric_ids] if isinstance(metric_ids, str) else list(metric_ids)
        units = (units,) if isinstance(units, str) else tuple(units)
        period = self._period(period)
        w = self._unit_weights(units)
        labels = [U.label(u) for u in units]
        pstr = str(period)
        g = len(units)
        data: dict[str, list] = {c: [] for c in QUERY_COLUMNS}
        for mid in metric_ids:
            metric = METRIC_BY_ID[mid]
            cur_w, yoy_w, pop_w = self._windows(metric, period)
            values, nums, dens, statuses, flags = self._side(metric, w, cur_w)
            yoy_side = self._side(metric, w, yoy_w)
            pop_side = self._side(metric, w, pop_w)
            yoy, yc = self._comparisons(metric, values, flags, yoy_side)
            pop, pc = self._comparisons(metric, values, flags, pop_side)
            data["metric_id"] += [mid] * g
            data["unit"] += units
            data["unit_label"] += labels
            data["period"] += [pstr] * g
            data["value"] += values
            data["numerator"] += nums
            data["denominator"] += dens
            data["status"] += statuses
            data["flag"] += flags
            data["yoy_value"] += yoy
            data["yoy_change"] += [c for c, _ in yc]
            data["yoy_pct"] += [p for _, p in yc]
            data["pop_value"] += pop
            data["pop_change"] += [c for c, _ in pc]
            data["pop_pct"] += [p for _, p in pc]
        return data

    def cells(self, metric_ids: str | Iterable[str], units: str | Iterable[str] = (U.CITY,),
              period: Period | str | None = None) -> dict[tuple[str, str], tuple]:
        """{(metric id, unit): (value, status, flag)} — the `value`, `status` and `flag` of
        `query()` for the same arguments, without the comparisons and without building a frame:
        for callers that read many periods cell by cell (the alerts' 24 months of history)."""
        metric_ids = [metric_ids] if isinstance(metric_ids, str) else list(metric_ids)
        units = (units,) if isinstance(units, str) else tuple(units)
        period = self._period(period)
        w = self._unit_weights(units)
        out: dict[tuple[str, str], tuple] = {}
        for mid in metric_ids:
            metric = METRIC_BY_ID[mid]
            values, _, _, statuses, flags = self._side(metric, w, self._windows(metric, period)[0])
            for unit, v, st, f in zip(units, values, statuses, flags):
                out[(mid, unit)] = (v, st, f)
        return out

    @staticmethod
    def _comparisons(metric: Metric, values: list, flags: list, base_side) -> tuple[list, list]:
        """The base values and (change, pct) pairs against another window. A flagged value
        (immature, small sample) on either side is not compared; a count's change from a base
        below `min_sample` is absolute only (no %)."""
        base_values, base_nums, _, _, base_flags = base_side
        bases, out = [], []
        for v, f, b, bn, bf in zip(values, flags, base_values, base_nums, base_flags):
            if f or bf:
                bases.append(None if bf else b)
                out.append((None, None))
                continue
            bases.append(b)
            change, pct = _compare(v, b)
            if (pct is not None and not metric.is_ratio and metric.min_sample
                    and (bn is None or abs(bn) < metric.min_sample)):
                pct = None
            out.append((change, pct))
        return bases, out

    def value(self, metric_id: str, unit: str = U.CITY, period: Period | str | None = None) -> float | None:
        """The single value of one metric for one unit or group (None unless status is ok)."""
        metric, period = METRIC_BY_ID[metric_id], self._period(period)
        return self._compute(metric, self._unit_weights((unit,)), self._windows(metric, period)[0])[0][0]

    def measure_total(self, measure_id: str, unit: str = U.CITY, start: str | None = None,
                      end: str | None = None) -> float | None:
        """A declared measure (a count behind the metrics) over the months start..end (default:
        from the store's first month to `data_month`), by its time_agg — flows summed, a stock
        its last month — from the launch of the metrics built on it. None when nothing is
        booked in that span (or it lies wholly before the launch)."""
        start, end = start or self.first_month, end or self.data_month
        if start is None or end is None:
            return None
        launch = measure_launch(measure_id)
        lo = month_ordinal(start) if launch is None else max(month_ordinal(start), month_ordinal(launch))
        hi = month_ordinal(end)
        if lo > hi:
            return None
        v = self._measure(measure_id, self._unit_weights((unit,)), lo, hi)
        return None if v is None else float(v[0])

    def series(self, metric_id: str, unit: str = U.CITY, start: str | None = None,
               end: str | None = None) -> pd.DataFrame:
        """Monthly values from start to end (months 'YYYY-MM'; default: the store's first month
        and the data month). Columns: SERIES_COLUMNS. Each month is computed like
        Period.month(m): a stock is the month's value, a cumulative measure the running total;
        months in the maturity window carry the flag `immature`."""
        metric = METRIC_BY_ID[metric_id]
        end = end or self.data_month
        start = start or self.first_month
        data: dict[str, list] = {c: [] for c in SERIES_COLUMNS}
        if start is None or end is None:
            return _frame(SERIES_COLUMNS, data)
        w = self._unit_weights((unit,))
        for m in month_range(start, end):
            o = month_ordinal(m)
            values, nums, dens, statuses, flags = self._side(metric, w, (o, o))
            row = (metric_id, unit, m, values[0], nums[0], dens[0], statuses[0], flags[0])
            for c, x in zip(SERIES_COLUMNS, row):
                data[c].append(x)
        return _frame(SERIES_COLUMNS, data)

    def decomposition(self, metric_id: str, period: Period | str | None = None, against: str = "previous",
                      units: str | Iterable[str] = U.UNIT_CODES) -> Decomposition:
        """Why did it move (cockpit.metrics.decompose): the change of the group of `units`
        (unit codes or groups, default all 14 units = 全市) from the base period — the previous
        period (`against="previous"`, 环比) or the year before (`"year"`, 同比), cut like for
        like as in `query` — split into each unit's contribution, and for a rate into the rate
        and the mix effect. Refused (`.refused`, `.reason`) exactly where `query` leaves the
        change out: a side without a value, an immature or small-sample side, no 环比 for ytd."""
        if against not in ("previous", "year"):
            raise ValueError(f"against must be 'previous' or 'year', not {against!r}")
        metric, period = METRIC_BY_ID[metric_id], self._period(period)
        units = (units,) if isinstance(units, str) else tuple(units)
        codes = tuple(dict.fromkeys(c for u in units for c in U.members(u)))
        cur_w, yoy_w, pop_w = self._windows(metric, period)
        base_w = yoy_w if against == "year" else pop_w
        if against == "previous" and period.previous() is None:
            return refusal(metric, NO_BASE)
        group = self._unit_weights(codes).sum(axis=0, keepdims=True)
        cur, base = self._side(metric, group, cur_w), self._side(metric, group, base_w)
        for side, when in ((cur, "所选期间"), (base, "对比期间")):
            if side[3][0] != OK:
                return refusal(metric, NO_VALUE, f"{when}{STATUS_LABEL[side[3][0]]}")
        flags = {cur[4][0], base[4][0]}
        if IMMATURE in flags:
            return refusal(metric, IMMATURE, base_value=base[0][0], current_value=cur[0][0])
        if SMALL in flags:
            return refusal(metric, SMALL, base_value=base[0][0], current_value=cur[0][0])
        w = self._unit_weights(codes)
        _, n1, d1, _ = self._compute(metric, w, cur_w)
        _, n0, d0, _ = self._compute(metric, w, base_w)
        return decompose(metric, codes, n0, n1, d0, d1)

    def explain_change(self, metric_id: str, period: Period | str | None = None, against: str = "previous",
                       units: str | Iterable[str] = U.UNIT_CODES) -> pd.DataFrame:
        """`decomposition` as a frame (decompose.FRAME_COLUMNS): one row per unit in unit-code
        order, then the totals row (unit CITY for all 14 units, COUNTIES for the 13 counties,
        TOTAL otherwise). Empty when refused; `attrs` hold refused, reason, base_value,
        current_value, change, unit_of_change, metric_id, period, base_period and against."""
        period = self._period(period)
        units = (units,) if isinstance(units, str) else tuple(units)
        codes = tuple(dict.fromkeys(c for u in units for c in U.members(u)))
        d = self.decomposition(metric_id, period, against, codes)
        if set(codes) == set(U.UNIT_CODES):
            total = U.CITY
        elif set(codes) == set(U.COUNTY_CODES):
            total = U.COUNTIES
        else:
            total = TOTAL
        out = d.frame(total, U.label(total) if total != TOTAL else "合计")
        base = period.year_ago() if against == "year" else period.previous()
        out.attrs.update({"period": str(period), "base_period": None if base is None else str(base),
                          "against": against})
        return out

    def by_unit(self, metric_id: str, period: Period | str | None = None) -> pd.DataFrame:
        """The 14 units (in units.UNITS order) then the groups CITY and COUNTIES.
        Columns: BY_UNIT_COLUMNS = QUERY_COLUMNS + tier ('city' | 'county' | 'group') and the
        comparisons the metric's kind allows:
        - comparable metrics only (`Metric.comparable`: a rate or per-capita rate with a
          direction): rank (1 = best among the counties with an unflagged value,
          direction-aware; ties — equal at the displayed precision — share the best rank:
          1, 2, 2, 4; None for 市院本级, the groups and flagged or missing values) and rank_of
          (how many counties were ranked). Whether a page shows ranks is a setting;
        - rates and per-capita rates: county_median, county_q1, county_q3 (of the unflagged
          county values: the median and the spread) and gap_to_city (value − 全市);
        - counts, stocks and cumulative figures: share_of_city (% of 全市) instead; they are
          never ranked, and a count's gap to the city total means nothing.
        city_value is 全市's value for every kind."""
        metric = METRIC_BY_ID[metric_id]
        units = list(U.UNIT_CODES) + [U.CITY, U.COUNTIES]
        data = self._query_data([metric_id], units, period)
        values, flags, statuses = data["value"], data["flag"], data["status"]
        tiers = [U.UNIT_BY_CODE[u].tier if u in U.UNIT_BY_CODE else "group" for u in units]
        n = len(units)
        city = values[units.index(U.CITY)]
        peers = [v for v, t, f, st in zip(values, tiers, flags, statuses)
                 if t == "county" and st == OK and v is not None and not f]
        ranks: list = [None] * n
        if metric.comparable and peers:
            keyed = sorted({round(v, metric.decimals) for v in peers}, reverse=metric.better_when_higher)
            first_rank, r = {}, 1
            for k in keyed:
                first_rank[k] = r
                r += sum(1 for v in peers if round(v, metric.decimals) == k)
            ranks = [first_rank[round(v, metric.decimals)]
                     if t == "county" and st == OK and v is not None and not f else None
                     for v, t, f, st in zip(values, tiers, flags, statuses)]
        ratio = metric.is_ratio
        q = np.percentile(peers, [25, 50, 75]).tolist() if ratio and peers else [None, None, None]
        data["tier"] = tiers
        data["rank"] = ranks
        data["rank_of"] = [len(peers) if metric.comparable else None] * n
        data["county_median"] = [q[1]] * n
        data["county_q1"] = [q[0]] * n
        data["county_q3"] = [q[2]] * n
        data["city_value"] = [city] * n
        data["gap_to_city"] = [None if not ratio or v is None or city is None else v - city for v in values]
        data["share_of_city"] = [None if ratio or v is None or not city else v / city * 100.0 for v in values]
        return _frame(BY_UNIT_COLUMNS, data)

    def by_model(self, measure_id: str, period: Period | str | None = None,
                 units: str | Iterable[str] = U.CITY) -> pd.DataFrame:
        """Totals per supervision model of a by_model measure over the units (default 全市),
        from fact_model_measure, largest first. Months follow the measure's time_agg and start
        at `measure_launch(measure_id)`. Columns: BY_MODEL_COLUMNS; share = % of the total."""
        period = self._period(period)
        units = (units,) if isinstance(units, str) else tuple(units)
        w = self._unit_weights(units).sum(axis=0)  # a unit in two groups is still counted once
        w = np.minimum(w, 1.0)
        models, arr = self._model_cubes.get(measure_id, ([], np.zeros((0, _N_UNITS, self._n))))
        launch = measure_launch(measure_id)
        lo = period.start_ordinal if launch is None else max(period.start_ordinal, month_ordinal(launch))
        hi = period.end_ordinal
        data: dict[str, list] = {c: [] for c in BY_MODEL_COLUMNS}
        if lo > hi:
            values, status = [None] * len(models), NOT_LIVE
        else:
            vec, booked = self._aggregate(arr, measure_id, lo, hi)
            if not booked:
                values, status = [None] * len(models), NO_DATA
            else:
                values = (np.zeros(len(models)) if isinstance(vec, float) else vec @ w).tolist()
                status = OK
        total = sum(v for v in values if v is not None)
        order = sorted(range(len(models)), key=lambda i: (-(values[i] or 0.0), models[i]))
        for i in order:
            v = values[i]
            share = None if v is None or total == 0 else v / total * 100.0
            for c, x in zip(BY_MODEL_COLUMNS, (models[i], measure_id, str(period), v, share, status)):
                data[c].append(x)
        return _frame(BY_MODEL_COLUMNS, data)

    # --- per model --------------------------------------------------------------------------
    def _model_vector(self, measure_id: str, units, lo: int, hi: int) -> tuple[dict[str, float], bool]:
        """{model_id: Σ of a by_model measure over the units and the months lo..hi} and whether
        anything of its feed is booked there."""
        units = (units,) if isinstance(units, str) else tuple(units)
        w = np.minimum(self._unit_weights(units).sum(axis=0), 1.0)
        models, arr = self._model_cubes.get(measure_id, ([], np.zeros((0, _N_UNITS, self._n))))
        if lo > hi:
            return {}, False
        vec, booked = self._aggregate(arr, measure_id, lo, hi)
        if not booked:
            return {}, False
        values = [0.0] * len(models) if isinstance(vec, float) else (vec @ w).tolist()
        return dict(zip(models, values)), True

    def model_metric(self, metric_id: str, period: Period | str | None = None,
                     units: str | Iterable[str] = U.CITY, matured: bool = True) -> pd.DataFrame:
        """A ratio metric of two by_model measures, per model (e.g. clue_case_rate, a model's
        precision), computed as the catalog declares: Σnumerator ÷ Σdenominator over the units
        and the months of the period. With `matured` (the default) the months of the metric's
        maturity window (the last `maturity_months` up to `data_month`) are left out — the
        matured cohort — rather than flagging the whole value.

        One row per model (model id order). Columns: MODEL_METRIC_COLUMNS. first_month /
        last_month: the months counted (None when none is). flag: `immature` when the model
        has no matured denominator but its feed booked something for it inside the maturity
        window (its clues are still being verified — e.g. a model launched within the window);
        `small` when the matured denominator is below the metric's min_sample; "" otherwise. A
        flagged value is shown but not compared. pending: what the denominator's feed booked for
        the model inside the left-out window (all its by-model measures added up)."""
        metric = METRIC_BY_ID[metric_id]
        if not metric.denominator or metric.kind != RATE:
            raise ValueError(f"{metric_id}: not a ratio of two measures")
        period = self._period(period)
        lo, hi = max(period.start_ordinal, _launch_ordinal(metric)), period.end_ordinal
        cap = self._cap
        if cap is not None:
            hi = min(hi, cap)
        mature_hi = hi
        if matured and metric.maturity_months and cap is not None:
            mature_hi = min(hi, cap - metric.maturity_months)
        num, num_ok = self._model_vector(metric.numerator, units, lo, mature_hi)
        den, den_ok = self._model_vector(metric.denominator, units, lo, mature_hi)
        # what the feed booked per model inside the left-out window (e.g. clues found there)
        late: dict[str, float] = {}
        feed = _feed(metric.denominator)
        for mid in self._model_cubes:
            if _feed(mid) == feed:
                for m, v in self._model_vector(mid, units, max(lo, mature_hi + 1), hi)[0].items():
                    late[m] = late.get(m, 0.0) + v
        models = sorted(set(self._model_cubes.get(metric.numerator, ([], None))[0])
                        | set(self._model_cubes.get(metric.denominator, ([], None))[0]))
        not_live = period.end_ordinal < _launch_ordinal(metric)
        data: dict[str, list] = {c: [] for c in MODEL_METRIC_COLUMNS}
        for m in models:
            n = num.get(m, 0.0) if num_ok else None
            d = den.get(m, 0.0) if den_ok else None
            pending = late.get(m, 0.0)
            flag = ""
            if not_live:
                value, status = None, NOT_LIVE
            elif not (num_ok and den_ok) or not d:
                value, status = None, NO_DATA
                flag = IMMATURE if pending else ""
            elif metric.bounded and n > d:
                value, status = None, NOT_APPLICABLE
            else:
                value, status = metric.scale * n / d, OK
                if metric.min_sample and d < metric.min_sample:
                    flag = SMALL
            counted = lo <= mature_hi and not not_live
            row = (m, metric_id, str(period), value, n, d, status, flag,
                   month_from_ordinal(lo) if counted else None, month_from_ordinal(mature_hi) if counted else None,
                   pending)
            for c, x in zip(MODEL_METRIC_COLUMNS, row):
                data[c].append(x)
        return _frame(MODEL_METRIC_COLUMNS, data)

    def model_by_unit(self, model_id: str, measure_ids: Iterable[str], period: Period | str | None = None
                      ) -> pd.DataFrame:
        """One model's by_model measures per unit over the period: one row per unit (units.UNITS
        order, every unit), a column per measure (None when the measure's feed has nothing
        booked in the period). Months start at each measure's launch; like `by_model`."""
        period = self._period(period)
        measure_ids = list(measure_ids)
        data: dict[str, list] = {"unit_code": list(U.UNIT_CODES), "unit_label": [U.label(u) for u in U.UNIT_CODES]}
        for mid in measure_ids:
            launch = measure_launch(mid)
            lo = period.start_ordinal if launch is None else max(period.start_ordinal, month_ordinal(launch))
            models, arr = self._model_cubes.get(mid, ([], np.zeros((0, _N_UNITS, self._n))))
            vec, booked = self._aggregate(arr, mid, lo, period.end_ordinal) if lo <= period.end_ordinal \
                else (None, False)
            if not booked:
                data[mid] = [None] * _N_UNITS
            elif model_id not in models or isinstance(vec, float):
                data[mid] = [0.0] * _N_UNITS
            else:
                data[mid] = vec[models.index(model_id)].tolist()
        return _frame(("unit_code", "unit_label", *measure_ids), data)

    def model_series(self, model_id: str, measure_id: str, units: str | Iterable[str] = U.CITY,
                     start: str | None = None, end: str | None = None) -> pd.DataFrame:
        """One model's by_model measure month by month over the units, from start to end
        (default: the store's first month and the data month). Columns: month, value (None for a
        month before the measure's launch or outside its feed's data)."""
        start, end = start or self.first_month, end or self.data_month
        rows: dict[str, list] = {"month": [], "value": []}
        if start is None or end is None:
            return _frame(("month", "value"), rows)
        launch = measure_launch(measure_id)
        for m in month_range(start, end):
            o = month_ordinal(m)
            vals, ok = ({}, False) if launch is not None and m < launch else self._model_vector(measure_id, units, o, o)
            rows["month"].append(m)
            rows["value"].append(vals.get(model_id, 0.0) if ok else None)
        return _frame(("month", "value"), rows)
