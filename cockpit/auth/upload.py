"""Uploads of export files by an administrator: checks, storage in the landing folder, the ETL
run, and what the page shows afterwards (per-file results, rejected rows masked, the ledger).

Checks, in order (the first failure refuses the file with a Chinese message, nothing is stored):
- the name ends in .csv, .xlsx or .xls;
- the size is at most `upload_max_bytes` (50 MB) and the file is not empty;
- the content is what the name says (magic bytes): XLSX is a ZIP holding xl/workbook.xml (and
  not a ZIP bomb), XLS an OLE2 compound file, CSV text without NUL bytes and not another known
  binary format;
- the file is one of the exports: the ETL's reader finds a header row of a data contract
  (etl.reader) — a spreadsheet of something else is refused here, not loaded as "rejected".

Accepted files are stored as LANDING/uploads/<date>/<safe name> and the ETL runs over the
landing folder (the same names as `python -m etl run --landing LANDING` would use). The page runs
all this in the background (cockpit.auth.upload_jobs: a job per upload, its progress and result
in a status file), serialised with other loads by the ETL's own lock.
"""
from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy import Engine, select

from cockpit.metrics.records import mask_id, mask_name, mask_text
from etl import ingest as etl_ingest
from cockpit.metrics.contracts import SOURCE_BY_ID
from cockpit.metrics.schema import etl_file, etl_reject

ALLOWED_SUFFIXES = (".csv", ".xlsx", ".xls")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OTHER_BINARY = (b"%PDF", b"MZ", b"\x7fELF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"Rar!", b"7z\xbc\xaf",
                b"\x1f\x8b", ZIP_MAGIC, OLE2_MAGIC)
MAX_UNZIPPED = 1024 * 1024 * 1024   # an xlsx inflating beyond 1 GB is not an export
UPLOAD_DIR = "uploads"


_log = logging.getLogger(__name__)

LOAD_FAILED = ("导入失败，数据未发生任何变化；已上传的文件保存在服务器上，下次导入时会再次读取。"
               "技术细节已记入服务器日志，请联系系统管理员处理。")


class Refused(ValueError):
    """A file that is not accepted; the message is for the administrator (Chinese)."""


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


NAME_BYTES = 180   # a stored name's UTF-8 bytes: below the file system's 255 with room for store()'s suffix


def safe_name(name: str) -> str:
    """A file name safe to store: the last path component, NFC, no control or path characters,
    no leading dot (hidden files are ignored by the ETL), at most NAME_BYTES bytes in UTF-8 (file
    systems allow 255 bytes, 85 Chinese characters). A longer name is shortened keeping its
    extension, and gets a short hash of the whole name, so two long names that differ only at the
    end stay two files."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext.lower()[:10]
    stem = stem or "upload"
    suffix = f".{ext}" if ext else ""
    if len(stem.encode("utf-8")) + len(suffix) > NAME_BYTES:
        tag = "~" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
        room = NAME_BYTES - len(suffix) - len(tag)
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip() + tag
    return stem + suffix


def check_file(name: str, data: bytes, max_bytes: int) -> str:
    """The file's kind ("csv" | "xlsx" | "xls") or Refused."""
    suffix = Path(str(name or "").lower()).suffix
    if suffix not in ALLOWED_SUFFIXES:
        raise Refused(f"不接受「{suffix or '无扩展名'}」文件：只能上传业务系统导出的 CSV、XLSX 或 XLS 文件。")
    if len(data) > max_bytes:
        raise Refused(f"文件过大（{size_text(len(data))}）：单个文件不能超过 {size_text(max_bytes)}，请按月份拆分后上传。")
    if not data.strip():
        raise Refused("文件为空（0 字节）。")
    if suffix == ".xlsx":
        if not data.startswith(ZIP_MAGIC):
            raise Refused("文件内容不是 XLSX 格式（扩展名与内容不符），请从业务系统重新导出。")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                total = sum(i.file_size for i in zf.infolist())
        except zipfile.BadZipFile:
            raise Refused("XLSX 文件已损坏，无法打开。") from None
        if "xl/workbook.xml" not in names:
            raise Refused("文件不是 Excel 工作簿（ZIP 中没有 xl/workbook.xml）。")
        if total > MAX_UNZIPPED:
            raise Refused("XLSX 文件解压后过大，不像是业务系统的导出表。")
        kind = "xlsx"
    elif suffix == ".xls":
        if not data.startswith(OLE2_MAGIC):
            raise Refused("文件内容不是 XLS 格式（扩展名与内容不符），请从业务系统重新导出。")
        kind = "xls"
    else:
        head = data[:65536]
        if any(head.startswith(m) for m in OTHER_BINARY) or b"\x00" in head:
            raise Refused("文件内容不是文本格式的 CSV（可能是改了扩展名的其他文件）。")
        kind = "csv"
    try:
        etl_ingest.probe(f"upload{suffix}", data)
    except etl_ingest.Unreadable as err:
        raise Refused(f"不是规定的导出表：{err}") from None
    except Exception:  # noqa: BLE001 - any parser crash means "not an export we can read"
        raise Refused("文件无法解析，不是规定的导出表。") from None
    return kind


@dataclass
class Stored:
    original: str       # the name as uploaded (shown as text only)
    path: str           # relative to the landing folder (the ledger's file_name)
    size: int
    reused: bool = False


STORE_FAILED = "文件未能保存到服务器（技术细节已记入服务器日志），请稍后重试或联系系统管理员。"


def store(landing: Path, files: list[tuple[str, bytes]], now: datetime | None = None,
          refused: list[tuple[str, str]] | None = None) -> list[Stored]:
    """Write accepted files into LANDING/uploads/<date>/, atomically (a hidden temporary file,
    then a rename). A file with the same name and the same bytes is not written twice. A file
    that cannot be written is logged and, with `refused`, listed there; the others are stored."""
    now = now or datetime.now()
    folder = Path(landing) / UPLOAD_DIR / now.strftime("%Y-%m-%d")
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for original, data in files:
        try:
            out.append(_store_one(landing, folder, original, data, now))
        except OSError:
            if refused is None:
                raise
            _log.exception("storing upload %r failed", original)
            refused.append((original, STORE_FAILED))
    return out


def _store_one(landing: Path, folder: Path, original: str, data: bytes, now: datetime) -> Stored:
    name = safe_name(original)
    target = folder / name
    reused = False
    if target.exists():
        if target.read_bytes() == data:
            reused = True
        else:
            stem, suffix = target.stem, target.suffix
            i = 1
            while True:
                target = folder / f"{stem}_{now:%H%M%S}{'_' + str(i) if i > 1 else ''}{suffix}"
                if not target.exists():
                    break
                i += 1
    if not reused:
        fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
    return Stored(original, target.relative_to(landing).as_posix(), len(data), reused)


# --------------------------------------------------------------------------- results

@dataclass
class FileRow:
    name: str
    status: str                 # a STATUS_LABEL or a description
    source: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    note: str = ""
    uploaded: bool = True


@dataclass
class UploadResult:
    refused: list[tuple[str, str]] = field(default_factory=list)   # (original name, why)
    files: list[FileRow] = field(default_factory=list)
    run_id: int | None = None
    error: str | None = None
    seconds: float = 0.0


def ingest(engine: Engine, landing: Path, uploads: list[tuple[str, bytes]], max_bytes: int,
           max_files: int = 20, report=None) -> UploadResult:
    """Check, store and load uploaded files; the result per file. `report(phase, pos, total, name)`
    follows the work: phase "check" per uploaded file, "load" once the files are stored (the load
    may first wait for another writer's lock), "read" per new file of the landing folder
    the load reads, "stage" per data interface it validates and stores."""
    report = report or (lambda *_a: None)
    result = UploadResult()
    if len(uploads) > max_files:
        result.refused = [(n, f"一次最多上传 {max_files} 个文件") for n, _ in uploads]
        return result
    accepted = []
    for pos, (name, data) in enumerate(uploads):
        report("check", pos + 1, len(uploads), name)
        try:
            check_file(name, data, max_bytes)
            accepted.append((name, data))
        except Refused as why:
            result.refused.append((name, str(why)))
    if not accepted:
        return result
    stored = store(landing, accepted, refused=result.refused)
    if not stored:
        return result
    report("load", 0, len(stored), "")
    try:
        summary = etl_ingest.load(Path(landing), engine,
                                  on_file=lambda pos, total, name: report("read", pos, total, name),
                                  on_source=lambda pos, total, name: report("stage", pos, total, name))
    except Exception:  # noqa: BLE001 - the load failed as a whole (rolled back)
        # the technical detail (psycopg, pyarrow …, in English) is for the server's log only
        _log.exception("the load after an upload failed")
        result.error = LOAD_FAILED
        return result
    result.run_id, result.seconds = summary.run_id, summary.seconds
    by_name = {f.file_name: f for f in summary.files}
    source_name = {s: SOURCE_BY_ID[s].name for s in SOURCE_BY_ID}
    for st in stored:
        f = by_name.pop(st.path, None)
        if f is None:
            result.files.append(FileRow(st.path, "此前已导入（内容相同），未重复导入", note=st.original))
            continue
        result.files.append(FileRow(f.file_name, etl_ingest.STATUS_LABEL.get(f.status, f.status), source_name.get(f.source or "", ""),
                                    f.rows_read, f.rows_loaded, f.rows_rejected, mask_text("；".join(f.notes))))
    for f in by_name.values():   # other new files that were waiting in the landing folder
        result.files.append(FileRow(f.file_name, etl_ingest.STATUS_LABEL.get(f.status, f.status), source_name.get(f.source or "", ""),
                                    f.rows_read, f.rows_loaded, f.rows_rejected, mask_text("；".join(f.notes)),
                                    uploaded=False))
    return result


def ledger(engine: Engine, limit: int = 100) -> list:
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "etl_file"):
            return []
        cols = [etl_file.c[n] for n in ("file_name", "source", "rows_read", "rows_loaded", "rows_rejected", "status",
                                        "loaded_at", "note", "run_id")]
        return conn.execute(select(*cols).order_by(etl_file.c.loaded_at.desc(), etl_file.c.file_name)
                            .limit(limit)).all()


# --------------------------------------------------------------------------- withdrawing an upload

def _loaded_names(conn) -> set[str]:
    from sqlalchemy import inspect
    if not inspect(conn).has_table("etl_file"):
        return set()
    return set(conn.execute(select(etl_file.c.file_name).where(etl_file.c.rows_loaded > 0)).scalars())


def _stored_uploads(landing: Path) -> list[str]:
    root = Path(landing) / UPLOAD_DIR
    if not root.is_dir():
        return []
    return sorted(p.relative_to(landing).as_posix() for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


def withdrawable(engine: Engine, landing: Path) -> list[str]:
    """Stored uploads (paths relative to the landing folder) of which no row has been loaded:
    never loaded yet (the load failed as a whole), or loaded as failed, rejected, empty or a
    duplicate. These an administrator may withdraw."""
    with engine.connect() as conn:
        loaded = _loaded_names(conn)
    return [n for n in _stored_uploads(landing) if n not in loaded]


def withdraw(engine: Engine, landing: Path, name: str) -> str:
    """Delete a stored upload that has not loaded (see `withdrawable`); the ledger keeps its
    history. Returns the path removed; Refused (Chinese) when it may not be withdrawn. Holds the
    load's lock, so a load cannot pick the file up while it goes."""
    name = str(name or "")
    with etl_ingest.writer_lock(engine) as conn:
        if name not in _stored_uploads(landing):
            raise Refused("找不到该上传文件（可能已被撤回），请刷新页面后重试。")
        if name in _loaded_names(conn):
            raise Refused("该文件已有数据入库，不能撤回；如需更正，请联系数据管理部门。")
        try:
            (Path(landing) / name).unlink()
        except OSError:
            _log.exception("withdrawing upload %r failed", name)
            raise Refused("文件未能删除（技术细节已记入服务器日志），请联系系统管理员。") from None
    return name


# --------------------------------------------------------------------------- rejected rows, masked

_CJK_NAME = re.compile(r"^[\u4e00-\u9fff·•]{2,5}$")


def _header_for(path: Path, source_id: str) -> list[str] | None:
    """The header row of a stored file (the row naming the most columns of its contract)."""
    return etl_ingest.header_row(path, source_id)


def _masker_for(source_id: str, header: str):
    source = SOURCE_BY_ID.get(source_id)
    if source is None:
        return None
    for c in source.columns:
        if any(etl_ingest.same_header(header, x) for x in (c.header, *c.aliases)):
            if not c.personal:
                return mask_text
            if c.name == "id_number":
                return mask_id
            if c.name == "summary":
                return mask_text
            return mask_name
    return mask_text


def mask_raw(raw: str | None, header: list[str] | None, source_id: str | None) -> str:
    """A rejected row's raw text with personal data masked. With the file's header, columns are
    masked by what they are (names → 王**, ID numbers → region + last four); without it, or when
    the row's fields do not line up with the header, every short Chinese-only field is masked as
    a name. ID and phone numbers are masked everywhere."""
    if raw is None:
        return ""
    try:
        fields = next(csv.reader(io.StringIO(str(raw))))
    except (StopIteration, csv.Error):
        fields = str(raw).split(",")
    if header and source_id and len(fields) == len(header):
        out = []
        for value, head in zip(fields, header):
            masker = _masker_for(source_id, head) or mask_text
            out.append(masker(value) if value else value)
        return ",".join(out)
    return ",".join(mask_name(v) if _CJK_NAME.match(v.strip()) else mask_text(v) for v in fields)


def rejects(engine: Engine, landing: Path, *, run_id: int | None = None, file_name: str | None = None,
            limit: int = 200) -> list[dict]:
    """Rejected rows (line, reason, masked raw) of a run or of one file, at most `limit`."""
    q = select(etl_reject.c.file_name, etl_reject.c.line_no, etl_reject.c.reason, etl_reject.c.raw)
    if run_id is not None:
        q = q.where(etl_reject.c.run_id == run_id)
    if file_name is not None:
        q = q.where(etl_reject.c.file_name == file_name)
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "etl_reject"):
            return []
        rows = conn.execute(q.order_by(etl_reject.c.file_name, etl_reject.c.line_no).limit(limit)).all()
        names = sorted({r.file_name for r in rows})
        sources = dict(conn.execute(select(etl_file.c.file_name, etl_file.c.source)
                                    .where(etl_file.c.file_name.in_(names))).all()) if names else {}
    headers = {n: _header_for(Path(landing) / n, sources.get(n) or "") for n in names}
    return [{"file_name": r.file_name, "line_no": r.line_no, "reason": mask_text(r.reason),
             "raw": mask_raw(r.raw, headers.get(r.file_name), sources.get(r.file_name))} for r in rows]
