"""Days, months, the working calendar and the random streams of the demo generator.

Internally a day is an int (days since 1970-01-01), a month an int (months since 1970-01)
and a moment an int (seconds since 1970-01-01 00:00, local time). Everything random comes
from `stream(seed, *parts)`: a numpy Generator whose entropy is the seed plus the CRC-32 of
the parts, so each (source, unit, …) has its own reproducible stream.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import zlib

import numpy as np

DAY_SECONDS = 86_400
_EPOCH = dt.date(1970, 1, 1)

# Spring Festival (春节) of each year: the case work dips around it.
SPRING_FESTIVAL = {
    2019: "2019-02-05", 2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01",
    2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29", 2026: "2026-02-17",
    2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13", 2030: "2030-02-03",
}

# The calendar the generator knows (all generated dates fall inside it).
FIRST_DAY = (dt.date(2018, 1, 1) - _EPOCH).days
LAST_DAY = (dt.date(2030, 12, 31) - _EPOCH).days


def stream(seed: int, *parts: object) -> np.random.Generator:
    """A reproducible random stream for (seed, parts). Never uses Python's salted hash()."""
    key = "/".join(str(p) for p in parts).encode("utf-8")
    seed = int(seed) % (1 << 64)
    return np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, zlib.crc32(key)]))


def stable_unit_interval(*parts: object) -> float:
    """A fixed number in [0, 1) for a key (seed-independent habits of an office)."""
    digest = hashlib.blake2b("/".join(str(p) for p in parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def day(text: str) -> int:
    return (dt.date.fromisoformat(text) - _EPOCH).days


def day_of(d: dt.date) -> int:
    return (d - _EPOCH).days


def to_date(d: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(d))


def month(text: str) -> int:
    """'2023-05' -> month index."""
    y, m = text.split("-")
    return (int(y) - 1970) * 12 + int(m) - 1


def month_label(mi: int) -> str:
    return f"{1970 + mi // 12:04d}-{mi % 12 + 1:02d}"


def month_compact(mi: int) -> str:
    return f"{1970 + mi // 12:04d}{mi % 12 + 1:02d}"


def year_of_month(mi):
    return 1970 + np.asarray(mi) // 12


def month_first(mi) -> np.ndarray | int:
    m = np.asarray(mi, dtype="int64").astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    return int(m) if np.ndim(m) == 0 else m


def month_last(mi) -> np.ndarray | int:
    return month_first(np.asarray(mi) + 1) - 1


def month_of(days) -> np.ndarray:
    """Month index of day numbers (vectorised)."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")


def year_of(days) -> np.ndarray:
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970


def add_months(days, n: int) -> np.ndarray:
    """The same day n months later (clamped to the month's end: 1/31 + 1 month = 2/28)."""
    d = np.asarray(days, dtype="int64")
    m = month_of(d)
    dom = d - month_first(m)
    target = m + n
    return np.minimum(month_first(target) + dom, month_last(target))


_TRENDS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def interp(months, points) -> np.ndarray:
    """Piecewise-linear trend over month indexes, flat beyond the ends."""
    key = tuple(tuple(p) for p in points)
    xy = _TRENDS.get(key)
    if xy is None:
        xy = _TRENDS[key] = (np.array([month(p[0]) for p in points], dtype=float),
                             np.array([p[1] for p in points], dtype=float))
    return np.interp(np.asarray(months, dtype=float), *xy)


def seq_in_groups(*keys) -> np.ndarray:
    """1, 2, 3 … within runs of equal keys (the arrays must already be sorted by the keys)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype="int64")
    new = np.ones(n, dtype=bool)
    new[1:] = np.zeros(n - 1, dtype=bool)
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    run = np.repeat(starts, np.diff(np.append(starts, n)))
    return np.arange(n) - run + 1


class Calendar:
    """Day weights for office work: weekends, Spring Festival and National Day are quiet."""

    def __init__(self) -> None:
        days = np.arange(FIRST_DAY, LAST_DAY + 1, dtype="int64")
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        w = np.where(weekday >= 5, 0.12, 1.0)
        for sf in SPRING_FESTIVAL.values():
            d0 = day(sf)
            slump = (days >= d0 - 12) & (days <= d0 + 16)
            w = np.where(slump, w * 0.62, w)
            holiday = (days >= d0 - 1) & (days <= d0 + 6)
            w = np.where(holiday, 0.06, w)
        dates = days.astype("datetime64[D]")
        md = (dates - dates.astype("datetime64[M]")).astype("int64") + 1
        mon = dates.astype("datetime64[M]").astype("int64") % 12 + 1
        national = (mon == 10) & (md <= 7)
        labour = (mon == 5) & (md <= 3)
        new_year = (mon == 1) & (md == 1)
        w = np.where(national | labour | new_year, 0.08, w)
        # the year-end push (年底结案) and a quieter harvest season in the countryside
        w = np.where((mon == 12) & (md >= 10), w * 1.12, w)
        self.days = days
        self.work = w
        self._cw = np.concatenate([[0.0], np.cumsum(w)])
        self.weekday = weekday
        m = month_of(days)
        self.first_month = int(m[0])
        counts = np.bincount(m - self.first_month)
        self._month_start = np.concatenate([[0], np.cumsum(counts)])
        self.month_work = np.bincount(m - self.first_month, weights=w)
        # a year of office work is about this many weighted days
        self.work_per_year = float(self.month_work.sum() / (len(self.month_work) / 12))

    def work_in_month(self, mi) -> np.ndarray:
        return self.month_work[np.asarray(mi) - self.first_month]

    def sample_days(self, rng: np.random.Generator, mi: int, n: int, weights: str = "work") -> np.ndarray:
        """n days of month mi, drawn with the work weights (or uniformly)."""
        i0, i1 = self._month_start[mi - self.first_month], self._month_start[mi - self.first_month + 1]
        if weights == "uniform":
            return self.days[i0] + rng.integers(0, i1 - i0, size=n)
        cw = np.cumsum(self.work[i0:i1])
        idx = np.searchsorted(cw, rng.random(n) * cw[-1], side="right")
        return self.days[i0] + np.minimum(idx, i1 - i0 - 1)

    def sample_between(self, rng: np.random.Generator, lo, hi) -> np.ndarray:
        """One work-weighted day in [lo, hi] for each pair (vectorised, hi >= lo)."""
        lo = np.asarray(lo, dtype="int64")
        hi = np.asarray(hi, dtype="int64")
        cw = self._cw
        a = cw[lo - FIRST_DAY]
        b = cw[hi - FIRST_DAY + 1]
        u = a + rng.random(lo.shape) * (b - a)
        idx = np.searchsorted(cw, u, side="right") - 1
        return np.clip(FIRST_DAY + idx, lo, hi)

    def next_workday(self, days) -> np.ndarray:
        d = np.asarray(days, dtype="int64").copy()
        for _ in range(9):
            quiet = self.work[d - FIRST_DAY] < 0.5
            if not quiet.any():
                break
            d = np.where(quiet, d + 1, d)
        return d


CALENDAR = Calendar()
