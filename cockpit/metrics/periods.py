"""Periods: month, quarter, year, year-to-date and rolling 12 months.

A period is a kind and its last month (`end`, 'YYYY-MM'); every period is a contiguous run of
months. The URL form (`str(period)`, `Period.parse`) is:

    2024-05        month                       2024年5月
    2024Q2         quarter (end = 2024-06)      2024年第2季度
    2024           year    (end = 2024-12)      2024年
    2024-05:ytd    year to date, Jan–May 2024   2024年1—5月
    2024-05:r12    rolling 12 months to May     2023年6月—2024年5月（近12个月）

Comparisons:
- `year_ago()` (同比): the same kind of period ending 12 months earlier.
- `previous()` (环比): the period just before it. Month, quarter and year: the previous
  month, quarter or year. r12: the window ending one month earlier (the previous point of the
  rolling series; the non-overlapping window before it is `year_ago()`). ytd: None. A
  year-to-date has no meaningful predecessor: the preceding window of equal length straddles
  two years, and "last month's ytd" is one month shorter. The cockpit shows only 同比 for ytd.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from datetime import date

KINDS = ("month", "quarter", "year", "ytd", "r12")
KIND_LABEL = {"month": "月度", "quarter": "季度", "year": "年度", "ytd": "年初至今", "r12": "近12个月"}

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")


def _split(month: str) -> tuple[int, int]:
    """('2024-05') -> (2024, 5); ValueError on anything that is not a real month."""
    m = _MONTH_RE.fullmatch(month) if isinstance(month, str) else None
    if not m:
        raise ValueError(f"not a month 'YYYY-MM': {month!r}")
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12 or y < 1000:
        raise ValueError(f"not a month 'YYYY-MM': {month!r}")
    return y, mo


def month_ordinal(month: str) -> int:
    """Months since year 0: consecutive months have consecutive ordinals."""
    y, mo = _split(month)
    return y * 12 + mo - 1


def month_from_ordinal(n: int) -> str:
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def add_months(month: str, n: int) -> str:
    """add_months('2024-01', -1) == '2023-12'."""
    return month_from_ordinal(month_ordinal(month) + n)


def month_range(a: str, b: str) -> list[str]:
    """All months from a to b inclusive ([] when b is before a)."""
    oa, ob = month_ordinal(a), month_ordinal(b)
    return [month_from_ordinal(n) for n in range(oa, ob + 1)]


def data_date(data_month: str | None, today: date | None = None) -> date:
    """The date stocks read "as of" (the clue ledger's 在办/逾期): the data month's last day, or
    today if that is earlier (a month still running); today when there is no data."""
    today = today or date.today()
    if not data_month:
        return today
    y, m = _split(data_month)
    last = date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1
    return min(date.fromordinal(last), today)


def month_label(month: str) -> str:
    y, mo = _split(month)
    return f"{y}年{mo}月"


_PARSE = (
    (re.compile(r"(\d{4})-(\d{2})"), "month"),
    (re.compile(r"(\d{4})Q([1-4])"), "quarter"),
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{4})-(\d{2}):ytd"), "ytd"),
    (re.compile(r"(\d{4})-(\d{2}):r12"), "r12"),
)


@dataclass(frozen=True)
class Period:
    kind: str   # month | quarter | year | ytd | r12
    end: str    # last month of the period, 'YYYY-MM'

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")
        _, mo = _split(self.end)
        if self.kind == "quarter" and mo % 3:
            raise ValueError(f"a quarter ends in March, June, September or December, not {self.end}")
        if self.kind == "year" and mo != 12:
            raise ValueError(f"a year ends in December, not {self.end}")

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def month(cls, month: str) -> Period:
        return cls("month", month)

    @classmethod
    def quarter(cls, year: int, q: int) -> Period:
        if not 1 <= q <= 4:
            raise ValueError(f"no quarter {q}")
        return cls("quarter", f"{year:04d}-{3 * q:02d}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", f"{year:04d}-12")

    @classmethod
    def ytd(cls, month: str) -> Period:
        return cls("ytd", month)

    @classmethod
    def r12(cls, month: str) -> Period:
        return cls("r12", month)

    @classmethod
    def containing(cls, kind: str, month: str) -> Period:
        """The period of `kind` that contains `month` (for ytd/r12/month: ending at it)."""
        y, mo = _split(month)
        if kind == "quarter":
            return cls.quarter(y, (mo - 1) // 3 + 1)
        if kind == "year":
            return cls.year(y)
        return cls(kind, month)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse the URL form; ValueError on anything else."""
        if not isinstance(text, str):
            raise ValueError(f"not a period: {text!r}")
        for rx, kind in _PARSE:
            m = rx.fullmatch(text)
            if not m:
                continue
            if kind == "quarter":
                return cls.quarter(int(m.group(1)), int(m.group(2)))
            if kind == "year":
                return cls.year(int(m.group(1)))
            return cls(kind, f"{m.group(1)}-{m.group(2)}")
        raise ValueError(f"not a period: {text!r} (expected 2024-05, 2024Q2, 2024, 2024-05:ytd or 2024-05:r12)")

    @classmethod
    def default(cls, latest_month: str | None) -> Period:
        """The cockpit's default period: the latest month with data (this month if none)."""
        if latest_month is None:
            latest_month = date.today().strftime("%Y-%m")
        return cls.month(latest_month)

    # --- the months -------------------------------------------------------------------------
    @property
    def calendar_year(self) -> int:
        return _split(self.end)[0]

    @property
    def n_months(self) -> int:
        _, mo = _split(self.end)
        return {"month": 1, "quarter": 3, "year": 12, "ytd": mo, "r12": 12}[self.kind]

    @property
    def start(self) -> str:
        return add_months(self.end, 1 - self.n_months)

    @cached_property
    def start_ordinal(self) -> int:
        return self.end_ordinal + 1 - self.n_months

    @cached_property
    def end_ordinal(self) -> int:
        return month_ordinal(self.end)

    def months(self) -> list[str]:
        return month_range(self.start, self.end)

    def __contains__(self, month: str) -> bool:
        return self.start_ordinal <= month_ordinal(month) <= self.end_ordinal

    # --- comparisons ------------------------------------------------------------------------
    def shift(self, n_months: int) -> Period:
        """The same kind of period ending n months later (n a multiple of 3/12 for quarter/year)."""
        return Period(self.kind, add_months(self.end, n_months))

    def year_ago(self) -> Period:
        """同比: the same period a year earlier."""
        return self.shift(-12)

    def previous(self) -> Period | None:
        """环比: the preceding period; None for ytd (see the module docstring)."""
        step = {"month": 1, "quarter": 3, "year": 12, "r12": 1}.get(self.kind)
        return None if step is None else self.shift(-step)

    def clamp(self, latest_month: str | None) -> Period:
        """The period as far as data goes: unchanged when it ends by `latest_month`; otherwise
        a month/ytd/r12 ends at `latest_month` and a quarter/year becomes the (incomplete) one
        that contains `latest_month`."""
        if latest_month is None or self.end_ordinal <= month_ordinal(latest_month):
            return self
        return Period.containing(self.kind, latest_month)

    def is_complete(self, latest_month: str | None) -> bool:
        """True when data reaches the period's last month."""
        return latest_month is not None and self.end_ordinal <= month_ordinal(latest_month)

    # --- display ----------------------------------------------------------------------------
    @property
    def label(self) -> str:
        y, mo = _split(self.end)
        if self.kind == "month":
            return f"{y}年{mo}月"
        if self.kind == "quarter":
            return f"{y}年第{mo // 3}季度"
        if self.kind == "year":
            return f"{y}年"
        if self.kind == "ytd":
            return f"{y}年1月" if mo == 1 else f"{y}年1—{mo}月"
        return f"{month_label(self.start)}—{y}年{mo}月（近12个月）"

    def __str__(self) -> str:
        y, mo = _split(self.end)
        if self.kind == "month":
            return self.end
        if self.kind == "quarter":
            return f"{y}Q{mo // 3}"
        if self.kind == "year":
            return f"{y}"
        return f"{self.end}:{self.kind}"
