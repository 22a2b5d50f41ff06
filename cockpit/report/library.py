"""Where the monthly packs live and what their files are called (shared by `python -m cockpit
report` and the /reports page): one flat folder, `COCKPIT_REPORTS_DIR`, default `data/reports`
relative to the working directory (like the default database)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cockpit.metrics import units as U

STEM = "研判会商材料"


def reports_dir() -> Path:
    """The folder the packs are written to and listed from."""
    return Path(os.environ.get("COCKPIT_REPORTS_DIR") or Path("data") / "reports")


def pack_name(month: str, unit: str | None) -> str:
    """The file stem of a pack: 研判会商材料-2024-05-全市 / 研判会商材料-2024-05-盐湖区."""
    who = "全市" if unit in (None, U.CITY) else U.UNIT_BY_CODE[unit].short
    return f"{STEM}-{month}-{who}"


# --------------------------------------------------------------------------- the packs on disk
# A pack's files are found by their names: 研判会商材料-YYYY-MM-<全市|unit short name>.<docx|pdf>.
# The folder is listed, never a name from a client: a download names (month, unit, format) and
# the path is made here from `pack_name` and checked to lie in the folder.

FORMATS = ("docx", "pdf")
FORMAT_LABEL = {"docx": "Word", "pdf": "PDF"}
_NAME = re.compile(rf"^{STEM}-(\d{{4}}-(?:0[1-9]|1[0-2]))-(.+)\.({'|'.join(FORMATS)})$")
_UNIT_BY_WHO = {"全市": U.CITY, **{u.short: u.code for u in U.UNITS}}
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class PackFile:
    month: str          # YYYY-MM
    unit: str           # a unit code or U.CITY
    format: str         # docx | pdf
    size: int           # bytes
    mtime: datetime     # when it was written (local time)
    path: Path

    @property
    def unit_label(self) -> str:
        return U.label(self.unit)


def parse_name(name: str) -> tuple[str, str, str] | None:
    """(month, unit code or U.CITY, format) of a pack's file name, or None for any other file."""
    m = _NAME.match(name)
    if m is None or m.group(2) not in _UNIT_BY_WHO:
        return None
    return m.group(1), _UNIT_BY_WHO[m.group(2)], m.group(3)


def list_packs(folder: Path | None = None, units: frozenset[str] | None = None) -> list[PackFile]:
    """The packs in the folder (default `reports_dir()`), of `units` only when given (codes and
    U.CITY; None = all): newest month first, then 全市 and the units in code order, Word
    before PDF. Temporary files of a pack being written are not packs."""
    folder = Path(folder or reports_dir())
    if not folder.is_dir():
        return []
    out = []
    for p in folder.iterdir():
        parsed = parse_name(p.name)
        if parsed is None or (units is not None and parsed[1] not in units):
            continue
        try:
            st = p.stat()
        except OSError:
            continue                      # replaced or removed while listed
        if not p.is_file():
            continue
        out.append(PackFile(*parsed, size=st.st_size, mtime=datetime.fromtimestamp(st.st_mtime), path=p))
    order = {u: i for i, u in enumerate((U.CITY,) + U.UNIT_CODES)}
    out.sort(key=lambda f: (-int(f.month.replace("-", "")), order.get(f.unit, 99), FORMATS.index(f.format)))
    return out


def find_pack(month, unit, fmt, folder: Path | None = None) -> Path | None:
    """The file of one pack — (month, unit code or U.CITY, format), as a client may send them —
    or None when any part is not one of ours or there is no such file. The path is built here and
    must lie directly in the folder."""
    if not isinstance(month, str) or not _MONTH.match(month) or fmt not in FORMATS:
        return None
    if unit != U.CITY and unit not in U.UNIT_BY_CODE:
        return None
    folder = Path(folder or reports_dir()).resolve()
    path = (folder / f"{pack_name(month, unit)}.{fmt}").resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path

