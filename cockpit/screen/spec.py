"""The wall as data: every block of tiles and every chart, with its kind and its metrics.

The layout (element ids, titles), the payload (what is computed and sent) and the refresh's
outputs are all read from this module; nothing else lists what the wall shows.

- **Tiles** take their metrics from the catalog's placements (`Metric.wall`, read through
  `catalog.on_wall(panel)`): "headline" (the strip over the map), "P01".."P04" (a platform's
  first row of tiles, on the overview and the platforms screen), "P01+".."P04+" (the second
  row on the platforms screen), "models" (the models screen), "clues" (the clue panel of the
  models screen, beside the clue funnel and the ledger's 逾期未办结线索). Their labels are `Metric.short`,
  their tooltips the full name and the 口径. Declaring a metric with `wall=("P01+",)` puts it on
  the wall; no code here changes.
- **"county"** is the county figures: the map's tooltip and the county panel a click opens.
- **Charts** name their metrics here (which two rates share a trend is a design choice of the
  wall); their titles are derived from the metrics' short names and the months shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from cockpit.metrics.catalog import METRIC_BY_ID, on_wall
from cockpit.screen import theme as T

PLATFORMS = ("P01", "P02", "P03", "P04")
# every placement the catalog may give a metric on the wall
PLACES = ("headline", *PLATFORMS, *(p + "+" for p in PLATFORMS), "models", "clues", "county")
PLATFORM_SHORT = {"P01": "审查逮捕 · 60项指标量化评估", "P02": "实时定位 · 在线打卡 · 脱管预警",
                  "P03": "远程听取意见 · 电子捺印回传", "P04": "未成年人检察"}


@dataclass(frozen=True)
class Tiles:
    """A block of figure tiles: the element `id`, filled with the metrics of the catalog
    placements `places` (in that order, each metric once), or of `metrics` when the block
    shows a chart's companion figures (the funnel's two rates)."""
    id: str
    screen: str
    places: tuple[str, ...] = ()
    style: str = "mini"          # mini | headline | stats | rates
    extra: tuple[str, ...] = ()  # named metrics (not a placement)

    @property
    def metrics(self) -> tuple[str, ...]:
        out: list[str] = []
        for place in self.places:
            out += [m for m in on_wall(place) if m not in out]
        out += [m for m in self.extra if m not in out]
        return tuple(out)


@dataclass(frozen=True)
class Chart:
    """One chart: element `id`, `kind` (the builder in payload), its `metrics` and `months`
    for trends; `title` overrides the derived title."""
    id: str
    kind: str
    screen: str
    metrics: tuple[str, ...] = ()
    months: int = 12
    title: str = ""
    national: bool = False
    compact: bool = False
    colors: tuple[str, ...] = ()  # the series' colours (design, not meaning)
    city_office: bool = False     # county charts: 市院本级 among the bars (and the title says so)

    @property
    def heading(self) -> str:
        """The chart's sub-title on the wall."""
        if self.title:
            return self.title
        names = [METRIC_BY_ID[m].short for m in self.metrics]
        if self.kind in ("dual_trend", "bar_line"):
            ref = "与全国水平" if self.national else ""
            return f"{'与'.join(names)}{ref} · 近{self.months}个月"
        return "、".join(names)


TILES: tuple[Tiles, ...] = (
    Tiles("ov-headline", "overview", ("headline",), style="headline"),
    Tiles("ov-p01-kpis", "overview", ("P01",)),
    Tiles("ov-p02-kpis", "overview", ("P02",)),
    Tiles("ov-p03-stats", "overview", ("P03+",), style="stats"),
    Tiles("ov-p04-kpis", "overview", ("P04",)),
    Tiles("ov-funnel-rates", "overview", style="rates",
          extra=("suggestion_reply_rate", "suggestion_adoption_rate")),
    *(Tiles(f"pf-{p.lower()}-kpis", "platforms", (p, p + "+")) for p in PLATFORMS),
    Tiles("md-kpis", "models", ("models",)),
    Tiles("md-clue-kpis", "models", ("clues",), style="rates"),
)
TILE_BY_ID = {t.id: t for t in TILES}

CHARTS: tuple[Chart, ...] = (
    # the overview
    Chart("ch-map", "map", "overview"),
    Chart("ch-p01-trend", "dual_trend", "overview", ("non_arrest_rate", "pretrial_detention_rate")),
    Chart("ch-p01-bands", "bands", "overview", title="评估等级分布", compact=True),
    Chart("ch-p02-warn", "bar_line", "overview", ("nc_warnings", "warning_handled_rate")),
    Chart("ch-p03-rings", "rings", "overview", on_wall("P03")),
    Chart("ch-p04-juv", "bar_line", "overview", ("juv_concluded", "conditional_non_prosecution_rate"),
          colors=(T.VIOLET, T.GREEN)),
    Chart("ch-models", "leaderboard", "overview", title="监督模型线索榜", compact=True),
    Chart("ch-funnel", "funnel", "overview", title="检察建议成效"),
    # the platforms screen
    Chart("ch-pf-p01-trend", "dual_trend", "platforms", ("non_arrest_rate", "pretrial_detention_rate"),
          months=24, national=True),
    Chart("ch-pf-p01-bands", "bands", "platforms", title="社会危险性评估等级分布"),
    Chart("ch-pf-p02-warn", "bar_line", "platforms", ("nc_warnings", "warning_handled_rate"), months=24),
    Chart("ch-pf-p02-county", "county_bars", "platforms", ("checkin_rate",), compact=True),
    Chart("ch-pf-p03-trend", "dual_trend", "platforms", ("recording_coverage", "remote_hearing_share"), months=24,
          colors=(T.GREEN, T.GOLD)),
    Chart("ch-pf-p03-county", "county_bars", "platforms", ("plea_rate",), compact=True),
    Chart("ch-pf-p04-juv", "bar_line", "platforms", ("juv_concluded", "conditional_non_prosecution_rate"),
          months=24, colors=(T.VIOLET, T.GREEN)),
    Chart("ch-pf-p04-county", "county_bars", "platforms", ("conditional_non_prosecution_rate",), compact=True),
    # the models screen
    Chart("ch-md-board", "leaderboard", "models", title="数字检察监督模型 · 线索榜"),
    Chart("ch-md-trend", "bar_line", "models", ("clues", "clue_verification_rate"), months=24,
          colors=(T.BLUE, T.GOLD)),
    Chart("ch-md-county", "county_bars", "models", ("clues",), city_office=True),
    Chart("ch-md-clues", "clue_funnel", "models", title="监督线索办理漏斗"),
    Chart("ch-md-funnel", "funnel", "models", title="检察建议：制发 → 回复 → 采纳"),
    Chart("ch-md-domain", "domains", "models", title="线索领域分布"),
    # the county panel (opened by a click on the map)
    Chart("ch-county-trend", "county_trend", "overview", months=12),
)
CHART_BY_ID = {c.id: c for c in CHARTS}
CHART_IDS: tuple[str, ...] = tuple(c.id for c in CHARTS)
# the charts the static part of the payload draws (the map and the county panel have their own parts)
STATIC_CHARTS: tuple[Chart, ...] = tuple(c for c in CHARTS if c.kind not in ("map", "county_trend"))


def county_metrics() -> tuple[str, ...]:
    """The county figures (map tooltip, county panel): the catalog's "county" placement."""
    return on_wall("county")



# The clue funnel of the models screen (全市, the wall's period, by the month a clue was found):
# (stage label, measure). A cohort: the clues of the last months are still being verified.
CLUE_FUNNEL: tuple[tuple[str, str], ...] = (
    ("线索", "clue_found"), ("已核查", "clue_verified"), ("成案", "clue_cased"),
    ("制发监督文书", "clue_documented"), ("已整改", "clue_rectified"))
# the metric whose maturity window the funnel follows (its months still 核查中)
CLUE_FUNNEL_MATURITY = "clue_case_rate"
# the ledger's indicators on the wall (cockpit.metrics.ledger.LEDGER_INDICATORS): stocks as of
# the data date, counts only — never a clue's number or summary
LEDGER_FIGURES: tuple[str, ...] = ("clue_overdue_open",)
# The overview's 预警 panel (cockpit.metrics.alerts.evaluate for the data month, most serious
# first): at most this many rows, legible at wall distance in the right column, the rest
# counted (另有 N 条).
ALERT_ROWS = 6
