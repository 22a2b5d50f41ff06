"""Settings read from the environment, with the embedded defaults."""
from __future__ import annotations

import os
from pathlib import Path

from cockpit.metrics.engine import DATA_DIR, database_url  # noqa: F401 - one definition, shared with the ETL

PROJECT_DIR = Path(__file__).resolve().parent.parent


def ranking_enabled() -> bool:
    """Rank numbers, league tables and 优劣 colours (a unit graded against the others).

    Off by default: since October 2024 the SPP no longer ranks local business data nor sets
    通报值; offices compare a unit with the city, the county median and the spread, and its own
    trend (docs/decisions.md). `COCKPIT_RANKING=on` turns ranks back on for a province that
    still ranks internally. Even then only comparable metrics (rates with a direction, see
    `Metric.comparable`) with an unflagged value are ranked."""
    return os.environ.get("COCKPIT_RANKING", "off").strip().lower() in ("on", "1", "true", "yes")
