"""Reading one export file: format and encoding detection, the header row, the source.

The result is the file's rows as string columns (one per contract column, internal names)
with the physical line number of every row, or a reason the file cannot be read at all.
Nothing is validated here beyond "is this a row of the table". Most exports are small
files, and a DataFrame per file costs more than the file: well-formed CSV bodies are parsed
together, one pyarrow call per layout; the rest come back as plain lists.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES, Source
from etl import sandbox

SUPPORTED = (".csv", ".xlsx", ".xls")
HEADER_SCAN_ROWS = 10
# A CSV line longer than this is not a row of an export (the longest contract row is a few KB):
# the file fails as a whole, with its line number, instead of stalling the parsers.
MAX_LINE_BYTES = 1 << 20
csv.field_size_limit(MAX_LINE_BYTES)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """The lines of a CSV text as a text editor numbers them (CRLF, LF or CR); unlike
    str.splitlines, form feeds, U+2028 and the like inside a field do not start a line."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def first_lines(text: str, n: int) -> list[str]:
    """The first `n` of `physical_lines(text)`, without splitting the rest of the text."""
    lines = _LINE_BREAK.split(text, maxsplit=n)
    if len(lines) > n:
        return lines[:n]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


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
    """One file's rows, column by column (plain lists: cheap for the thousands of small files
    a load reads; `etl.run` turns them into one frame per source)."""
    source: Source
    columns: dict[str, list[str]]    # internal name -> values ('' = empty), every contract column
    line_no: list[int]               # physical line (CSV) or sheet row (XLSX) of each row
    raw: list[str]                   # raw text of each row
    shape: list[int]                 # SHAPE_* of each row
    missing_columns: list[str] = field(default_factory=list)  # required headers not found
    extra_columns: list[str] = field(default_factory=list)    # headers the contract lacks
    encoding: str = ""
    truncated: bool = False

    def __len__(self) -> int:
        return len(self.line_no)


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


decode = _decode


def identify(headers: list[str]) -> tuple[Source | None, int]:
    """The contract these headers belong to, and how many of its columns were found."""
    normed = [norm_header(h) for h in headers]
    best, best_score, best_found = None, 0.0, 0
    for src in SOURCES:
        index = _HEADER_INDEX[src.id]
        found = sum(1 for h in normed if h in index)
        unknown = sum(1 for h in normed if h and h not in index)
        score = found - 0.5 * unknown
        if score > best_score:
            best, best_score, best_found = src, score, found
    # enough of its columns: half of them, or all its required ones (an older export of a
    # contract that has since gained optional columns)
    if best is None or best_found < max(2, min(len(best.columns) // 2, sum(c.required for c in best.columns))):
        return None, 0
    return best, best_found


_IDENTIFIED: dict[tuple[str, ...], tuple[Source | None, int]] = {}


def _header_row(rows: list[list[str]]) -> tuple[int, Source]:
    best = (-1, None, 0)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cells = tuple(c for c in row if c)
        if cells not in _IDENTIFIED:  # the same few header rows recur in thousands of files
            _IDENTIFIED[cells] = identify(list(cells))
        src, found = _IDENTIFIED[cells]
        if src is not None and found > best[2]:
            best = (i, src, found)
            if found == len(cells):  # every cell is a column of this contract: the header
                break
    if best[1] is None:
        raise Unreadable("无法识别的文件：前10行中找不到与任何数据接口相符的表头，请核对是否为规定的导出表")
    return best[0], best[1]


def _map_columns(source: Source, headers: list[str]) -> tuple[dict[str, int], list[str], list[str]]:
    index = _HEADER_INDEX[source.id]
    positions, extra = {}, []
    for pos, h in enumerate(headers):
        name = index.get(norm_header(h))
        if name and name not in positions:
            positions[name] = pos
        elif norm_header(h):
            extra.append(str(h).strip())
    missing = [c.header for c in source.columns if c.required and c.name not in positions]
    return positions, missing, extra


@functools.lru_cache(maxsize=512)
def _layout(source_id: str, headers: tuple[str, ...]) -> tuple[dict[str, int], list[str], list[str]]:
    """`_map_columns` of a header row seen before (thousands of files share a few): do not
    change what it returns."""
    return _map_columns(SOURCE_BY_ID[source_id], list(headers))


def _table(source, headers, rows: list[list[str]], line_no, raw, **kw) -> Table:
    """Rows (lists of strings) → a Table of the contract's columns."""
    width = len(headers)
    shape = [SHAPE_OK if len(r) == width else SHAPE_SHORT if len(r) < width else SHAPE_LONG for r in rows]
    if any(shape):
        rows = [(r + [""] * width)[:width] for r in rows]
    positions, missing, extra = _map_columns(source, headers)
    transposed = list(zip(*rows)) if rows else [()] * width
    columns = {c.name: list(transposed[positions[c.name]]) if c.name in positions else [""] * len(rows)
               for c in source.columns}
    return Table(source, columns, list(line_no), raw, shape, missing, extra, **kw)


@dataclass
class CsvBody:
    """A well-formed CSV file's body, parsed later together with every other file of the same
    layout in one pyarrow call (thousands of small files cost one parse, not thousands)."""
    source: Source
    headers: tuple[str, ...]
    data: bytes              # the lines after the header, UTF-8, each ending in a newline
    first_line: int          # physical line number of the first body line
    n_rows: int
    encoding: str
    extra_columns: list[str]


def _body_start(text: str, n_lines: int) -> int:
    """Index in `text` just after its first `n_lines` lines."""
    pos = 0
    for _ in range(n_lines):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return pos


def read_csv(data: bytes, defer: bool = False) -> Table | CsvBody:
    """The file's rows; with `defer`, a well-formed file comes back as a CsvBody instead."""
    text, encoding, truncated = _decode(data)
    if not text.strip():
        raise Unreadable("文件为空：没有表头，也没有数据行")
    _check_line_lengths(data)
    head_lines = first_lines(text[:65536], HEADER_SCAN_ROWS)
    try:
        head = list(csv.reader(head_lines))
    except csv.Error:
        raise Unreadable("文件开头的表头行无法按 CSV 格式解析（引号不成对或含有异常字符），请从业务系统重新导出") from None
    hdr, source = _header_row(head)
    headers = head[hdr]
    if defer and not truncated:
        start = _body_start(text, hdr + 1)
        if encoding == "gb18030":
            body = text[start:].encode("utf-8")
        else:  # the file's own bytes: no second encoding of the text
            body = data[len(text[:start].encode("utf-8")) + (3 if encoding == "utf-8-sig" else 0):]
        _, missing, extra = _layout(source.id, tuple(headers))
        if body and not missing and body[:1] not in b"\n \t" and b'"' not in body and b"\r" not in body \
                and b"\n\n" not in body:
            if not body.endswith(b"\n"):
                body += b"\n"
            return CsvBody(source, tuple(headers), body, hdr + 2, body.count(b"\n"), encoding, extra)
    lines = physical_lines(text)
    body = lines[hdr + 1:]
    try:
        rows = list(csv.reader(body))
    except csv.Error as err:
        raise Unreadable(f"文件无法按 CSV 格式解析（{_csv_error_text(err)}），请从业务系统重新导出") from None
    if len(rows) == len(body):  # one row per line (no quoted line breaks)
        keep = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
        if len(keep) == len(rows):
            line_no, raw = range(hdr + 2, hdr + 2 + len(rows)), body
        else:
            rows = [rows[i] for i in keep]
            line_no, raw = [hdr + 2 + i for i in keep], [body[i] for i in keep]
    else:
        rows, line_no, raw = _rows_with_line_breaks(body, hdr)
    return _table(source, headers, rows, line_no, raw, encoding=encoding, truncated=truncated)


STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' "str" dtype
# The system allocator hands freed Arrow buffers back to the OS; the default pool keeps them,
# which nearly doubled the load's peak memory.
pa.set_memory_pool(pa.system_memory_pool())


def parse_bodies(bodies: list[tuple[str, CsvBody]]) -> pd.DataFrame | None:
    """Parse the bodies (file name, body) of files sharing one header in a single pyarrow call:
    the contract's columns plus file_name and line_no. None if any row has the wrong number of
    fields — the caller then reads those files one by one, where each bad row gets its line."""
    source, headers = bodies[0][1].source, bodies[0][1].headers
    names = [f"c{i}" for i in range(len(headers))]
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    table = pacsv.read_csv(
        pa.BufferReader(b"".join(b.data for _, b in bodies)),
        read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=1 << 24),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
        # large_string is what pandas' "str" dtype stores: the columns become pandas without a copy
        convert_options=pacsv.ConvertOptions(column_types={n: pa.large_string() for n in names},
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    if invalid or table.num_rows != sum(b.n_rows for _, b in bodies):
        return None
    positions, _, _ = _layout(source.id, tuple(headers))
    to_str = {pa.string(): STR, pa.large_string(): STR}.get
    frame = pd.DataFrame({c.name: table.column(positions[c.name]).to_pandas(types_mapper=to_str)
                          if c.name in positions else pd.Series([""] * table.num_rows, dtype=STR)
                          for c in source.columns})
    counts = [b.n_rows for _, b in bodies]
    frame["file_name"] = pd.Categorical.from_codes(np.repeat(np.arange(len(bodies)), counts),
                                                   categories=[n for n, _ in bodies])
    frame["line_no"] = np.concatenate([np.arange(b.first_line, b.first_line + b.n_rows) for _, b in bodies])
    return frame


def _check_line_lengths(data: bytes) -> None:
    """Unreadable if a line is longer than MAX_LINE_BYTES (a multi-megabyte "row" stalls the
    parsers and, beyond 16 MB, breaks pyarrow's block reader for every file of the load)."""
    if len(data) <= MAX_LINE_BYTES:
        return
    raw = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero((raw == 10) | (raw == 13))
    edges = np.concatenate(([-1], breaks, [len(data)]))
    lengths = np.diff(edges) - 1
    longest = int(lengths.argmax())
    if lengths[longest] > MAX_LINE_BYTES:
        raise Unreadable(f"第{longest + 1}行长度超过 {MAX_LINE_BYTES // (1 << 20)} MB（约 {lengths[longest] / (1 << 20):.0f} MB），"
                         "不是业务系统导出的正常数据行，整份文件未导入；请核对文件后重新导出")


def _csv_error_text(err: csv.Error) -> str:
    if "field larger than field limit" in str(err):
        return f"有字段长度超过 {MAX_LINE_BYTES // (1 << 20)} MB"
    return "引号不成对或含有异常字符"


def _rows_with_line_breaks(body: list[str], hdr: int):
    rows, line_no, raw = [], [], []
    reader = csv.reader(body)
    start = 0
    for row in reader:
        end = reader.line_num
        if any(c.strip() for c in row):
            rows.append(row)
            line_no.append(hdr + 2 + start)
            raw.append("\n".join(body[start:end]))
        start = end
    return rows, line_no, raw


_cell = sandbox.cell_text


def sheet_rows(data: bytes, nrows: int | None = None) -> tuple[int, list[list[str]]]:
    """(0-based sheet row of the first row, the first sheet's rows as cell texts), read by a
    worker process with memory and time limits (etl.sandbox)."""
    try:
        return sandbox.read_sheet(data, nrows)
    except sandbox.SheetError as err:
        raise Unreadable(str(err)) from None


def read_xlsx(data: bytes) -> Table:
    start, cells = sheet_rows(data)
    if not any(any(c.strip() for c in row) for row in cells):
        raise Unreadable("文件为空：工作表中没有表头，也没有数据行")
    hdr, source = _header_row(cells[:HEADER_SCAN_ROWS])
    headers = cells[hdr]
    while headers and not headers[-1].strip():
        headers = headers[:-1]
    rows, line_no, raw = [], [], []
    # the sheet's rows begin at its first used row; Excel numbers rows from 1
    for i, row in enumerate(cells[hdr + 1:], start=start + hdr + 2):
        if any(c.strip() for c in row):
            while len(row) > len(headers) and not row[-1].strip():
                row = row[:-1]
            rows.append(row)
            line_no.append(i)
            raw.append(",".join(row))
    return _table(source, headers, rows, line_no, raw, encoding="xlsx")


def raw_rows(path: Path) -> dict[int, str]:
    """Line number -> raw text of a file's rows, for showing a rejected row as it came (a
    workbook's rows as `read_xlsx` joins them, read by the sandboxed worker)."""
    data = path.read_bytes()
    if is_workbook(path, data):
        try:
            table = read_file(path, data)
        except Unreadable:
            return {}
        return dict(zip(table.line_no, table.raw))
    return dict(enumerate(physical_lines(_decode(data)[0]), start=1))


def is_workbook(path: Path, data: bytes) -> bool:
    """Whether the file is read as a spreadsheet (by its name or its first bytes)."""
    return (path.suffix.lower() in (".xlsx", ".xls") or data[:4] == b"PK\x03\x04"
            or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def read_file(path: Path, data: bytes | None = None, defer: bool = False) -> Table | CsvBody:
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise Unreadable("文件为空（0 字节）：没有表头，也没有数据行")
    suffix = path.suffix.lower()
    if is_workbook(path, data):
        return read_xlsx(data)
    if suffix == ".csv":
        return read_csv(data, defer)
    raise Unreadable(f"不支持的文件类型「{suffix or '无扩展名'}」：只接受 CSV、XLSX 和 XLS 导出文件")
