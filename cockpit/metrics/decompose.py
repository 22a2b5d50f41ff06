"""Why did it move: a change of a group's value split into its units' contributions.

Given a metric and, per unit, the numerator and denominator sums of two periods (base 0 and
current 1), `decompose` returns the group's change and each unit's share of it. The
contributions add up to the change exactly: every term is computed in exact rational
arithmetic (`fractions.Fraction` of the float inputs, which is exact) and only converted to
float at the end; `Decomposition.check()` asserts the float sums too (math.fsum, 1e-9
relative).

Counts, stocks and cumulative figures: value = scale × Σn. A unit's contribution is its own
change, scale × (n₁ − n₀).

Rates and per-capita rates: R = scale × Σn ÷ Σd = scale × Σ sᵢ·rᵢ with sᵢ = dᵢ/D (the unit's
share of the denominator) and rᵢ = nᵢ/dᵢ (its own rate). With R̄ = (R₀ + R₁)/2 (unscaled), a
unit's contribution and its symmetric (Shapley / midpoint) split are

    rate effect  (比率效应) = scale × (rᵢ₁ − rᵢ₀) × (sᵢ₀ + sᵢ₁)/2          its own rate moved
    mix effect   (结构效应) = scale × (sᵢ₁ − sᵢ₀) × ((rᵢ₀ + rᵢ₁)/2 − R̄)   its weight moved
    contribution          = rate effect + mix effect
                          = scale × (nᵢ₁/D₁ − nᵢ₀/D₀ − (sᵢ₁ − sᵢ₀)·R̄)

Σ contributions = R₁ − R₀ because Σ nᵢ/D = R and Σ (sᵢ₁ − sᵢ₀) = 1 − 1 = 0. The mix effect is
measured against the group's mean rate: the shares add to 1 in both periods, so a unit can only
gain weight at the others' expense, and what moves the group is whether it gains weight at a
rate above or below the average. (The uncentred Δsᵢ × (rᵢ₀ + rᵢ₁)/2 has the same total over the
units but charges a unit that merely shrinks with −Δs × its whole rate even when its rate is
below the average — when its shrinking in fact raised the group's rate.)

A unit with no denominator in one period (absent, or 0) has no rate there: its rate for that
period is taken as the other period's rate, so its entry or exit is all mix effect (its share
went from 0 to sᵢ₁, at its own rate against the mean) and its rate effect is 0. A numerator
booked where the denominator is 0 (different cohorts in a small cell, e.g. 市院本级's arrests in
a month without prosecutions, or its arrests in a per-capita rate: it has no population) still
counts in the group's value; that part has no share to move and is a rate effect. In every case
mix is the formula above and rate = contribution − mix, so rate + mix = contribution holds by
construction; where both rates exist the rate effect equals the formula above exactly.

Per-capita rates: the denominator is the unit's 常住人口 (units.Unit.population, 市院本级 0),
the same in both periods, so a per-capita rate has no mix effect; scale includes the 10万.

Values are in the metric's display unit; a change of a % rate is in percentage points (百分点).

Refusals. A change is not compared — and so not split — when either side is flagged or has no
value, as MetricStore's 同比/环比 do: the period or its base is in the maturity window
(immature: 核查中/办理中), a rate's group denominator is below `min_sample` (样本少), or a side
has no value (未上线, 无数据, 不适用, or no 环比 for a year-to-date). `Decomposition.refused` is
the reason code and `.reason` the Chinese sentence; the numbers are then None.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Sequence

import pandas as pd

from cockpit.metrics import units as U
from cockpit.metrics.catalog import PER_CAPITA, PER_CAPITA_BASIS, RATE, Metric

IMMATURE, SMALL, NO_VALUE, NO_BASE = "immature", "small", "no_value", "no_base"
TOLERANCE = 1e-9

FRAME_COLUMNS = ("unit", "unit_label", "base_value", "current_value", "contribution", "rate_effect",
                 "mix_effect", "num_base", "num_current", "den_base", "den_current", "share_base",
                 "share_current")
TOTAL = "TOTAL"


def change_unit(metric: Metric) -> str:
    """The unit a change is written in: 百分点 for a % rate, the metric's unit otherwise."""
    return "百分点" if metric.unit == "%" else metric.unit


@dataclass(frozen=True)
class UnitChange:
    unit: str
    base_value: float | None        # the unit's own value (None when it has none, or 不适用)
    current_value: float | None
    contribution: float
    rate_effect: float | None       # None for counts, stocks and cumulative figures
    mix_effect: float | None
    num_base: float
    num_current: float
    den_base: float | None          # None for counts
    den_current: float | None
    share_base: float | None        # the unit's share of the group's denominator, 0..1
    share_current: float | None
    exact: tuple[Fraction, Fraction | None, Fraction | None] = field(repr=False, default=(Fraction(0), None, None))

    @property
    def label(self) -> str:
        return U.label(self.unit)


@dataclass(frozen=True)
class Decomposition:
    metric: Metric
    units: tuple[UnitChange, ...]
    base_value: float | None
    current_value: float | None
    change: float | None
    num_base: float | None = None
    num_current: float | None = None
    den_base: float | None = None
    den_current: float | None = None
    refused: str = ""               # "" or IMMATURE / SMALL / NO_VALUE / NO_BASE
    reason: str = ""                # the refusal in Chinese
    exact_change: Fraction | None = field(repr=False, default=None)

    @property
    def ok(self) -> bool:
        return not self.refused

    @property
    def unit_of_change(self) -> str:
        return change_unit(self.metric)

    def check(self) -> None:
        """Assert that the contributions (and rate + mix per unit) add up, exactly in rationals
        and within TOLERANCE (relative) in floats."""
        if not self.ok:
            return
        exact = [u.exact[0] for u in self.units]
        assert sum(exact, Fraction(0)) == self.exact_change, "contributions do not sum to the change"
        floats = [u.contribution for u in self.units]
        size = max(1.0, abs(self.change), math.fsum(abs(c) for c in floats))
        assert abs(math.fsum(floats) - self.change) <= TOLERANCE * size, "float contributions drift"
        for u in self.units:
            if u.exact[1] is not None:
                assert u.exact[1] + u.exact[2] == u.exact[0], f"{u.unit}: rate + mix ≠ contribution"

    def frame(self, total_unit: str = TOTAL, total_label: str = "合计") -> pd.DataFrame:
        """One row per unit (in the order given) and a last totals row (unit `total_unit`).
        Empty when refused. Numbers are floats or None."""
        rows = []
        if self.ok:
            for u in self.units:
                rows.append({"unit": u.unit, "unit_label": u.label, "base_value": u.base_value,
                             "current_value": u.current_value, "contribution": u.contribution,
                             "rate_effect": u.rate_effect, "mix_effect": u.mix_effect,
                             "num_base": u.num_base, "num_current": u.num_current,
                             "den_base": u.den_base, "den_current": u.den_current,
                             "share_base": u.share_base, "share_current": u.share_current})
            ratio = self.metric.is_ratio
            rows.append({"unit": total_unit, "unit_label": total_label, "base_value": self.base_value,
                         "current_value": self.current_value, "contribution": self.change,
                         "rate_effect": float(sum((u.exact[1] for u in self.units), Fraction(0))) if ratio else None,
                         "mix_effect": float(sum((u.exact[2] for u in self.units), Fraction(0))) if ratio else None,
                         "num_base": self.num_base, "num_current": self.num_current,
                         "den_base": self.den_base, "den_current": self.den_current,
                         "share_base": 1.0 if ratio else None, "share_current": 1.0 if ratio else None})
        out = pd.DataFrame(rows, columns=list(FRAME_COLUMNS)).astype(object)
        out = out.where(pd.notna(out), None)
        out.attrs.update({"metric_id": self.metric.id, "refused": self.refused, "reason": self.reason,
                          "base_value": self.base_value, "current_value": self.current_value,
                          "change": self.change, "unit_of_change": self.unit_of_change})
        return out


def refusal_reason(metric: Metric, code: str, detail: str = "") -> str:
    if code == IMMATURE:
        return (f"所选期间或对比期间仍在成熟期内（{metric.immature_label}，最近{metric.maturity_months}个月的数据"
                "仍在办理中），不作同比、环比，也不分解变动。")
    if code == SMALL:
        return f"样本少（分母不足{metric.min_sample}），变动不作比较，也不分解。"
    if code == NO_BASE:
        return detail or "年初至今不作环比，请选择同比。"
    return f"{detail or '所选期间或对比期间没有数值'}，无法分解变动。"


def refusal(metric: Metric, code: str, detail: str = "", **values) -> Decomposition:
    return Decomposition(metric, (), values.get("base_value"), values.get("current_value"), None,
                         refused=code, reason=refusal_reason(metric, code, detail))


def _q(x) -> Fraction:
    """An exact rational of a number (None → 0)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return Fraction(0)
    return Fraction(x)


def populations(units: Sequence[str]) -> list[float]:
    """常住人口 in persons of each unit (0 for 市院本级, which has no district of its own)."""
    return [(U.UNIT_BY_CODE[u].population or 0.0) * 10_000 for u in units]


def decompose(metric: Metric, units: Sequence[str], num_base: Sequence, num_current: Sequence,
              den_base: Sequence | None = None, den_current: Sequence | None = None, *,
              immature: bool = False, check: bool = True) -> Decomposition:
    """Split the group's change from the base period to the current one into the units'
    contributions (see the module docstring). `units` are unit codes; the sequences hold each
    unit's raw (unscaled) sums, None or missing for "nothing booked" (0). A per-capita rate
    ignores the denominators given and uses the populations. `immature`: either period is in
    the metric's maturity window (the caller knows the windows) — the change is refused."""
    units = tuple(units)
    k = len(units)
    n0 = [_q(x) for x in _padded(num_base, k)]
    n1 = [_q(x) for x in _padded(num_current, k)]
    ratio = metric.is_ratio
    if metric.kind == PER_CAPITA:
        pops = [_q(p) for p in populations(units)]
        d0, d1 = pops, pops
        scale = _q(metric.scale) * PER_CAPITA_BASIS
    elif ratio:
        d0 = [_q(x) for x in _padded(den_base, k)]
        d1 = [_q(x) for x in _padded(den_current, k)]
        scale = _q(metric.scale)
    else:
        d0 = d1 = None
        scale = _q(metric.scale)
    N0, N1 = sum(n0, Fraction(0)), sum(n1, Fraction(0))

    if not ratio:
        v0, v1 = scale * N0, scale * N1
        if immature:
            return refusal(metric, IMMATURE, base_value=float(v0), current_value=float(v1))
        rows = []
        for i, u in enumerate(units):
            c = scale * (n1[i] - n0[i])
            rows.append(UnitChange(u, float(scale * n0[i]), float(scale * n1[i]), float(c), None, None,
                                   float(n0[i]), float(n1[i]), None, None, None, None, (c, None, None)))
        out = Decomposition(metric, tuple(rows), float(v0), float(v1), float(v1 - v0), float(N0), float(N1),
                            exact_change=v1 - v0)
        if check:
            out.check()
        return out

    D0, D1 = sum(d0, Fraction(0)), sum(d1, Fraction(0))
    if D0 <= 0 or D1 <= 0:
        what = "常住人口为0" if metric.kind == PER_CAPITA else "分母为0"
        return refusal(metric, NO_VALUE, f"{'对比期间' if D0 <= 0 else '所选期间'}{what}")
    v0, v1 = scale * N0 / D0, scale * N1 / D1
    if metric.bounded and (N0 > D0 or N1 > D1):
        return refusal(metric, NO_VALUE, "分子大于分母（不适用）")
    if immature:
        return refusal(metric, IMMATURE, base_value=float(v0), current_value=float(v1))
    if metric.kind == RATE and metric.min_sample and (D0 < metric.min_sample or D1 < metric.min_sample):
        return refusal(metric, SMALL, base_value=float(v0), current_value=float(v1))

    def own(n, d):
        if d <= 0 or (metric.bounded and n > d):
            return None
        return float(scale * n / d)

    R_mid = (N0 / D0 + N1 / D1) / 2     # the group's mean rate of the two periods (unscaled)
    rows = []
    for i, u in enumerate(units):
        s0, s1 = d0[i] / D0, d1[i] / D1
        c = scale * (n1[i] / D1 - n0[i] / D0 - (s1 - s0) * R_mid)
        r0 = n0[i] / d0[i] if d0[i] > 0 else None
        r1 = n1[i] / d1[i] if d1[i] > 0 else None
        if r0 is None:
            r0 = r1
        if r1 is None:
            r1 = r0
        # both None: no denominator in either period, so s0 = s1 = 0 and there is no mix
        mix = Fraction(0) if r0 is None else scale * (s1 - s0) * ((r0 + r1) / 2 - R_mid)
        rate = c - mix
        rows.append(UnitChange(u, own(n0[i], d0[i]), own(n1[i], d1[i]), float(c), float(rate), float(mix),
                               float(n0[i]), float(n1[i]), float(d0[i]), float(d1[i]), float(s0), float(s1),
                               (c, rate, mix)))
    out = Decomposition(metric, tuple(rows), float(v0), float(v1), float(v1 - v0), float(N0), float(N1),
                        float(D0), float(D1), exact_change=v1 - v0)
    if check:
        out.check()
    return out


def _padded(xs: Sequence | None, k: int) -> list:
    xs = list(xs) if xs is not None else []
    if len(xs) > k:
        raise ValueError(f"{len(xs)} values for {k} units")
    return xs + [None] * (k - len(xs))
