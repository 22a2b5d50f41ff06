"""The calibration of the demo world (BRIEF §5): volumes, trends and office differences.

Every trend is a list of (month, value) points, linearly interpolated and flat beyond its ends.
Office differences come from `profiles.quality(unit, metric)`, applied on the logit scale.
"""
from __future__ import annotations

import numpy as np

from etl.demo.profiles import CITY, county_share, quality
from etl.demo.timeline import CALENDAR, interp

# arrest-review persons a year, all county offices together (a few thousand, slowly falling);
# enough cases that the assessment's validation period (2023-01..04) holds the article's 905
ARREST_PER_YEAR = [("2020-07", 4740), ("2021-06", 4460), ("2022-06", 4100), ("2023-06", 3880),
                   ("2024-06", 3710), ("2025-06", 3610), ("2026-12", 3550)]
CITY_ARREST_PER_YEAR = [("2020-07", 112), ("2023-06", 100), ("2026-12", 94)]
# 不捕率, city-wide: ~25% in 2021, ~40% from 2023
NON_ARREST = [("2020-07", 0.195), ("2021-01", 0.20), ("2021-12", 0.262), ("2022-12", 0.342),
              ("2023-06", 0.378), ("2024-06", 0.395), ("2026-12", 0.418)]
# 诉前羁押率 (approved arrests ÷ prosecution concluded): ~45% in 2021, ~25% from 2023
DETENTION = [("2020-07", 0.52), ("2021-06", 0.485), ("2022-06", 0.375), ("2023-02", 0.285),
             ("2023-12", 0.255), ("2024-12", 0.245), ("2026-12", 0.238)]
# 认罪认罚适用率 (persons concluded with a plea), 85–92%
PLEA = [("2020-07", 0.86), ("2021-06", 0.87), ("2022-06", 0.885), ("2023-06", 0.898),
        ("2024-06", 0.906), ("2026-12", 0.914)]
# 确定刑 share of sentencing recommendations, rising past 90%
FIXED_REC = [("2020-07", 0.70), ("2021-06", 0.76), ("2022-06", 0.86), ("2023-06", 0.93),
             ("2024-06", 0.958), ("2026-12", 0.968)]
# 量刑建议采纳率, 93–97%
REC_ADOPTED = [("2020-07", 0.935), ("2022-06", 0.948), ("2023-06", 0.955), ("2026-12", 0.962)]
# 不起诉 among persons not held in custody (the rest of 不诉率 comes from 捕后不诉, ~3.5%)
NON_PROS_FREE = [("2020-07", 0.15), ("2021-06", 0.17), ("2022-06", 0.25), ("2023-06", 0.31),
                 ("2024-06", 0.33), ("2026-12", 0.345)]
NON_PROS_ARRESTED = 0.035
# share of non-arrests because 无社会危险性 (the rest: evidence, no crime, other)
NO_DANGER_SHARE = [("2020-07", 0.44), ("2021-06", 0.48), ("2022-06", 0.56), ("2023-06", 0.64),
                   ("2026-12", 0.67)]
# social-danger assessment (P01): coverage of concluded arrest reviews and band/decision agreement
ASSESS_COVERAGE = [("2023-01", 0.80), ("2023-02", 0.87), ("2023-03", 0.93), ("2023-04", 0.955),
                   ("2023-06", 0.972), ("2023-12", 0.985), ("2024-06", 0.991), ("2026-12", 0.996)]
ASSESS_CONSISTENCY = [("2023-01", 0.855), ("2023-06", 0.885), ("2023-12", 0.905), ("2024-12", 0.925),
                      ("2026-12", 0.935)]
# non-custody supervision (P02)
OTHER_NC_PER_MONTH = [("2022-03", 22), ("2023-03", 30), ("2024-06", 40), ("2026-12", 52)]
CHECKIN_RATE = [("2023-03", 0.935), ("2023-12", 0.955), ("2024-12", 0.968), ("2026-12", 0.978)]
SUMMONS_RATE = [("2023-03", 0.935), ("2023-12", 0.952), ("2024-12", 0.962), ("2026-12", 0.97)]
WARNING_IN_TIME = [("2023-03", 0.86), ("2023-12", 0.90), ("2024-12", 0.925), ("2026-12", 0.94)]
ABSCOND_P = 0.0032   # per non-custody person: a handful a year city-wide
# plea hearings (P03)
RECORDED = [("2022-10", 0.972), ("2023-06", 0.99), ("2024-06", 0.997), ("2026-12", 0.999)]
REMOTE = [("2022-10", 0.30), ("2023-06", 0.42), ("2024-06", 0.55), ("2025-06", 0.60), ("2026-12", 0.63)]
EFP_RETURNED = [("2022-10", 0.90), ("2023-06", 0.95), ("2024-06", 0.975), ("2026-12", 0.985)]
# juvenile (P04): persons concluded a year city-wide, and outcomes
JUVENILE_PER_YEAR = [("2023-08", 255), ("2024-06", 272), ("2026-12", 300)]
JUV_CONDITIONAL = [("2023-08", 0.27), ("2024-12", 0.32), ("2026-12", 0.35)]


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def shifted(points, months, unit: str, metric: str, strength: float) -> np.ndarray:
    """A rate trend moved on the logit scale by the office's quality at `metric`."""
    return expit(logit(interp(months, points)) + strength * quality(unit, metric))


def arrest_per_workday(unit: str, months) -> np.ndarray:
    """Expected arrest-review persons received per weighted work day."""
    if unit == CITY:
        per_year = interp(months, CITY_ARREST_PER_YEAR)
    else:
        per_year = interp(months, ARREST_PER_YEAR) * county_share(unit)
    return per_year / CALENDAR.work_per_year


def non_arrest_rate(unit: str, months) -> np.ndarray:
    if unit == CITY:
        return expit(logit(interp(months, NON_ARREST)) - 1.1)
    return shifted(NON_ARREST, months, unit, "non_arrest", 0.55)


def detention_rate(unit: str, months) -> np.ndarray:
    if unit == CITY:
        return np.full(np.shape(months), 0.62)
    return shifted(DETENTION, months, unit, "detention", -0.40)
