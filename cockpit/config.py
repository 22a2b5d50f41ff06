"""Settings read from the environment, with the embedded defaults."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
from cockpit.metrics.engine import DATA_DIR, database_url  # noqa: E402,F401 - one definition, shared with the ETL
