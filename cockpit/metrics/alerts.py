"""Alerts (预警): which unit's month of which indicator needs attention, and why.

Three rules, each reading the one metric layer (`MetricStore.query`, month by month):

- **threshold** — a lower and/or upper bound an administrator sets for an indicator, for one
  unit, for 全市, or for every unit (`Threshold.unit` None), in the indicator's display unit
  (% for a rate, 天, 人 …). Kept in the store's table `alert_threshold` (`load_thresholds`,
  `save_threshold`, `delete_threshold`); the admin page writes the audit log.
- **target** — the `target` an indicator declares in the catalog (同录覆盖率 100 %, 量刑建议采纳率
  95 %, 审查逮捕平均办案天数 7 天, 脱管率 0 …). Only for a comparable indicator (a rate or
  per-capita rate with a direction): there a miss means something; a count's size depends on
  the office, so a count never "misses" a target. 脱管率's target 0 is a rate (kind rate), so
  it applies: any 脱管 in a unit's month of at least `min_sample` persons under supervision.
- **control** — statistical control of a unit's own history: its value for the month lies
  outside mean ± 3σ of its previous `HISTORY` (24) months, of which at least `MIN_HISTORY` (12)
  must have a matured, unflagged value. An individuals chart on the monthly values (the
  sample standard deviation of those months), not a p-chart from the denominator: real monthly
  rates vary more than binomial sampling explains (cases arrive in batches, campaigns come and
  go), so a p-chart fires on most months of the large offices; thin denominators are kept out
  by the small-sample flag instead. Not for cumulative figures (a running total only grows);
  a count whose history averages below its `min_sample` is not charted (a handful of cases a
  month is noise); a history with no variation at all (σ = 0) gives no limits.

What never fires:
- a cell whose status is not ok (未上线 before the launch, 无数据, 不适用);
- a cell flagged immature (核查中 / 办理中: the maturity window) or small (样本少: denominator
  below `min_sample`) — and such months are left out of the control history as well;
- a month after the data month (数据截至): `evaluate` answers nothing there.

Direction (catalog `direction`) decides which side is an alert and what it is called:
- `higher`: only a value below a lower bound (a rise is good); `lower`: only above an upper one.
  Severity `warning` — shown as 预警 (worse performance);
- `policy` and `neutral` (and every count, stock, cumulative figure): both sides, severity
  `fluctuation` — shown as 异常波动, never as worse performance (a count is not better or
  worse; a policy indicator's aim is a policy, not a score). A policy indicator's target is
  missed below it.
`save_threshold` refuses the bound a direction cannot use (an upper bound on a 越高越好
indicator), so what an administrator sees set is what is evaluated.

Boundaries: a value equal to a bound is not an alert. Values are compared as displayed
(rounded to the indicator's `decimals`), so an alert never shows "30.0 % 高于上限 30.0 %".
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Iterable

import numpy as np
from sqlalchemy import Engine, delete, inspect, insert, select, update

from cockpit.metrics import units as U
from cockpit.metrics.catalog import CUMULATIVE, HIGHER, LOWER, METRIC_BY_ID, METRICS, Metric
from cockpit.metrics.periods import Period, add_months, month_ordinal
from cockpit.metrics.query import OK, MetricStore
from cockpit.metrics.schema import alert_threshold
from cockpit.metrics.engine import writing as _writing

THRESHOLD, TARGET, CONTROL = "threshold", "target", "control"
RULES = (THRESHOLD, TARGET, CONTROL)
RULE_LABEL = {THRESHOLD: "管理员阈值", TARGET: "目标值", CONTROL: "控制限"}
WARNING, FLUCTUATION = "warning", "fluctuation"
SEVERITY_LABEL = {WARNING: "预警", FLUCTUATION: "异常波动"}

HISTORY = 24        # months of a unit's own history for the control limits
MIN_HISTORY = 12    # matured, unflagged months needed before limits are drawn
SIGMAS = 3.0

ALL_UNITS = (U.CITY,) + U.UNIT_CODES   # what `evaluate` looks at by default: 全市 and the 14 units


class ThresholdError(ValueError):
    """A threshold that cannot be saved; the message is Chinese, for the administrator."""


@dataclass(frozen=True)
class Threshold:
    metric_id: str
    unit: str | None = None            # a unit code, U.CITY, or None = every unit
    lower: float | None = None         # in the metric's display unit (%, 天, 人 …)
    upper: float | None = None
    label: str = ""
    set_by: str | None = None
    set_at: datetime | None = None
    id: int | None = None

    def applies_to(self, metric_id: str, unit: str) -> bool:
        return self.metric_id == metric_id and (self.unit is None or self.unit == unit)


@dataclass(frozen=True)
class Alert:
    metric_id: str
    unit: str                          # a unit code or U.CITY
    month: str                         # YYYY-MM
    value: float                       # the month's value (display unit, unrounded)
    rule: str                          # threshold | target | control
    reason: str                        # Chinese, e.g. 高于管理员设定上限 30.0%
    severity: str                      # warning (预警) | fluctuation (异常波动)
    lower: float | None = None         # the bounds the value was checked against
    upper: float | None = None

    @property
    def metric(self) -> Metric:
        return METRIC_BY_ID[self.metric_id]

    @property
    def unit_label(self) -> str:
        return U.label(self.unit)

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABEL[self.severity]

    @property
    def rule_label(self) -> str:
        return RULE_LABEL[self.rule]

    @property
    def below(self) -> bool:
        """The value fell below its lower bound (else it rose above its upper one)."""
        return self.lower is not None and _shown(self.metric, self.value) < _shown(self.metric, self.lower)

    @property
    def bound(self) -> float | None:
        """The bound the value crossed."""
        return self.lower if self.below else self.upper


# --------------------------------------------------------------------------- the rules

def sides(metric: Metric) -> tuple[bool, bool]:
    """(a low value may alert, a high value may alert) under the metric's direction."""
    if metric.direction == HIGHER:
        return True, False
    if metric.direction == LOWER:
        return False, True
    return True, True


def severity(metric: Metric) -> str:
    """预警 for a fall of a 越高越好 / rise of a 越低越好 indicator; 异常波动 otherwise."""
    return WARNING if metric.direction in (HIGHER, LOWER) else FLUCTUATION


def fmt(metric: Metric, v: float) -> str:
    """A value as the pages show it: 30.0%, 7.0天, 12人."""
    r = round(float(v), metric.decimals)
    return f"{0.0 if r == 0 else r:,.{metric.decimals}f}{metric.unit}"


def _shown(metric: Metric, v: float) -> float:
    return round(float(v), metric.decimals)


def _threshold_alerts(metric: Metric, unit: str, month: str, value: float,
                      thresholds: Iterable[Threshold]) -> list[Alert]:
    low_ok, high_ok = sides(metric)
    shown = _shown(metric, value)
    out = []
    for t in thresholds:
        if not t.applies_to(metric.id, unit):
            continue
        note = f"（{t.label}）" if t.label else ""
        if low_ok and t.lower is not None and shown < _shown(metric, t.lower):
            out.append(Alert(metric.id, unit, month, value, THRESHOLD,
                             f"低于管理员设定下限 {fmt(metric, t.lower)}{note}", severity(metric), t.lower, t.upper))
        elif high_ok and t.upper is not None and shown > _shown(metric, t.upper):
            out.append(Alert(metric.id, unit, month, value, THRESHOLD,
                             f"高于管理员设定上限 {fmt(metric, t.upper)}{note}", severity(metric), t.lower, t.upper))
    return out


def target_applies(metric: Metric) -> bool:
    """A declared target is checked for comparable indicators only (rates with a direction)."""
    return metric.target is not None and metric.comparable


def _target_alert(metric: Metric, unit: str, month: str, value: float) -> Alert | None:
    if not target_applies(metric):
        return None
    shown, target = _shown(metric, value), _shown(metric, metric.target)
    if metric.better_when_higher and shown < target:
        return Alert(metric.id, unit, month, value, TARGET, f"低于目标 {fmt(metric, metric.target)}",
                     severity(metric), lower=metric.target)
    if metric.direction == LOWER and shown > target:
        return Alert(metric.id, unit, month, value, TARGET, f"高于目标 {fmt(metric, metric.target)}",
                     severity(metric), upper=metric.target)
    return None


def control_limits(metric: Metric, history: list[float]) -> tuple[float, float] | None:
    """(lower, upper) = mean ± 3σ of a unit's matured, unflagged monthly values, or None when
    the history is too short, without variation, a cumulative figure, or a count too small."""
    if metric.kind == CUMULATIVE or len(history) < MIN_HISTORY:
        return None
    arr = np.asarray(history, dtype=float)
    mean, sd = float(arr.mean()), float(arr.std(ddof=1))
    if not math.isfinite(sd) or sd <= 0:
        return None
    if not metric.is_ratio and metric.min_sample and mean < metric.min_sample:
        return None
    lo, hi = mean - SIGMAS * sd, mean + SIGMAS * sd
    lo = max(lo, 0.0)                      # no indicator is negative
    if metric.bounded:
        hi = min(hi, 100.0)
    return lo, hi


def _control_alert(metric: Metric, unit: str, month: str, value: float, history: list[float]) -> Alert | None:
    limits = control_limits(metric, history)
    if limits is None:
        return None
    lo, hi = limits
    low_ok, high_ok = sides(metric)
    shown = _shown(metric, value)
    band = f"（均值 ± 3σ：{fmt(metric, lo)}–{fmt(metric, hi)}）"
    n = len(history)
    if low_ok and shown < _shown(metric, lo):
        return Alert(metric.id, unit, month, value, CONTROL, f"低于本单位近{n}个月控制限{band}",
                     severity(metric), lo, hi)
    if high_ok and shown > _shown(metric, hi):
        return Alert(metric.id, unit, month, value, CONTROL, f"高于本单位近{n}个月控制限{band}",
                     severity(metric), lo, hi)
    return None


def _comparable_cell(status, flag, value) -> bool:
    """A value that may alert or enter a history: ok, not immature, not a small sample."""
    return status == OK and not flag and value is not None and math.isfinite(float(value))


def evaluate(store: MetricStore, month: str | None = None, thresholds: Iterable[Threshold] = (),
             units: Iterable[str] | None = None, metric_ids: Iterable[str] | None = None,
             history: int = HISTORY) -> list[Alert]:
    """The alerts of one month (default: the data month) for the units (default: 全市 and the
    14 units) and indicators (default: all), most serious first: 预警 before 异常波动, then the
    rules (threshold, target, control), catalog order, unit order. Nothing for a month after
    the data month."""
    data_month = store.data_month
    month = month or data_month
    if month is None or data_month is None or month_ordinal(month) > month_ordinal(data_month):
        return []
    units = tuple(units) if units is not None else ALL_UNITS
    metric_ids = [m.id for m in METRICS] if metric_ids is None else list(metric_ids)
    thresholds = tuple(thresholds)
    if not units or not metric_ids:
        return []
    # the month and its history, month by month (each month computed like Period.month)
    months = [add_months(month, -k) for k in range(history, -1, -1)]
    cells: dict[tuple[str, str], list] = {}
    for m in months:    # value, status and flag as store.query() gives them (no comparisons: unused)
        for key, cell in store.cells(metric_ids, units, Period.month(m)).items():
            cells.setdefault(key, []).append(cell)
    out: list[Alert] = []
    for mid in metric_ids:
        metric = METRIC_BY_ID[mid]
        for unit in units:
            seq = cells[(mid, unit)]
            value, status, flag = seq[-1]
            if not _comparable_cell(status, flag, value):
                continue
            value = float(value)
            out += _threshold_alerts(metric, unit, month, value, thresholds)
            a = _target_alert(metric, unit, month, value)
            if a is not None:
                out.append(a)
            past = [float(v) for v, st, f in seq[:-1] if _comparable_cell(st, f, v)]
            a = _control_alert(metric, unit, month, value, past)
            if a is not None:
                out.append(a)
    unit_order = {u: i for i, u in enumerate(ALL_UNITS)}
    out.sort(key=lambda a: (a.severity != WARNING, RULES.index(a.rule), METRIC_BY_ID[a.metric_id].order,
                            unit_order.get(a.unit, len(unit_order))))
    return out


# --------------------------------------------------------------------------- thresholds in the store

def validate(t: Threshold) -> Threshold:
    """The threshold cleaned (label stripped), or ThresholdError with a Chinese message."""
    metric = METRIC_BY_ID.get(t.metric_id or "")
    if metric is None:
        raise ThresholdError("请选择指标。")
    if t.unit is not None and t.unit not in ALL_UNITS:
        raise ThresholdError("单位无效，请从列表中选择。")
    bounds = []
    for name, v in (("下限", t.lower), ("上限", t.upper)):
        if v is None:
            bounds.append(None)
            continue
        try:
            v = float(v)
        except (TypeError, ValueError):
            raise ThresholdError(f"{name}须为数字。") from None
        if not math.isfinite(v):
            raise ThresholdError(f"{name}须为数字。")
        if v < 0:
            raise ThresholdError(f"{name}不能为负数。")
        if metric.bounded and v > 100:
            raise ThresholdError(f"{name}不能超过100%。")
        bounds.append(v)
    lower, upper = bounds
    if lower is None and upper is None:
        raise ThresholdError("请至少填写下限或上限之一。")
    low_ok, high_ok = sides(metric)
    if upper is not None and not high_ok:
        raise ThresholdError(f"“{metric.name}”越高越好，只能设定下限（高于上限不是问题）。")
    if lower is not None and not low_ok:
        raise ThresholdError(f"“{metric.name}”越低越好，只能设定上限（低于下限不是问题）。")
    if lower is not None and upper is not None and lower >= upper:
        raise ThresholdError("下限须小于上限。")
    label = (t.label or "").strip()
    if len(label) > 64:
        raise ThresholdError("说明不能超过64个字。")
    return replace(t, lower=lower, upper=upper, label=label)


def _has_table(engine: Engine) -> bool:
    return inspect(engine).has_table(alert_threshold.name)


def _row(r) -> Threshold:
    return Threshold(r.metric_id, r.unit_code, r.lower_bound, r.upper_bound, r.label or "", r.set_by, r.set_at,
                     int(r.id))


def load_thresholds(engine: Engine) -> list[Threshold]:
    """Every threshold, in catalog order of the indicator, then unit, then id. A store without
    the table (never migrated to 0005) has none."""
    if not _has_table(engine):
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(alert_threshold).order_by(alert_threshold.c.id)).all()
    out = [_row(r) for r in rows]
    order = {m.id: m.order for m in METRICS}
    unit_order = {None: -1, **{u: i for i, u in enumerate(ALL_UNITS)}}
    out.sort(key=lambda t: (order.get(t.metric_id, len(order)), unit_order.get(t.unit, len(unit_order)), t.id))
    return out


def save_threshold(engine: Engine, t: Threshold) -> Threshold:
    """Insert a threshold (t.id None) or replace the one with t.id; returns it as stored.
    Validates first (ThresholdError). The caller writes the audit log."""
    t = validate(t)
    if not _has_table(engine):
        raise ThresholdError("数据库尚未升级到含预警阈值的版本：请先运行一次数据导入（python -m etl）。")
    t = replace(t, set_at=t.set_at or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0))
    values = {"metric_id": t.metric_id, "unit_code": t.unit, "lower_bound": t.lower, "upper_bound": t.upper,
              "label": t.label or None, "set_by": (t.set_by or None) and t.set_by[:80], "set_at": t.set_at}
    with _writing(engine) as conn:
        if t.id is None:
            new_id = conn.execute(insert(alert_threshold).values(**values)).inserted_primary_key[0]
            return replace(t, id=int(new_id))
        n = conn.execute(update(alert_threshold).where(alert_threshold.c.id == t.id).values(**values)).rowcount
        if not n:
            raise ThresholdError("该阈值已被删除，请刷新后重试。")
    return t


def delete_threshold(engine: Engine, threshold_id: int) -> Threshold | None:
    """Remove one threshold; returns what was removed (None if there was none)."""
    if not _has_table(engine):
        return None
    with _writing(engine) as conn:
        row = conn.execute(select(alert_threshold).where(alert_threshold.c.id == int(threshold_id))).first()
        if row is None:
            return None
        conn.execute(delete(alert_threshold).where(alert_threshold.c.id == int(threshold_id)))
    return _row(row)
