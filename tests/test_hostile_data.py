"""Hostile text in the data is shown as text, on the wall and on the pages (issue 5).

A copy of the demo store gets a model whose registry name is markup with an ECharts template,
and a clue whose summary is a script, a `javascript:` link and an SQL fragment. The wall (as
its kiosk) and the pages (as a leader) must draw them as plain text: no dialog opens, no
element is injected, nothing is interpolated, no console error."""
from __future__ import annotations

import json
import shutil
import urllib.parse

import pytest
from browser_support import wait_for_dash
from sqlalchemy import text

from cockpit.metrics.engine import make_engine

pytestmark = pytest.mark.browser

MODEL_NAME = '<img src=x onerror=alert(1)>{b}{c}{@score}模型'
SUMMARY = '<script>alert(2)</script><a href="javascript:alert(3)">点我</a>\'); DROP TABLE stg_clue; --'


@pytest.fixture(scope="module")
def server_db_url(demo_db_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-db")
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), folder / "cockpit.db")
    url = f"sqlite:///{folder / 'cockpit.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        top = conn.execute(text("SELECT model_id FROM stg_clue GROUP BY model_id ORDER BY count(*) DESC")).first()[0]
        conn.execute(text("UPDATE stg_registry SET item_name = :n WHERE item_id = :m"), {"n": MODEL_NAME, "m": top})
        clue = conn.execute(text("SELECT clue_no FROM stg_clue WHERE unit_code = '140802' "
                                 "ORDER BY found_date DESC")).first()[0]
        conn.execute(text("UPDATE stg_clue SET summary = :s WHERE clue_no = :c"), {"s": SUMMARY, "c": clue})
    engine.dispose()
    return url


def watch(s):
    """Dialogs are failures; every Dash response with data is kept (callbacks, and the layout,
    which brings the wall's first figures)."""
    s.dialogs, s.responses = [], []
    s.page.on("dialog", lambda d: (s.dialogs.append(d.message), d.dismiss()))
    s.page.on("response", lambda r: urllib.parse.urlsplit(r.url).path.startswith(("/_dash-update", "/_dash-layout"))
              and s.responses.append(r))
    return s


def decoded(responses) -> str:
    out = []
    for r in responses:
        try:
            out.append(json.dumps(r.json(), ensure_ascii=False))
        except Exception:  # noqa: BLE001 - a 204 has no body
            pass
    return "\n".join(out)


def no_injection(s):
    assert s.dialogs == []
    assert s.page.locator("img[src='x']").count() == 0
    assert s.page.locator("a[href^='javascript']").count() == 0
    assert s.page.evaluate("() => [...document.scripts].every(x => !x.textContent.includes('alert('))")
    s.check_clean()


def test_the_wall_draws_a_hostile_model_name_as_text(server, open_page):
    s = watch(open_page(1920, 1080, role="screen"))
    s.page.goto(f"{server}/screen?screen=models")
    wait_for_dash(s.page)
    s.page.wait_for_function("() => document.querySelectorAll('canvas').length > 10")
    s.page.wait_for_timeout(1500)
    sent = decoded(s.responses)
    assert MODEL_NAME in sent              # it reached the wall, as a JSON string of data …
    assert "{b}{c}{@score}模型" not in sent.replace(MODEL_NAME, "")  # … never inside a template
    for chart in s.page.locator("[data-chart]").all():      # hover everything that has a tooltip
        box = chart.bounding_box()
        if box and box["width"] > 40:
            s.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            s.page.wait_for_timeout(60)
    no_injection(s)


def test_the_pages_show_hostile_names_and_texts_as_text(server, open_page):
    s = watch(open_page(1366, 768))
    s.page.goto(f"{server}/models?period=2024")
    wait_for_dash(s.page)
    assert MODEL_NAME in s.page.locator("#_pages_content").inner_text()
    no_injection(s)

    s.page.goto(f"{server}/county/140802?period=2024&rec=clue")
    wait_for_dash(s.page)
    table = s.page.locator("#rec-table").inner_text()
    assert "<script>alert(2)</script>" in table and "javascript:alert(3)" in table and "DROP TABLE" in table
    no_injection(s)
