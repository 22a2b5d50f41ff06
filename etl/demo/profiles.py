"""Offices: how much work each has, how well it does it, and how it exports its files.

Both are habits of an office, not luck: they do not depend on the seed, so the demo tells the
same story (盐湖 the largest, 永济 and 稷山 strong, 垣曲 and 平陆 behind …) for every seed,
and a given office always exports a given source the same way.
"""
from __future__ import annotations

from dataclasses import dataclass

from cockpit.metrics.units import UNIT_BY_CODE, UNITS
from etl.demo.timeline import stable_unit_interval

CITY = "140800"
UNIT_CODES = tuple(u.code for u in UNITS)
COUNTY_CODES = tuple(u.code for u in UNITS if u.tier == "county")

# crime volume per head relative to the average county (盐湖 is the urban centre,
# 河津 an industrial city, 垣曲 a mining county)
_VOLUME = {
    "140802": 1.32, "140821": 0.93, "140822": 0.90, "140823": 1.00, "140824": 0.95,
    "140825": 1.02, "140826": 0.94, "140827": 1.06, "140828": 0.90, "140829": 0.92,
    "140830": 0.95, "140881": 1.00, "140882": 1.12,
}
# overall work quality, -1 … +1 (a persistent difference between offices)
_QUALITY = {
    "140800": 0.10, "140802": 0.35, "140821": -0.45, "140822": 0.15, "140823": -0.25,
    "140824": 0.55, "140825": 0.40, "140826": 0.05, "140827": -0.60, "140828": -0.30,
    "140829": -0.50, "140830": -0.05, "140881": 0.70, "140882": 0.20,
}


def county_share(code: str) -> float:
    """The share of the county offices' case volume that falls to a county."""
    total = sum(UNIT_BY_CODE[c].population * _VOLUME[c] for c in COUNTY_CODES)
    return UNIT_BY_CODE[code].population * _VOLUME[code] / total


def quality(code: str, metric: str) -> float:
    """How good an office is at one thing: its overall quality plus a fixed per-metric twist."""
    twist = 2.0 * stable_unit_interval("quality", code, metric) - 1.0
    return max(-1.0, min(1.0, _QUALITY[code] + 0.35 * twist))


# ---- export formats ------------------------------------------------------------------------
CSV_UTF8 = "csv-utf8"
CSV_BOM = "csv-utf8-bom"
CSV_GB = "csv-gb18030"
XLSX = "xlsx"
FORMATS = (CSV_UTF8, CSV_BOM, CSV_GB, XLSX)

DATE_STYLES = ("iso", "slash", "cn", "compact")          # 2023-05-06, 2023/5/6, 2023年5月6日, 20230506
DATETIME_STYLES = ("iso", "slash")                      # 2023-05-06 14:03:00, 2023/5/6 14:03
MONTH_STYLES = ("iso", "cn", "compact")                 # 2023-05, 2023年5月, 202305

# How each office exports each source, in unit order
#   140800 140802 140821 140822 140823 140824 140825 140826 140827 140828 140829 140830 140881 140882
# U = CSV UTF-8, B = CSV UTF-8 with BOM, G = CSV GB18030, X = XLSX, T = XLSX with a title row.
# Row-heavy exports are mostly CSV; the registers are Excel files at most offices.
_FORMAT_TABLE = {
    "arrest":      "X U G B U G B U B B G U B G",
    "prosecution": "G U B G U B G U B G U B G U",
    "nc_person":   "B U G U B G X U B G U B U G",
    "nc_event":    "B U U B U B U B U B U U B U",
    "plea":        "U B G X U B G U B U G B U G",
    "juvenile":    "X U G B G U B B U G U U X U",
    "clue":        "T T X B X T G X T X B X T G",
    "suggestion":  "T B X T X G T X X T B X T X",
    "registry":    "T T T T T T T T T T T T T T",
    "collection":  "X X X X X X X X X X X X X X",
    "model_record": "X U X B X G U X B U G X U B",
    "sup_case":    "U B G U X B U G X B U G B X",
}
_LETTER = {"U": CSV_UTF8, "B": CSV_BOM, "G": CSV_GB, "X": XLSX, "T": XLSX}


@dataclass(frozen=True)
class ExportStyle:
    format: str
    date_style: str        # for text dates; "excel" = real Excel date cells (XLSX only)
    excel_date_format: str  # the number format of real date cells
    datetime_style: str
    month_style: str
    title_row: bool        # a title line above the header (registers in XLSX)

    @property
    def suffix(self) -> str:
        return ".xlsx" if self.format == XLSX else ".csv"

    @property
    def encoding(self) -> str:
        return {CSV_UTF8: "utf-8", CSV_BOM: "utf-8-sig", CSV_GB: "gb18030"}.get(self.format, "")


def export_style(unit: str, source: str) -> ExportStyle:
    """How `unit` exports `source` — fixed for the office (independent of the seed)."""
    letter = _FORMAT_TABLE[source].split()[UNIT_CODES.index(unit)]
    fmt = _LETTER[letter]
    date_style = DATE_STYLES[int(stable_unit_interval("date", unit, source) * len(DATE_STYLES))]
    if fmt == XLSX and stable_unit_interval("excel-date", unit, source) < 0.5:
        date_style = "excel"
    excel_fmt = "yyyy-mm-dd" if stable_unit_interval("excel-fmt", unit, source) < 0.6 else "yyyy/m/d"
    dt_style = DATETIME_STYLES[int(stable_unit_interval("datetime", unit, source) * len(DATETIME_STYLES))]
    month_style = MONTH_STYLES[int(stable_unit_interval("month", unit, source) * len(MONTH_STYLES))]
    return ExportStyle(fmt, date_style, excel_fmt, dt_style, month_style, letter == "T")
