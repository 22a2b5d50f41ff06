"""The 14 units of both tiers (BRIEF §3): the city office and 13 county offices."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unit:
    code: str
    name: str          # full name, e.g. 盐湖区人民检察院
    short: str         # short name for charts, e.g. 盐湖区
    tier: str          # "city" | "county"
    population: float | None  # 2020 census, 万人; None for the city office (市院本级)
    abbr: str          # the one-character abbreviation used in case numbers (运盐检…)


UNITS: tuple[Unit, ...] = (
    Unit("140800", "运城市人民检察院", "市院本级", "city", None, ""),
    Unit("140802", "盐湖区人民检察院", "盐湖区", "county", 92.83, "盐"),
    Unit("140821", "临猗县人民检察院", "临猗县", "county", 48.26, "猗"),
    Unit("140822", "万荣县人民检察院", "万荣县", "county", 36.20, "荣"),
    Unit("140823", "闻喜县人民检察院", "闻喜县", "county", 35.53, "闻"),
    Unit("140824", "稷山县人民检察院", "稷山县", "county", 31.61, "稷"),
    Unit("140825", "新绛县人民检察院", "新绛县", "county", 28.22, "新"),
    Unit("140826", "绛县人民检察院", "绛县", "county", 22.69, "绛"),
    Unit("140827", "垣曲县人民检察院", "垣曲县", "county", 19.78, "垣"),
    Unit("140828", "夏县人民检察院", "夏县", "county", 28.79, "夏"),
    Unit("140829", "平陆县人民检察院", "平陆县", "county", 20.51, "平"),
    Unit("140830", "芮城县人民检察院", "芮城县", "county", 34.29, "芮"),
    Unit("140881", "永济市人民检察院", "永济市", "county", 39.49, "永"),
    Unit("140882", "河津市人民检察院", "河津市", "county", 39.26, "津"),
)

UNIT_BY_CODE: dict[str, Unit] = {u.code: u for u in UNITS}
UNIT_CODES: tuple[str, ...] = tuple(u.code for u in UNITS)
CITY_OFFICE = "140800"
COUNTY_CODES: tuple[str, ...] = tuple(u.code for u in UNITS if u.tier == "county")

# Unit groups a query may ask for besides a single unit code.
CITY = "CITY"          # 全市: all 14 units
COUNTIES = "COUNTIES"  # 基层院合计: the 13 county offices
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    CITY: ("全市", UNIT_CODES),
    COUNTIES: ("基层院合计", COUNTY_CODES),
}


def members(unit: str) -> tuple[str, ...]:
    """The unit codes a unit or group stands for. 市院本级 is the code 140800 alone."""
    if unit in GROUPS:
        return GROUPS[unit][1]
    if unit in UNIT_BY_CODE:
        return (unit,)
    raise KeyError(f"unknown unit {unit!r}")


def label(unit: str) -> str:
    if unit in GROUPS:
        return GROUPS[unit][0]
    return UNIT_BY_CODE[unit].short
