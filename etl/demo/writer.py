"""Write source tables as the files each office sends: CSV (UTF-8, UTF-8 with BOM, GB18030) or
XLSX, dates in the office's spelling, one file per source, unit and month.

    OUT/<YYYY-MM>/<unit code>_<unit full name>_<source name>_<YYYYMM>.<csv|xlsx>

Byte-reproducible: CSV lines end in "\\n" and XLSX files carry a fixed creation time.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xlsxwriter

from cockpit.metrics.units import UNIT_BY_CODE
from cockpit.metrics.contracts import Source
from etl.demo.profiles import ExportStyle, export_style
from etl.demo.timeline import DAY_SECONDS, FIRST_DAY, LAST_DAY, month_compact, month_last, to_date

_EXCEL_EPOCH = 25569  # Excel's serial number of 1970-01-01


class Spellings:
    """Lookup tables: day / time / month -> text in each spelling."""

    def __init__(self) -> None:
        dates = [to_date(d) for d in range(FIRST_DAY, LAST_DAY + 1)]
        self.date = {
            "iso": np.array([d.isoformat() for d in dates], dtype=object),
            "slash": np.array([f"{d.year}/{d.month}/{d.day}" for d in dates], dtype=object),
            "cn": np.array([f"{d.year}年{d.month}月{d.day}日" for d in dates], dtype=object),
            "compact": np.array([d.strftime("%Y%m%d") for d in dates], dtype=object),
        }
        two = np.array([f"{i:02d}" for i in range(60)], dtype=object)
        hh_mm = (two[:24, None] + ":" + two[None, :]).ravel()              # minute of the day
        self.time_m = np.repeat(hh_mm, 60)                                  # by second of the day
        self.time_s = (hh_mm[:, None] + ":" + two[None, :]).ravel()
        self.first_month = (to_date(FIRST_DAY).year - 1970) * 12
        months = range(self.first_month, (to_date(LAST_DAY).year - 1970) * 12 + 12)
        self.month = {
            "iso": np.array([f"{1970 + x // 12}-{x % 12 + 1:02d}" for x in months], dtype=object),
            "cn": np.array([f"{1970 + x // 12}年{x % 12 + 1}月" for x in months], dtype=object),
            "compact": np.array([month_compact(x) for x in months], dtype=object),
        }

    def dates(self, days: np.ndarray, style: str) -> np.ndarray:
        d = np.asarray(days, dtype="int64")
        out = self.date[style][np.clip(d - FIRST_DAY, 0, LAST_DAY - FIRST_DAY)]
        return np.where(d < 0, "", out).astype(object)

    def datetimes(self, secs: np.ndarray, style: str) -> np.ndarray:
        s = np.asarray(secs, dtype="int64")
        day, tod = s // DAY_SECONDS, s % DAY_SECONDS
        if style == "iso":
            out = self.dates(day, "iso") + " " + self.time_s[tod]
        else:
            out = self.dates(day, "slash") + " " + self.time_m[tod]
        return np.where(s < 0, "", out).astype(object)

    def months(self, mi: np.ndarray, style: str) -> np.ndarray:
        return self.month[style][np.asarray(mi, dtype="int64") - self.first_month]


def _ints(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype="int64")
    return np.array(["" if x < 0 else str(x) for x in v.tolist()], dtype=object)


def _flags(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v)
    return np.where(v == 1, "是", np.where(v == 0, "否", "")).astype(object)


def text_columns(source: Source, t: dict, sel: np.ndarray, style: ExportStyle, sp: Spellings) -> list[np.ndarray]:
    """Every column of `source` for rows `sel`, spelled as text."""
    out = []
    for c in source.columns:
        v = t[c.name][sel]
        if c.type == "date":
            out.append(sp.dates(v, style.date_style if style.date_style != "excel" else "iso"))
        elif c.type == "datetime":
            out.append(sp.datetimes(v, style.datetime_style))
        elif c.type == "month":
            out.append(sp.months(v, style.month_style))
        elif c.type == "int":
            out.append(_ints(v))
        elif c.type == "flag":
            out.append(_flags(v))
        else:
            out.append(np.asarray(v, dtype=object))
    return out


def csv_bytes(headers: list[str], cols: list[np.ndarray], encoding: str) -> bytes:
    n = len(cols[0]) if cols else 0
    head = ",".join(headers) + "\n"
    if n:
        line = cols[0]
        for c in cols[1:]:
            line = line + "," + c
        body = "\n".join(line.tolist()) + "\n"
    else:
        body = ""
    text = head + body
    if (text.count(",") != (n + 1) * (len(headers) - 1) or text.count("\n") != n + 1
            or '"' in text or "\r" in text):
        buf = io.StringIO()  # a field needs quoting: let the csv module do it
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(headers)
        wr.writerows(zip(*(c.tolist() for c in cols)))
        text = buf.getvalue()
    return text.encode(encoding)


@dataclass
class XlsxSheet:
    headers: list[str]
    kinds: list[str]          # "s" text, "n" number, "d" Excel date serial
    columns: list[list]       # Python values, None = empty
    title: str | None
    excel_date_format: str
    sheet_name: str
    created: dt.datetime


def xlsx_sheet(source: Source, t: dict, sel: np.ndarray, style: ExportStyle, sp: Spellings,
               title: str | None, created: dt.datetime) -> XlsxSheet:
    kinds, columns = [], []
    texts = None
    for j, c in enumerate(source.columns):
        v = t[c.name][sel]
        if c.type == "date" and style.date_style == "excel":
            d = np.asarray(v, dtype="int64")
            kinds.append("d")
            columns.append([None if x < 0 else x + _EXCEL_EPOCH for x in d.tolist()])
        elif c.type == "int":
            kinds.append("n")
            columns.append([None if x < 0 else x for x in np.asarray(v, dtype="int64").tolist()])
        else:
            if texts is None:
                texts = text_columns(source, t, sel, style, sp)
            kinds.append("s")
            columns.append([x if x != "" else None for x in texts[j].tolist()])
    return XlsxSheet([c.header for c in source.columns], kinds, columns, title, style.excel_date_format,
                     source.name, created)


def xlsx_write(path: Path, sh: XlsxSheet) -> None:
    wb = xlsxwriter.Workbook(str(path), {"in_memory": True})
    wb.set_properties({"created": sh.created, "author": "运城市人民检察院", "title": sh.sheet_name})
    ws = wb.add_worksheet(sh.sheet_name[:31])
    head_fmt = wb.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "align": "center"})
    date_fmt = wb.add_format({"num_format": sh.excel_date_format})
    ncol = len(sh.headers)
    for j, h in enumerate(sh.headers):
        width = 20 if "身份" in h else (36 if "摘要" in h or "名称" in h else max(10, 2 * len(h) + 2))
        ws.set_column(j, j, width, date_fmt if sh.kinds[j] == "d" else None)
    r = 0
    if sh.title:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, max(ncol - 1, 1), sh.title, title_fmt)
        r = 1
    for j, h in enumerate(sh.headers):
        ws.write_string(r, j, h, head_fmt)
    r += 1
    ws.freeze_panes(r, 0)
    write_s, write_n = ws.write_string, ws.write_number
    nrows = len(sh.columns[0]) if sh.columns else 0
    for i in range(nrows):
        row = r + i
        for j in range(ncol):
            x = sh.columns[j][i]
            if x is None:
                continue
            k = sh.kinds[j]
            if k == "s":
                write_s(row, j, x)
            elif k == "n":
                write_n(row, j, x)
            else:
                write_n(row, j, x, date_fmt)
    wb.close()


def file_name(unit: str, source: Source, mi: int, style: ExportStyle, part: int = 0) -> str:
    """The export's name; a second and later workbook of the same month end in _2, _3 …"""
    more = f"_{part + 1}" if part else ""
    return f"{unit}_{UNIT_BY_CODE[unit].name}_{source.name}_{month_compact(mi)}{more}{style.suffix}"


def title_for(unit: str, source: Source, mi: int, as_of_label: str | None = None) -> str:
    y, m = 1970 + mi // 12, mi % 12 + 1
    when = f"截至{as_of_label}" if as_of_label else f"{y}年{m}月"
    return f"{UNIT_BY_CODE[unit].name}{source.name}（{when}）"


def created_at(mi: int, as_of: int) -> dt.datetime:
    d = to_date(min(int(month_last(mi)), as_of))
    return dt.datetime(d.year, d.month, d.day, 18, 0, 0)


def plan(source: Source, t: dict, first_mi: int, last_mi: int):
    """Yield (unit, [(month, row indexes)]) for the rows in [first_mi, last_mi], in a fixed order."""
    if not t or len(t["_month"]) == 0:
        return
    m = np.asarray(t["_month"], dtype="int64")
    units = np.asarray(t["_unit"]).astype(str)
    in_range = np.flatnonzero((m >= first_mi) & (m <= last_mi))
    if len(in_range) == 0:
        return
    order = in_range[np.lexsort((in_range, m[in_range], units[in_range]))]
    u_sorted, m_sorted = units[order], m[order]
    for u in np.unique(u_sorted):
        a, b = np.searchsorted(u_sorted, u, "left"), np.searchsorted(u_sorted, u, "right")
        rows = order[a:b]
        ms = m_sorted[a:b]
        groups = []
        for mm in np.unique(ms):
            lo, hi = np.searchsorted(ms, mm, "left"), np.searchsorted(ms, mm, "right")
            groups.append((int(mm), rows[lo:hi]))
        yield str(u), groups


def _path(out: Path, unit: str, source: Source, mi: int, style: ExportStyle, part: int = 0) -> Path:
    return out / f"{1970 + mi // 12:04d}-{mi % 12 + 1:02d}" / file_name(unit, source, mi, style, part)


def xlsx_jobs(out: Path, source: Source, t: dict, unit: str, groups, sp: Spellings, as_of: int,
              title_override: str | None = None, part: int = 0) -> list[tuple[Path, XlsxSheet, int]]:
    """One unit's XLSX files of a source, ready to write: (path, sheet, rows) per file (`part`:
    a workbook added to the month's first one, see `file_name`)."""
    style = export_style(unit, source.id)
    jobs = []
    for mi, rows in groups:
        title = (title_override or title_for(unit, source, mi)) if style.title_row else None
        sheet = xlsx_sheet(source, t, rows, style, sp, title, created_at(mi, as_of))
        jobs.append((_path(out, unit, source, mi, style, part), sheet, len(rows)))
    return jobs


def write_xlsx_job(job: tuple[Path, XlsxSheet, int]) -> None:
    path, sheet, _ = job
    path.parent.mkdir(parents=True, exist_ok=True)
    xlsx_write(path, sheet)


def write_csv_unit(out: Path, source: Source, t: dict, unit: str, groups, sp: Spellings,
                   made: set | None = None, existing=frozenset()) -> list[tuple[Path, int]]:
    """Write one unit's CSV files of a source; returns (path, rows) per file. `made`: folders known
    to exist; `existing`: files written before by this run, whose rows these rows follow."""
    made = set() if made is None else made
    style = export_style(unit, source.id)
    all_rows = np.concatenate([r for _, r in groups])
    cols = text_columns(source, t, all_rows, style, sp)
    headers = [c.header for c in source.columns]
    written, pos = [], 0
    for mi, rows in groups:
        n = len(rows)
        data = csv_bytes(headers, [c[pos:pos + n] for c in cols], style.encoding)
        pos += n
        path = _path(out, unit, source, mi, style)
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        if path in existing:   # more rows of the same export: its lines after the header
            with path.open("ab") as fh:
                fh.write(data[data.index(b"\n") + 1:])
        else:
            path.write_bytes(data)
        written.append((path, n))
    return written
