"""Names from the data stay text in Plotly figures (issue 11, item 10).

Plotly draws tick labels, hover text, legend names and annotations as pseudo-HTML: a model
registered as `<a href=…>` would become a clickable link to another host, `<span style>` would
be applied. Every chart builder (cockpit.components.charts) escapes the labels it is given; the
figures of /models are built from a store whose model names and clue outcomes are hostile, and
no raw `<` of the data may reach a text field of any figure."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest
from sqlalchemy import text

from cockpit.components import charts as C
from cockpit.components.formatting import plot_text
from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.engine import make_engine

LINK = '<a href="http://evil.example/">点我</a>'
STYLE = '<span style="font-size:80px;color:red">大字</span>'
HOSTILE = (LINK, STYLE, "A&B<br>换行<b>粗</b>")
# the markup the builders write themselves (line breaks, bold titles, the hover box's <extra>)
OWN_MARKUP = re.compile(r"<br>|</?b>|</?extra>")


def strings(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from strings(v, f"{path}.{k}")
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from strings(v, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def assert_no_markup_from_data(fig):
    """No `<` in any string of the figure but the builders' own markup — and the hostile names
    are there, escaped (so the check saw them)."""
    found = []
    for path, s in strings(fig):
        rest = OWN_MARKUP.sub("", s)
        assert "<" not in rest and ">" not in rest, (path, s)
        found.append(s)
    joined = "\n".join(found)
    assert "&lt;a href" in joined or "&lt;span" in joined or "A&amp;B" in joined, joined[:500]


def test_plot_text():
    assert plot_text(LINK) == '&lt;a href="http://evil.example/"&gt;点我&lt;/a&gt;'
    assert plot_text("A&B") == "A&amp;B" and plot_text("运城市") == "运城市" and plot_text(12) == "12"


def test_every_builder_escapes_the_names_it_is_given():
    metric = METRIC_BY_ID["non_arrest_rate"]
    months = ["2024-01", "2024-02", "2024-03"]
    frame = pd.DataFrame({"month": months, "value": [10.0, 12.0, None], "status": ["ok", "ok", "no_data"]})
    assert_no_markup_from_data(C.trend_figure(metric, [(name, frame) for name in HOSTILE], hrefs=["/x"] * 3))
    assert_no_markup_from_data(C.bars_figure(list(HOSTILE), [(HOSTILE[0], [1, 2, 3], "#000"),
                                                             (HOSTILE[1], [3, 2, 1], "#111")], horizontal=True))
    assert_no_markup_from_data(C.bars_figure(list(HOSTILE), [(HOSTILE[2], [1, 2, 3], "#000")], stacked=True))
    assert_no_markup_from_data(C.radar_figure(list(HOSTILE), [(HOSTILE[0], [10, 50, 90]), (HOSTILE[1], [1, 2, 3])]))
    counties = list(U.COUNTY_CODES)
    rows = pd.DataFrame({
        "unit": counties, "tier": "county", "status": "ok", "value": [float(i) for i in range(len(counties))],
        "rank": [float(len(counties) - i) for i in range(len(counties))], "rank_of": len(counties),
        "unit_label": [HOSTILE[i % 3] for i in range(len(counties))], "city_value": 5.0, "county_median": 6.0,
        "gap_to_city": [float(i - 5) for i in range(len(counties))], "flag": "", "county_q1": 3.0,
        "county_q3": 9.0, "share_of_city": None})
    assert_no_markup_from_data(C.ranking_figure(metric, rows, {c: f"/county/{c}" for c in counties}))
    fig = C.map_figure(metric, rows, "/assets/geo.json", {}, landmarks=[
        {"name": n, "lon": 111.0, "lat": 35.0, "county_code": counties[0]} for n in HOSTILE])
    assert_no_markup_from_data(fig)
    assert_no_markup_from_data(C.empty_figure(HOSTILE[0], HOSTILE[1]))
    parts = pd.DataFrame({"unit_label": list(HOSTILE) + ["合计"], "contribution": [1.0, -0.5, 0.2, 0.7],
                          "rate_effect": [0.5, -0.5, 0.1, 0.1], "mix_effect": [0.5, 0.0, 0.1, 0.6]})
    assert_no_markup_from_data(C.contribution_figure(metric, parts))
    assert_no_markup_from_data(C.contribution_figure(METRIC_BY_ID["arrest_concluded"], parts))


# --------------------------------------------------------------------------- /models on a hostile store

@pytest.fixture(scope="module")
def hostile_url(demo_db_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile-models")
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), folder / "cockpit.db")
    url = f"sqlite:///{folder / 'cockpit.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT model_id FROM stg_clue GROUP BY model_id ORDER BY count(*) DESC")).all()]
        for i, mid in enumerate(ids):
            conn.execute(text("UPDATE stg_registry SET item_name = :n WHERE item_id = :m"),
                         {"n": HOSTILE[i % 2] + f"模型{i}", "m": mid})
        conn.execute(text("UPDATE stg_clue SET outcome = :o WHERE status = '属实' AND outcome IS NOT NULL"),
                     {"o": LINK})
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def hostile_store(hostile_url):
    engine = make_engine(hostile_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def server_db_url(hostile_url):
    """The browser test's server (tests/browser_support.py) serves the hostile store."""
    return hostile_url


def store_data(node, component_id):
    """The `data` of the component `component_id` in a Dash layout (JSON)."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props.get("data")
        node = list(node.values())
    if isinstance(node, list):
        for v in node:
            found = store_data(v, component_id)
            if found is not None:
                return found
    return None


def test_the_figures_of_models_keep_hostile_names_as_text(hostile_store, tmp_path):
    from cockpit.auth import testing as T
    app = T.shared_app()
    output = next(k for k in app.callback_map if k.startswith("..mod-funnel.figure"))
    with T.use_engine(app, hostile_store, landing=tmp_path / "landing"):
        client = app.server.test_client()
        pw = T.create_user(hostile_store, "leader_models", "leader")
        assert T.login(client, "leader_models", pw).status_code == 302
        resp = client.post("/_dash-update-component", json=T.routing_body("/models", "?period=2024"),
                           headers=T.csrf_header(client))
        assert resp.status_code == 200
        params = store_data(resp.get_json(), "mod-params")
        assert params is not None, "no mod-params in the /models layout"
        resp = T.post_callback(client, output, inputs=[{"id": "mod-params", "property": "data", "value": params}])
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    figures = resp.get_json()["response"]
    text_all = json.dumps(figures, ensure_ascii=False)
    assert "&lt;a href" in text_all and "&lt;span" in text_all          # the hostile names are drawn …
    for fig in figures.values():
        for path, s in strings(fig):                                     # … as text only
            rest = OWN_MARKUP.sub("", s)
            assert "<" not in rest, (path, s)


@pytest.mark.browser
def test_plotly_draws_hostile_names_as_text_in_the_browser(server, open_page):
    """In Chromium: the tick labels of /models show the markup as characters; no link to
    another host and no styled span comes out of a model's name."""
    from browser_support import wait_for_dash
    s = open_page(1366, 900)
    s.page.goto(f"{server}/models?period=2024")
    wait_for_dash(s.page)
    s.page.wait_for_function("() => document.querySelectorAll('#mod-per-model .ytick text').length > 0")
    ticks = s.page.evaluate("() => [...document.querySelectorAll('#mod-per-model .ytick text')]"
                            ".map(e => e.textContent)")
    assert any('<a href="http://evil.example/">' in t for t in ticks), ticks
    assert any("<span style=" in t for t in ticks), ticks
    assert s.page.locator("a[href*='evil.example']").count() == 0
    assert s.page.evaluate("() => [...document.querySelectorAll('svg tspan, svg text')]"
                           ".every(e => !(e.getAttribute('style') || '').includes('80px'))")
    s.check_clean()
