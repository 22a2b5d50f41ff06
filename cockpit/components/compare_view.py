"""The /compare view as data: the units × indicators matrix, the counties' ranking table (only
with ranking on, cockpit.config.ranking_enabled), the references a county is compared with.

One builder feeds both the page and the exports (cockpit.exports), so a downloaded file holds
exactly the rows and values on the screen: values rounded to each metric's displayed
precision, missing ones as their status text (未上线 / 无数据).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cockpit.components import formatting as F
from cockpit.components.cached_queries import by_unit_rows
from cockpit.config import ranking_enabled
from cockpit.components.catalog_groups import GROUPS
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import Period
from cockpit.metrics.query import OK, STATUS_LABEL

# The matrix rows, top to bottom: the city, the counties' total, the 13 counties, the city office.
ROW_ORDER = (U.CITY, U.COUNTIES) + U.COUNTY_CODES + (U.CITY_OFFICE,)


@dataclass
class Cell:
    value: float | None      # as displayed (rounded); None when missing
    text: str                # what the cell shows
    status: str
    rank: int | None = None
    of: int | None = None
    color: str | None = None  # background: the unit's standing (counties only; ranking on)
    flag: str = ""            # immature | small: shown with its mark, not compared
    mark: str = ""            # 核查中 / 办理中 / 样本少


@dataclass
class MatrixRow:
    unit: str
    label: str
    kind: str                 # city | group | county | office
    cells: list[Cell] = field(default_factory=list)


@dataclass
class RankRow:
    unit: str
    label: str
    ranks: list[int | None]
    mean_rank: float | None


@dataclass
class CompareView:
    period: Period
    period_label: str
    group: str
    metrics: list[str]
    rows: list[MatrixRow]
    ranking: list[RankRow]
    rank_metrics: list[str]     # the matrix's metrics that are ranked (comparable; [] while ranking is off)
    sort: str | None = None
    ranking_on: bool = False

    @property
    def references(self) -> list[tuple[str, str, str, str]]:
        """(indicator, 全市, 县区中位数, 县区四分位范围) of each rate of the view: what a county is
        compared with while ranking is off."""
        return self._refs
    @property
    def headers(self) -> list[str]:
        """Chinese column headers: 单位, then each indicator with its unit."""
        return ["单位"] + [f"{METRIC_BY_ID[m].name}（{METRIC_BY_ID[m].unit}）" for m in self.metrics]


def period_label(period: Period, latest: str | None) -> str:
    text = period.label
    if latest and not period.is_complete(latest):
        text += f"（数据截至{int(latest[5:])}月）"
    return text


def build(period: Period, group: str, latest: str | None, sort: str | None = None) -> CompareView:
    """The matrix (every unit × the group's metrics, each value with its flag), and — only
    with ranking on — the counties' ranks on the comparable metrics, the standing colours and
    the order by rank. With ranking off the counties stay in unit order and a county is read
    against the city, the county median and the spread (`references`)."""
    ranking_on = ranking_enabled()
    metrics = list(GROUPS[group][1])
    by_metric = by_unit_rows(str(period), metrics)
    rows = []
    for u in ROW_ORDER:
        kind = ("city" if u == U.CITY else "group" if u == U.COUNTIES else
                "office" if u == U.CITY_OFFICE else "county")
        row = MatrixRow(u, U.label(u), kind)
        for mid in metrics:
            m = METRIC_BY_ID[mid]
            r = by_metric[mid][u]
            if r["status"] == OK:
                v = F.rounded(m, r["value"])
                mark = F.flag_text(m, r["flag"])
                cell = Cell(v, F.fmt_number(m, r["value"]) + (f"（{mark}）" if mark else ""), OK,
                            flag=r["flag"] or "", mark=mark)
            else:
                cell = Cell(None, STATUS_LABEL.get(r["status"]) or "—", r["status"])
            rank = F.shown_rank(m, r["rank"])
            if kind == "county" and rank is not None:
                cell.rank, cell.of = rank, int(r["rank_of"])
                cell.color = F.standing_color(m, rank, r["rank_of"])
            row.cells.append(cell)
        rows.append(row)
    rank_metrics = [mid for mid in metrics if F.ranks_shown(METRIC_BY_ID[mid])]
    ranking = []
    for u in (U.COUNTY_CODES if rank_metrics else ()):
        ranks = [None if F.is_missing(by_metric[mid][u]["rank"]) else int(by_metric[mid][u]["rank"])
                 for mid in rank_metrics]
        have = [r for r in ranks if r is not None]
        ranking.append(RankRow(u, U.label(u), ranks, round(sum(have) / len(have), 1) if have else None))
    ranking.sort(key=lambda r: (r.mean_rank is None, r.mean_rank or 0, r.unit))
    if sort in rank_metrics:
        i = metrics.index(sort)
        head = [r for r in rows if r.kind != "county"]
        counties = [r for r in rows if r.kind == "county"]
        counties.sort(key=lambda r: (r.cells[i].rank is None, r.cells[i].rank or 0, r.unit))
        rows = head[:2] + counties + head[2:]
    else:
        sort = None
    refs = []
    for mid in metrics:
        m = METRIC_BY_ID[mid]
        if not m.is_ratio:
            continue
        city = by_metric[mid][U.CITY]
        refs.append((m.name, F.value_text(m, city["value"], city["status"], city["flag"]),
                     F.fmt_value(m, city["county_median"]), F.spread_text(m, city["county_q1"], city["county_q3"])))
    view = CompareView(period, period_label(period, latest), group, metrics, rows, ranking, rank_metrics, sort,
                       ranking_on)
    view._refs = refs
    return view
