"""Reading spreadsheets in a separate process with memory and time limits.

A spreadsheet is parsed by native code (calamine, in Rust) that allocates the sheet's whole
rectangle up front and aborts the process when the allocation fails: a 5 KB XLSX with one cell
written at XFD1048576 asks for 512 GB and takes down whatever process reads it — the web
server during an upload, or every `python -m etl run`. So no process of ours parses an
untrusted workbook itself; a worker does:

- the worker is a plain `python -c` child (not multiprocessing: its spawn/forkserver start
  would re-import the app's main module), importing only the standard library and
  python_calamine, with `RLIMIT_AS` (address space) set before it reads anything;
- before parsing, it checks the sheet's dimensions from the XML (the `<dimension>` element
  and the row/cell references, streamed): a used range beyond `MAX_CELLS` cells or
  `MAX_COLUMNS` columns is refused without being parsed;
- the parent waits at most `TIMEOUT` seconds for an answer, then kills the worker;
- a worker that dies (an abort, the kernel's OOM killer, a timeout) fails that one file with
  a reason a clerk understands; the next file gets a fresh worker.

One worker serves a whole load (the demo's 298 workbooks cost one start-up, ~50 ms); it is
shared by the threads of the web server under a lock and ends when its parent does.
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import pickle
import re
import select
import struct
import subprocess
import sys
import threading
import time
import zipfile

log = logging.getLogger(__name__)

MEMORY_LIMIT = int(os.environ.get("ETL_READER_MEMORY_MB", "2048")) * 1024 * 1024  # the worker's address space
TIMEOUT = float(os.environ.get("ETL_READER_TIMEOUT", "120"))                      # seconds per file
MAX_CELLS = int(os.environ.get("ETL_READER_MAX_CELLS", "20000000"))  # rows x columns of the used range
MAX_COLUMNS = int(os.environ.get("ETL_READER_MAX_COLUMNS", "1000"))   # (an export has ~15 columns)

_HEAD = struct.Struct("!Q")


class SheetError(Exception):
    """The workbook cannot be read; the message is for a data clerk (Chinese)."""


# --------------------------------------------------------------------------- in the worker

def cell_text(v) -> str:
    """A cell's value as the text a clerk sees (whole numbers without '.0', dates ISO)."""
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S") if (v.hour or v.minute or v.second) else v.strftime("%Y-%m-%d")
    if isinstance(v, dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, dt.time):
        return v.strftime("%H:%M:%S")
    return str(v)


_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,4})(\d{1,10})["']""")
_DIMENSION = re.compile(rb"""<(?:\w+:)?dimension\b[^>]*\bref\s*=\s*["']([^"']*)["']""")
_SHEET = re.compile(rb"""<(?:\w+:)?sheet\b[^>]*?\br:id\s*=\s*["']([^"']+)["']""")
_REL = re.compile(rb"""<Relationship\b[^>]*>""")
_ATTR = re.compile(rb"""\b(Id|Target)\s*=\s*["']([^"']+)["']""")
_CELLREF = re.compile(r"^\$?([A-Za-z]{1,4})\$?(\d{1,10})$")


def _col_number(letters: bytes | str) -> int:
    n = 0
    for ch in letters.upper() if isinstance(letters, str) else letters.decode().upper():
        n = n * 26 + ord(ch) - 64
    return n


def _first_sheet(zf: zipfile.ZipFile) -> str | None:
    """The member holding the workbook's first sheet (the one the reader reads)."""
    names = set(zf.namelist())
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        book = rels = b""
    m = _SHEET.search(book)
    if m:
        for rel in _REL.findall(rels):
            attrs = dict(_ATTR.findall(rel))
            if attrs.get(b"Id") == m.group(1) and b"Target" in attrs:
                target = attrs[b"Target"].decode("utf-8", "replace").lstrip("/")
                path = target if target.startswith("xl/") else "xl/" + target
                if path in names:
                    return path
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else None


def _span(lo, hi) -> int:
    return 0 if lo is None else hi - lo + 1


def check_dimensions(data: bytes) -> None:
    """Refuse an XLSX whose first sheet's used range is too large, before parsing it: from the
    `<dimension>` element and every row and cell reference (the XML is streamed)."""
    import io
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # not a ZIP (an XLS): the parser decides, under the memory limit
    with zf:
        member = _first_sheet(zf)
        if member is None:
            return
        rows = [None, 0]
        cols = [None, 0]

        def seen(letters, numbers) -> None:
            nums = [int(n) for n in numbers] if len(numbers) < 8 else list(map(int, numbers))
            rows[0] = min(nums) if rows[0] is None else min(rows[0], min(nums))
            rows[1] = max(rows[1], max(nums))
            found = [_col_number(x) for x in set(letters) if x]
            if found:
                cols[0] = min(found) if cols[0] is None else min(cols[0], min(found))
                cols[1] = max(cols[1], max(found))

        tail = b""
        first = True
        with zf.open(member) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                buf = tail + chunk
                if first:
                    first = False
                    m = _DIMENSION.search(buf[:65536])
                    if m:
                        for part in m.group(1).decode("ascii", "replace").split(":"):
                            ref = _CELLREF.match(part.strip())
                            if ref:
                                seen([ref.group(1).encode()], [ref.group(2)])
                refs = _REF.findall(buf)   # overlapping tails only repeat a reference
                if refs:
                    seen(*zip(*refs))
                tail = buf[-128:]  # a reference may straddle two chunks
        n_rows, n_cols = _span(*rows), max(1, _span(*cols))
        if n_cols > MAX_COLUMNS or n_rows * n_cols > MAX_CELLS:
            last = f"{_col_letters(cols[1])}{rows[1]}" if cols[1] else f"第{rows[1]}行"
            raise SheetError(
                f"工作表的使用范围过大（延伸到单元格 {last}，约 {n_rows:,} 行 × {n_cols:,} 列），远超导出表的正常大小，"
                "可能在远处的单元格中留有内容或格式；请只复制数据区域到新的工作簿后重新报送")


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def read_rows(data: bytes, nrows: int | None = None) -> tuple[int, list[list[str]]]:
    """(0-based sheet row of the first returned row, the first sheet's rows as cell texts)."""
    from python_calamine import CalamineWorkbook
    import io
    check_dimensions(data)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        start = (sheet.start or (0, 0))[0]
        values = sheet.to_python(nrows=nrows) if nrows else sheet.to_python()
    except MemoryError:
        raise
    except Exception as err:  # calamine raises its own error types for broken workbooks
        log.info("calamine: %s", err)
        raise SheetError("Excel 文件无法打开（文件损坏或不是 xlsx/xls 格式），请从业务系统重新导出") from None
    return start, [[cell_text(v) for v in row] for row in values]


def _read_exact(fh, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        part = fh.read(n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


def serve() -> None:
    """The worker's loop: a request (data, nrows) in, ("ok", start, rows) | ("error", message) out."""
    import resource
    import python_calamine  # noqa: F401 - loaded before the limit is set
    if MEMORY_LIMIT > 0:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = _read_exact(stdin, _HEAD.size)
        if head is None:
            return
        body = _read_exact(stdin, _HEAD.unpack(head)[0])
        if body is None:
            return
        data, nrows = pickle.loads(body)
        try:
            answer = ("ok", *read_rows(data, nrows))
        except SheetError as err:
            answer = ("error", str(err))
        except MemoryError:
            answer = ("memory", "")
        except Exception:  # noqa: BLE001 - the ZIP or XML itself is broken in a way nobody foresaw
            answer = ("error", "Excel 文件无法打开（文件损坏或结构异常），请从业务系统重新导出")
        del data, body
        out = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEAD.pack(len(out)) + out)
        stdout.flush()


# --------------------------------------------------------------------------- in the parent

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_BOOT = f"import sys; sys.path.insert(0, {_ROOT!r}); from etl.sandbox import serve; serve()"

MEMORY_REASON = ("读取该 Excel 文件所需的内存超过上限，文件可能在远处的单元格中留有内容或格式，或被人为构造；"
                 "请只复制数据区域到新的工作簿后重新报送")
TIMEOUT_REASON = "读取该 Excel 文件超时（超过 {s:.0f} 秒），文件过大或结构异常；请按月份拆分或重新导出后报送"
CRASH_REASON = "读取该 Excel 文件时读取程序异常退出，文件可能已损坏或被人为构造；请从业务系统重新导出后报送"


class _Worker:
    def __init__(self):
        env = dict(os.environ, RUST_BACKTRACE="0", PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen([sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, close_fds=True)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for fh in (self.proc.stdin, self.proc.stdout):
            try:
                fh.close()
            except OSError:
                pass

    def ask(self, data: bytes, nrows: int | None, timeout: float):
        req = pickle.dumps((data, nrows), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.proc.stdin.write(_HEAD.pack(len(req)) + req)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        need = _HEAD.size
        got_head = False
        while True:
            while len(buf) < need:
                left = deadline - time.monotonic()
                if left <= 0:
                    return "timeout"
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    return "timeout"
                part = os.read(fd, max(need - len(buf), 1 << 16))
                if not part:
                    return None  # the worker died
                buf += part
            if got_head:
                return pickle.loads(bytes(buf[_HEAD.size:need]))
            need = _HEAD.size + _HEAD.unpack(bytes(buf[:_HEAD.size]))[0]
            got_head = True


_lock = threading.Lock()
_worker: _Worker | None = None


def _stop() -> None:
    global _worker
    if _worker is not None:
        _worker.kill()
        _worker = None


atexit.register(_stop)


def read_sheet(data: bytes, nrows: int | None = None) -> tuple[int, list[list[str]]]:
    """The first sheet's rows (cell texts) and the 0-based row of the first one, read by the
    worker. Raises SheetError with a clerk's reason when the file cannot be read safely."""
    global _worker
    with _lock:
        if _worker is None or not _worker.alive():
            _worker = _Worker()
        answer = _worker.ask(data, nrows, TIMEOUT)
        if answer is None or answer == "timeout":
            try:
                code = None if answer == "timeout" else _worker.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            _stop()
            if answer == "timeout":
                log.warning("spreadsheet reader timed out after %.0f s", TIMEOUT)
                raise SheetError(TIMEOUT_REASON.format(s=TIMEOUT))
            log.warning("spreadsheet reader died (exit code %s)", code)
            raise SheetError(MEMORY_REASON if code in (-6, -9, 134, 137) else CRASH_REASON)
    if answer[0] == "ok":
        return answer[1], answer[2]
    if answer[0] == "memory":
        raise SheetError(MEMORY_REASON)
    raise SheetError(answer[1])
