"""Where the monthly packs live and what their files are called (shared by `python -m cockpit
report` and the /reports page): one flat folder, `COCKPIT_REPORTS_DIR`, default `data/reports`
relative to the working directory (like the default database)."""
from __future__ import annotations

import os
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
