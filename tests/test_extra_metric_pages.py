"""Acceptance (issue 10): one ratio indicator declared in a test fixture
(tests/fixtures/extra_metric.py: `no_danger_share`, loaded with COCKPIT_EXTRA_METRICS) appears
with its 口径 on /metrics, its metric page, /compare and its export — with no other code
changed. Once in process (the pages' layouts and callbacks in a subprocess with that
environment) and once in Chromium (no console errors, no request to another host)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from browser_support import PROJECT, running_app, wait_for_dash

ENV = {"COCKPIT_EXTRA_METRICS": "tests.fixtures.extra_metric"}
NAME = "无社会危险性不捕占比"
DEFINITION = "因无社会危险性不批准逮捕的人数 ÷ 不批准逮捕人数，按审结日期统计。"

SCRIPT = r"""
import io, json, sys
from cockpit.app import create_app
from cockpit.metrics.engine import make_engine
app = create_app(make_engine(sys.argv[1]))
from tests.test_metric_places import text_of
from cockpit import data, exports
from cockpit.components import compare_view as V
from cockpit.metrics.periods import Period
pages = lambda n: sys.modules["cockpit.pages." + n]
out = {}
with app.server.test_request_context("/"):
    store = data.current().store
    period = str(store.data_month)
    out["metrics"] = text_of(pages("metrics").layout())
    out["metric"] = text_of(pages("metric").layout(metric_id="no_danger_share"))
    mp = {"metric": "no_danger_share", "period": period, "query": {}, "units": []}
    out["metric_table"] = text_of(pages("metric").unit_table(mp))
    out["compare"] = text_of(pages("compare").layout(group="arrest"))
    cp = {"path": "/compare", "query": {}, "period": period, "group": "arrest", "units": ["CITY", "140802"],
          "sort": None}
    out["compare_matrix"] = text_of(pages("compare").matrix(cp))
    view = V.build(Period.parse(period), "arrest", store.data_month)
    out["csv"] = exports.to_csv(view).decode("utf-8-sig")
    from python_calamine import CalamineWorkbook
    wb = CalamineWorkbook.from_filelike(io.BytesIO(exports.to_xlsx(view)))
    out["xlsx_definitions"] = wb.get_sheet_by_name(exports.SHEET_DEFINITIONS).to_python()
    out["platform"] = text_of(pages("platform_arrest").layout())
print("JSON" + json.dumps(out, ensure_ascii=False))
"""


def test_a_declared_ratio_reaches_every_page_and_the_export(demo_db_url):
    env = dict(os.environ, **ENV, COCKPIT_AUTH="off", PYTHONPATH=str(PROJECT))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, demo_db_url], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("JSON", 1)[1])
    # /metrics: the row with its 口径, kind, direction and minimum sample
    assert NAME in out["metrics"] and DEFINITION in out["metrics"]
    assert "分母不足20的，标注“样本少”，不参与排名和比较。" in out["metrics"]
    # its metric page: the 口径 box and the per-unit table
    assert NAME in out["metric"] and DEFINITION in out["metric"] and "比率" in out["metric"]
    assert "盐湖区" in out["metric_table"]
    # /compare (its group) and the export: the column, and the 口径 in the definitions sheet
    assert NAME in out["compare_matrix"]
    assert f"{NAME}（%）" in out["csv"].splitlines()[0]
    rows = out["xlsx_definitions"]
    row = next(r for r in rows if r[0] == NAME)
    assert row[1] == DEFINITION and row[rows[0].index("类型")] == "比率"
    # and its platform's page lists it (the lists come from the catalog)
    assert NAME in out["platform"] or "no_danger_share" in out["platform"]


# --------------------------------------------------------------------------- in Chromium

@pytest.mark.browser
def test_the_declared_ratio_in_the_browser(demo_db_url, tmp_path, open_page):
    with running_app(tmp_path, demo_db_url, env=ENV) as srv:
        s = open_page(1366, 900, server=srv)
        for path, expect in (("/metrics", (NAME, DEFINITION)),
                             ("/metric/no_danger_share", (NAME, DEFINITION, "最小样本")),
                             ("/compare?group=arrest", (NAME,))):
            resp = s.page.goto(srv + path)
            assert resp is not None and resp.ok, path
            wait_for_dash(s.page)
            content = s.page.locator("#_pages_content").inner_text()
            for text in expect:
                assert text in content, (path, text)
            assert "最好" not in content and "最差" not in content         # ranking off by default
        s.check_clean()
