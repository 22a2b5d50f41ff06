"""URL query parameters: parse them, fall back with a visible notice, and build links.

Every browser view is a URL. A page's `layout(**query)` builds a `PageContext` from the raw
query values (Dash Pages passes them as keyword arguments; a repeated parameter arrives as a
list). A malformed value never fails the page: it is replaced by a sensible default and a
notice says so ("无法识别的统计期间 …"). The cleaned values are what links and pickers carry on,
so a copied address always reproduces the view.

URL forms:
    period   2024-05 | 2024Q2 | 2024 | 2024-05:ytd | 2024-05:r12 (see cockpit.metrics.periods)
    unit     a unit code (140802) or a group (CITY, COUNTIES)
    units    comma-separated unit codes / groups
    metric   a metric id of cockpit.metrics.catalog
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import dash

from cockpit import data
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import Period, month_label, month_ordinal
from cockpit.metrics.query import MetricStore



def trend_end(period: str, store: MetricStore) -> str:
    """The last month a trend shows: the period's end, never past the month the data reaches."""
    end = Period.parse(period).end
    reach = store.data_month
    return reach if reach and end > reach else end


def default_period(store: MetricStore) -> Period:
    return store.default_period()


@dataclass(frozen=True)
class Notice:
    text: str
    level: str = "warning"   # bootstrap colour: warning | info | danger


def first(raw) -> str | None:
    """A single query value (the first, when repeated); None when absent or blank."""
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    if raw is None:
        return None
    raw = str(raw).strip()
    return raw or None


def many(raw) -> list[str]:
    """A list value: comma-separated and/or repeated parameters."""
    if raw is None:
        return []
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    out: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def unit_label(code: str) -> str:
    try:
        return U.label(code)
    except KeyError:
        return code


def parse_period(raw, store: MetricStore) -> tuple[Period, list[Notice]]:
    """The period of the URL, or the data month (数据截至). A period that starts after the data
    month falls back to the one of its kind that contains the data month — never to the partial
    month after it."""
    text = first(raw)
    latest = store.data_month
    default = default_period(store)
    if text is None:
        return default, []
    try:
        period = Period.parse(text)
    except ValueError:
        return default, [Notice(f"无法识别的统计期间“{text}”，已改为显示{default.label}。"
                                "（期间格式：2024-05、2024Q2、2024、2024-05:ytd、2024-05:r12）")]
    notices = []
    if latest is not None and period.start_ordinal > month_ordinal(latest):
        clamped = period.clamp(latest)
        notices.append(Notice(f"数据截至{month_label(latest)}，{period.label}尚无数据，已改为显示{clamped.label}。"))
        period = clamped
    first_month = store.first_month
    if first_month is not None and period.end_ordinal < month_ordinal(first_month):
        notices.append(Notice(f"{period.label}早于数据起始月份（{month_label(first_month)}），各项指标显示为无数据。",
                              "info"))
    return period, notices


def parse_unit(raw, default: str = U.CITY, allowed: tuple[str, ...] | None = None,
               what: str = "单位") -> tuple[str, list[Notice]]:
    allowed = allowed or (U.CITY, U.COUNTIES) + U.UNIT_CODES
    text = first(raw)
    if text is None:
        return default, []
    if text.upper() in (U.CITY, U.COUNTIES) and text.upper() in allowed:
        return text.upper(), []
    if text in allowed:
        return text, []
    return default, [Notice(f"无法识别的{what}“{text}”，已改为{unit_label(default)}。")]


def parse_units(raw, default: list[str], allowed: tuple[str, ...] | None = None, min_n: int = 1,
                max_n: int = 4, what: str = "对比单位") -> tuple[list[str], list[Notice]]:
    allowed = allowed or (U.CITY, U.COUNTIES) + U.UNIT_CODES
    values = many(raw)
    if not values:
        return list(default), []
    good, bad = [], []
    for v in values:
        v2 = v.upper() if v.upper() in (U.CITY, U.COUNTIES) else v
        if v2 in allowed:
            if v2 not in good:
                good.append(v2)
        else:
            bad.append(v)
    notices = []
    if bad:
        notices.append(Notice(f"无法识别的{what}“{'、'.join(bad)}”，已忽略。"))
    if len(good) > max_n:
        notices.append(Notice(f"{what}最多{max_n}个，已保留前{max_n}个。"))
        good = good[:max_n]
    if len(good) < min_n:
        fill = [d for d in default if d not in good]
        good = (good + fill)[:max(min_n, len(good))]
        notices.append(Notice(f"{what}至少{min_n}个，已补充默认单位。", "info"))
    return good, notices


def parse_metric(raw, default: str, allowed: tuple[str, ...] | None = None,
                 what: str = "指标") -> tuple[str, list[Notice]]:
    text = first(raw)
    allowed = allowed or tuple(METRIC_BY_ID)
    if text is None:
        return default, []
    if text in allowed:
        return text, []
    return default, [Notice(f"无法识别的{what}“{text}”，已改为{METRIC_BY_ID[default].name}。")]


def parse_metrics(raw, default: list[str], allowed: tuple[str, ...] | None = None,
                  max_n: int = 12, what: str = "指标") -> tuple[list[str], list[Notice]]:
    allowed = allowed or tuple(METRIC_BY_ID)
    values = many(raw)
    if not values:
        return list(default), []
    good = [v for v in values if v in allowed]
    bad = [v for v in values if v not in allowed]
    notices = []
    if bad:
        notices.append(Notice(f"无法识别的{what}“{'、'.join(bad)}”，已忽略。"))
    if len(good) > max_n:
        notices.append(Notice(f"{what}最多{max_n}个，已保留前{max_n}个。"))
        good = good[:max_n]
    if not good:
        good = list(default)
    return good, notices


def parse_choice(raw, options: dict[str, str], default: str, what: str) -> tuple[str, list[Notice]]:
    text = first(raw)
    if text is None:
        return default, []
    if text in options:
        return text, []
    return default, [Notice(f"无法识别的{what}“{text}”，已改为“{options[default]}”。")]


def parse_int(raw, default: int, lo: int = 0, hi: int = 10**6, what: str = "页码") -> tuple[int, list[Notice]]:
    text = first(raw)
    if text is None:
        return default, []
    try:
        v = int(text)
    except ValueError:
        return default, [Notice(f"无法识别的{what}“{text}”，已改为{default + 1 if what == '页码' else default}。")]
    return max(lo, min(hi, v)), []


def query_string(query: dict) -> str:
    """`?a=1&b=x,y` from a dict (None/empty values dropped; lists comma-joined)."""
    items = []
    for k, v in query.items():
        if v is None or v == "" or v == [] or v == ():
            continue
        if isinstance(v, (list, tuple)):
            v = ",".join(str(x) for x in v)
        items.append((k, str(v)))
    return ("?" + urlencode(items, safe=",:")) if items else ""


def href(path: str, query: dict | None = None) -> str:
    """An in-app link (prefix-aware): `href('/county/140802', {'period': '2024-05'})`."""
    return dash.get_relative_path(path) + query_string(query or {})


@dataclass
class PageContext:
    """What every browser page needs: the store, the period, the notices, the clean query."""
    path: str
    store: MetricStore
    stale: bool
    error: str | None
    period: Period
    query: dict = field(default_factory=dict)     # cleaned values, URL form
    notices: list[Notice] = field(default_factory=list)

    @classmethod
    def build(cls, path: str, raw_query: dict, with_period: bool = True) -> PageContext:
        state = data.current()
        store = state.store
        notices: list[Notice] = []
        period = default_period(store)
        query: dict = {}
        if with_period:
            period, notes = parse_period(raw_query.get("period"), store)
            notices += notes
            if first(raw_query.get("period")) is not None or notes:
                query["period"] = str(period)
        return cls(path, store, state.stale, state.error, period, query, notices)

    @property
    def empty(self) -> bool:
        return self.store.is_empty

    @property
    def latest(self) -> str | None:
        """The month the data reaches (`MetricStore.data_month`)."""
        return self.store.data_month

    def link(self, path: str, **extra) -> str:
        """A link to another page carrying the period (and `extra` parameters)."""
        q = {"period": self.query.get("period")}
        q.update(extra)
        return href(path, q)

    def here(self, **changes) -> str:
        """This view with some parameters changed (None removes one)."""
        q = dict(self.query)
        q.update(changes)
        return href(self.path, q)

    def params(self, **extra) -> dict:
        """The data a page puts in its params store for its callbacks."""
        return {"path": self.path, "query": dict(self.query), "period": str(self.period), **extra}
