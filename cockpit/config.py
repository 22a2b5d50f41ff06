"""Settings read from the environment, with the embedded defaults."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("COCKPIT_DATA_DIR", PROJECT_DIR / "data"))


def database_url() -> str:
    """`DATABASE_URL`, or the embedded SQLite file inside the project's data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'cockpit.db'}"
