"""The full demo, end to end on the embedded database: at least 1.2 million rows, every one
loaded, the ledger reconciled, the article's figures in the metric layer, and the clue ledger
calibrated like the small demo's."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from article import assert_article_figures
from cockpit.metrics.engine import make_engine
from cockpit.metrics.ledger import clue_path, load_clues
from cockpit.metrics.query import MetricStore
from etl.demo import generate
from etl.run import run
from test_demo_ledger import assert_ledger_calibrated
from test_recompute import as_of_date

pytestmark = pytest.mark.slow


def test_full_demo_loads_and_tells_the_article_story(tmp_path):
    summary = generate(tmp_path / "landing", size="full")
    assert summary["rows"] >= 1_200_000
    engine = make_engine(f"sqlite:///{tmp_path / 'cockpit.db'}")
    result = run(tmp_path / "landing", engine, progress=False)
    assert result.rows_loaded == summary["rows"] and result.rows_rejected == 0 and not result.failed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM etl_file WHERE rows_read <> rows_loaded + rows_rejected")
                            ).scalar() == 0
    store = MetricStore.load(engine)
    assert_article_figures(store, engine)
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert store.latest_month >= last_month  # the demo runs up to the present month
    # the clue ledger of the whole city looks like a real office's (issue 12)
    assert_ledger_calibrated(clue_path(load_clues(engine, ["CITY"]), as_of_date(store.data_month)))
    engine.dispose()
