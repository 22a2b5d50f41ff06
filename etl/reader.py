"""Reading one export file: format and encoding detection, the header row, the source.

The result is a frame of strings (one column per recognised contract column, internal
names) with the physical line number of every row, or a reason the file cannot be read
at all. Nothing is validated here beyond "is this a row of the table".
"""
from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.contracts import SOURCES, Source

SUPPORTED = (".csv", ".xlsx", ".xls")
HEADER_SCAN_ROWS = 10


class Unreadable(Exception):
    """The file as a whole cannot be read; the message is for a data clerk."""


def norm_header(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "")
    return "".join(s.split())


# normalised header -> (source id, internal column name)
_HEADER_INDEX: dict[str, dict[str, str]] = {}
for _src in SOURCES:
    index = {}
    for _col in _src.columns:
        for h in (_col.header, *_col.aliases):
            index[norm_header(h)] = _col.name
    _HEADER_INDEX[_src.id] = index


SHAPE_OK, SHAPE_SHORT, SHAPE_LONG = 0, 1, 2  # a row has as many fields as the header, fewer, more


@dataclass
class Table:
    source: Source
    frame: pd.DataFrame              # internal column names, str values ('' = empty)
    line_no: np.ndarray              # physical line (CSV) or sheet row (XLSX) of each row
    raw: list[str]                   # raw text of each row, same order
    shape: np.ndarray                # SHAPE_* of each row
    missing_columns: list[str] = field(default_factory=list)  # required headers not found
    extra_columns: list[str] = field(default_factory=list)    # headers the contract lacks
    encoding: str = ""
    truncated: bool = False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _decode(data: bytes) -> tuple[str, str, bool]:
    """Text, encoding name, and whether the bytes were cut off inside a character."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for enc in candidates:
        try:
            return data.decode(enc), enc, False
        except UnicodeDecodeError as err:
            # Cut off in the middle of a multi-byte character: keep what came before.
            if err.reason.startswith("unexpected end") or err.start >= len(data) - 3:
                try:
                    return data[: err.start].decode(enc), enc, True
                except UnicodeDecodeError:
                    pass
    raise Unreadable("无法识别文件编码：既不是 UTF-8 也不是 GB18030，请以 UTF-8 或 GB18030 编码另存后重新报送")


def identify(headers: list[str], file_name: str = "") -> tuple[Source | None, int]:
    """The contract these headers belong to, and how many of its columns were found."""
    normed = [norm_header(h) for h in headers]
    best, best_score, best_found = None, 0.0, 0
    for src in SOURCES:
        index = _HEADER_INDEX[src.id]
        found = sum(1 for h in normed if h in index)
        unknown = sum(1 for h in normed if h and h not in index)
        score = found - 0.5 * unknown + (0.25 if src.name in file_name else 0)
        if score > best_score:
            best, best_score, best_found = src, score, found
    if best is None or best_found < max(2, len(best.columns) // 2):
        return None, 0
    return best, best_found


def _header_row(rows: list[list[str]], file_name: str) -> tuple[int, Source]:
    best = (-1, None, 0)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        src, found = identify([c for c in row if c], file_name)
        if src is not None and found > best[2]:
            best = (i, src, found)
    if best[1] is None:
        raise Unreadable("无法识别的文件：前10行中找不到与任何数据接口相符的表头，请核对是否为规定的导出表")
    return best[0], best[1]


def _map_columns(source: Source, headers: list[str]) -> tuple[dict[int, str], list[str], list[str]]:
    index = _HEADER_INDEX[source.id]
    mapping, extra, seen = {}, [], set()
    for pos, h in enumerate(headers):
        name = index.get(norm_header(h))
        if name and name not in seen:
            mapping[pos] = name
            seen.add(name)
        elif norm_header(h):
            extra.append(str(h).strip())
    missing = [c.header for c in source.columns if c.required and c.name not in seen]
    return mapping, missing, extra


def _finish(source, headers, body: pd.DataFrame, line_no, raw, shape, **kw) -> Table:
    mapping, missing, extra = _map_columns(source, headers)
    frame = pd.DataFrame({name: body.iloc[:, pos] for pos, name in mapping.items()})
    for col in source.columns:
        if col.name not in frame:
            frame[col.name] = ""
    frame = frame[[c.name for c in source.columns]].reset_index(drop=True)
    return Table(source, frame, np.asarray(line_no, dtype=np.int64), raw, np.asarray(shape, dtype=np.int8),
                 missing, extra, **kw)


def read_csv(data: bytes, file_name: str) -> Table:
    text, encoding, truncated = _decode(data)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise Unreadable("文件为空：没有表头，也没有数据行")
    head = list(csv.reader(lines[:HEADER_SCAN_ROWS]))
    hdr, source = _header_row(head, file_name)
    headers = head[hdr]
    width = len(headers)
    raw_lines = lines[hdr + 1:]
    try:
        body = pd.read_csv(io.StringIO(text), skiprows=hdr + 1, header=None, dtype=str,
                           keep_default_na=False, skip_blank_lines=False, engine="c")
        if body.shape[1] > width or len(body) != len(raw_lines):
            raise ValueError("a row wider than the header, or a quoted line break")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return _finish(source, headers, *_read_csv_rows(text, hdr, width), encoding=encoding, truncated=truncated)
    for pos in range(body.shape[1], width):
        body[pos] = ""
    # pandas pads a short row with empty strings; a line with fewer separators than the
    # header is short (quoted commas can only add separators, never hide a missing field)
    raw_series = pd.Series(raw_lines, dtype="str")
    blank = (raw_series.str.strip() == "").to_numpy()
    shape = np.where((raw_series.str.count(",") < width - 1).to_numpy() & ~blank, SHAPE_SHORT, SHAPE_OK)
    keep = ~blank
    line_no = np.arange(hdr + 2, hdr + 2 + len(body))[keep]
    raw = raw_lines if keep.all() else [raw_lines[i] for i in np.flatnonzero(keep)]
    body = body[keep]
    return _finish(source, headers, body, line_no, raw, shape[keep], encoding=encoding, truncated=truncated)


def _read_csv_rows(text: str, hdr: int, width: int):
    """Row by row, for files pandas refuses (a row wider than the header, quoted newlines)."""
    rows, line_no, raw, shape = [], [], [], []
    lines = text.splitlines()
    reader = csv.reader(io.StringIO(text))
    for i, row in enumerate(reader):
        if i <= hdr or not any(c.strip() for c in row):
            continue
        end = reader.line_num
        line_no.append(end)
        raw.append(lines[end - 1] if end - 1 < len(lines) else "")
        shape.append(SHAPE_SHORT if len(row) < width else SHAPE_LONG if len(row) > width else SHAPE_OK)
        rows.append((row + [""] * width)[:width])
    body = pd.DataFrame(rows, columns=range(width), dtype=str)
    return body, line_no, raw, shape


def read_xlsx(data: bytes, file_name: str) -> Table:
    try:
        sheet = pd.read_excel(io.BytesIO(data), sheet_name=0, header=None, dtype=str, engine="calamine")
    except Exception as err:  # calamine raises its own error types for broken workbooks
        raise Unreadable(f"Excel 文件无法打开（文件损坏或不是 xlsx/xls 格式）：{err}") from None
    if sheet.empty:
        raise Unreadable("文件为空：工作表中没有表头，也没有数据行")
    sheet = sheet.fillna("")
    head = sheet.head(HEADER_SCAN_ROWS).astype(str).values.tolist()
    hdr, source = _header_row(head, file_name)
    headers = [str(h) for h in head[hdr]]
    body = sheet.iloc[hdr + 1:]
    blank = (body.astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
    body = body[~blank]
    line_no = body.index.to_numpy() + 1  # Excel rows are 1-based
    raw = [",".join(map(str, r)) for r in body.values.tolist()]
    shape = np.full(len(body), SHAPE_OK, dtype=np.int8)
    return _finish(source, headers, body.astype(str), line_no, raw, shape, encoding="xlsx")


def read_file(path: Path, data: bytes | None = None) -> Table:
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise Unreadable("文件为空（0 字节）：没有表头，也没有数据行")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls") or data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return read_xlsx(data, path.name)
    if suffix == ".csv":
        return read_csv(data, path.name)
    raise Unreadable(f"不支持的文件类型「{suffix or '无扩展名'}」：只接受 CSV、XLSX 和 XLS 导出文件")
