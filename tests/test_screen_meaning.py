"""The wall obeys the metric declarations (issue 10, items 3, 4, 5, 8), without a browser.

- The wall is data: `cockpit/screen/spec.py` lists every block of tiles and every chart; the
  layout's element ids, the payload's keys and the tiles' metrics come from it, and the tiles'
  metrics are the catalog's wall placements (`catalog.on_wall`). A metric declared in a test
  fixture (COCKPIT_EXTRA_METRICS) reaches the wall with its 口径.
- Every metric placed on the wall, in every place it appears: no rank, no 优劣 colour and no
  越高越好 for a count, stock or small sample; no 同比 for an immature value; immature months
  drawn apart; bars from zero; decimals as declared; a unit on every change; 市院本级 among the
  clue bars (or named); the cumulative funnel labelled with its period; chart text ≥ 14 design px.

Each test fails on the code before the spec (commit 301c611): the spec module did not exist,
the tiles came from five hand-typed lists, counts were coloured and called 越高越好, ranks were
shown by default, the immature 核查中 months and values carried a 同比, the county bars started
at 60 % of the smallest value, the rings dropped a trailing zero ("21%"), a change had no unit
("4.5"), the clue bars left out 市院本级 and axis text was 12 px.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from cockpit.metrics import units as U
from cockpit.metrics.catalog import METRIC_BY_ID, on_wall
from cockpit.metrics.periods import month_label
from cockpit.screen import callbacks, charts as C, layout as L, payload, shaping as S, spec
from cockpit.screen.params import MAP_CYCLE, parse

PROJECT = Path(__file__).resolve().parent.parent
PLATFORMS = ("P01", "P02", "P03", "P04")


@pytest.fixture(scope="module")
def static(demo_store, demo_engine) -> dict:
    return payload._build_static(demo_store, demo_engine)


@pytest.fixture(autouse=True)
def ranking_off(monkeypatch):
    """The default: ranks, league tables and 优劣 colours off (docs/decisions.md)."""
    monkeypatch.delenv("COCKPIT_RANKING", raising=False)


def _json(component) -> str:
    return json.dumps(component, default=lambda c: c.to_plotly_json(), ensure_ascii=False)


def _figures(static: dict) -> list[tuple[str, dict]]:
    """(block id, figure) of every tile the wall shows."""
    out = [("ov-headline", f) for f in static["blocks"]["headline"]]
    for tid, figs in static["blocks"]["tiles"].items():
        out += [(tid, f) for f in figs]
    return out


# --------------------------------------------------------------------------- the spec

def test_the_spec_drives_layout_ids_payload_keys_and_the_tiles(static, demo_store):
    """The tiles of each placement are exactly the catalog's `on_wall(place)`; the layout's
    chart and tile ids and the payload's keys are the spec's; no hand-typed list is left.
    (Fails on the old code: no spec module; the tiles came from shaping's own lists.)"""
    blocks = static["blocks"]
    ids = lambda tid: [f["id"] for f in blocks["tiles"][tid]]  # noqa: E731
    assert [f["id"] for f in blocks["headline"]] == list(on_wall("headline"))
    for pid in PLATFORMS:
        key = pid.lower()
        if f"ov-{key}-kpis" in blocks["tiles"]:
            assert ids(f"ov-{key}-kpis") == list(on_wall(pid))
        detail = list(on_wall(pid)) + [m for m in on_wall(pid + "+") if m not in on_wall(pid)]
        assert ids(f"pf-{key}-kpis") == detail
    assert ids("md-kpis") == list(on_wall("models"))
    county = S.county_figures(demo_store, S.screen_period(demo_store))
    assert [f["id"] for f in county[U.COUNTY_CODES[0]]] == list(on_wall("county"))
    # every placement of the catalog is shown somewhere, and only those
    shown = {f["id"] for _, f in _figures(static)} | {f["id"] for f in county[U.COUNTY_CODES[0]]}
    placed = {m for p in spec.PLACES for m in on_wall(p)}
    assert placed <= shown
    # the payload's charts and the layout's elements are the spec's
    assert set(static["charts"]) == {c.id for c in spec.STATIC_CHARTS}
    assert set(payload.CHART_IDS) == set(spec.CHART_IDS)
    tree = L.build(parse({}), datetime(2026, 1, 1, 8, 0))
    blob = _json(tree)
    for cid in spec.CHART_IDS:
        assert f'"id": "{cid}"' in blob, cid
        # (the overview's P04 chart has no sub-title: its legend names the two series)
        if spec.CHART_BY_ID[cid].kind in ("dual_trend", "bar_line", "bands") and cid != "ch-p04-juv":
            assert spec.CHART_BY_ID[cid].heading in blob, cid
    for t in spec.TILES:
        assert f'"id": "{t.id}"' in blob and t.id in callbacks.STATIC_IDS, t.id
    # the labels are the catalog's short names; the hand-typed lists are gone
    for where, f in _figures(static):
        m = METRIC_BY_ID[f["id"]]
        assert f["label"] == (m.name if where == "ov-headline" else m.short), (where, f["id"])
    for name in ("HEADLINE", "PLATFORM_KPIS", "PLATFORM_KPIS_MORE", "MODEL_KPIS", "COUNTY_FIGURES", "SHORT_LABEL"):
        assert not hasattr(S, name), name
    assert not hasattr(payload, "OVERVIEW_CHARTS") and not hasattr(payload, "PF_COUNTY_METRIC")
    # the period: every wall period ends at the data month, and the header says that month
    assert S.screen_period(demo_store).end == demo_store.data_month
    assert S.header(demo_store, False)["updated"].endswith(month_label(demo_store.data_month))
    trend = S.trend(demo_store, "clues", 24)
    assert trend["months"][-1] == demo_store.data_month < demo_store.latest_month


EXTRA_SCRIPT = """
import json, sys
from cockpit.metrics.engine import make_engine
from cockpit.metrics.query import MetricStore
from cockpit.screen import layout as L, payload
engine = make_engine(sys.argv[1])
store = MetricStore.load(engine)
static = payload._build_static(store, engine)
tiles = L.block("pf-p01-kpis", static["blocks"])
print(json.dumps([t.to_plotly_json()["props"] for t in tiles], default=lambda c: c.to_plotly_json(),
                 ensure_ascii=False))
"""


def test_a_metric_declared_in_a_fixture_appears_on_the_p01_detail_tiles(demo_db_url):
    """COCKPIT_EXTRA_METRICS=tests.fixtures.extra_metric declares `no_danger_share` with
    wall=("P01+",): with no other change it is a tile of P01's detail row, labelled with its
    short name, its 口径 in the tooltip. (Fails on the old code: the tiles were a fixed list.)"""
    env = dict(os.environ, COCKPIT_EXTRA_METRICS="tests.fixtures.extra_metric", PYTHONPATH=str(PROJECT))
    out = subprocess.run([sys.executable, "-c", EXTRA_SCRIPT, demo_db_url], cwd=PROJECT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    tiles = json.loads(out.stdout.strip().splitlines()[-1])
    by_metric = {t["data-metric"]: t for t in tiles}
    assert "no_danger_share" in by_metric, list(by_metric)
    tile = by_metric["no_danger_share"]
    blob = json.dumps(tile, ensure_ascii=False)
    assert "无危险性不捕占比" in blob
    assert "因无社会危险性不批准逮捕的人数 ÷ 不批准逮捕人数" in tile["title"]
    assert re.search(r'"children": "\d+\.\d"', blob)   # a value at its declared decimals
    # the detail row keeps the catalog's others, and the layout makes room (two rows of five)
    assert len(tiles) == len(set(on_wall("P01") + on_wall("P01+"))) + 1


# --------------------------------------------------------------------------- meaning, everywhere

def test_no_rank_colour_or_better_worse_for_counts_stocks_and_small_samples(static, demo_store, monkeypatch):
    """Every metric on the wall × every place: a count/stock/cumulative figure's change is
    neutral (never red/green), its words are 不评优劣 (never 越高越好); with ranking off (the
    default) no rank anywhere; with ranking on still none for a count or a small sample.
    (Fails on the old code: counts were 越高越好 with green/red 同比 and ranks were shown.)"""
    period = S.screen_period(demo_store)
    for where, f in _figures(static):
        m = METRIC_BY_ID[f["id"]]
        if not m.comparable:
            assert "越高越好" not in f["direction"] and "越低越好" not in f["direction"], (where, f["id"])
            assert "不评优劣" in f["direction"], (where, f["id"])
            if f["yoy"]:
                assert f["yoy"]["tone"] in ("neutral", "flat"), (where, f["id"], f["yoy"])
        html_ = _json(L.block(where, static["blocks"]))
        for cls in re.findall(r'scr-yoy (\S+?)"', html_):
            assert cls in ("good", "bad", "policy-good", "policy-bad", "neutral", "flat")
    county_ids = set(on_wall("county")) | set(MAP_CYCLE)
    for mid in county_ids:
        m = METRIC_BY_ID[mid]
        data = S.by_county(demo_store, mid, period)
        assert all(r["rank"] is None for r in data["units"]), mid          # ranking off
        if not m.comparable:
            assert "不评优劣" in data["direction_text"], mid
        caption = _json(L.block("ov-map-caption", data))
        if not m.comparable:
            assert "越高越好" not in caption and "不评优劣" in caption, mid
        ticker = _json(L.block("ov-ranking", data))
        assert "scr-rank-no" not in ticker and not re.search(r"第\d+名", ticker), mid
        assert ' good"' not in ticker and ' bad"' not in ticker, mid
        # the counties in their fixed order, not a league table
        assert [r["code"] for r in data["ranked"]] == list(U.COUNTY_CODES), mid
        for r in data["units"]:
            if r["mark"]:
                assert r["rank"] is None
    tip = C.county_tooltip("临猗县", "140821", S.county_figures(demo_store, period)["140821"])
    assert "排名" not in tip and not re.search(r"\d+/\d+", tip)
    # ranking on: ranks for comparable metrics with an unflagged value only
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    for mid in county_ids:
        m = METRIC_BY_ID[mid]
        data = S.by_county(demo_store, mid, period)
        for r in data["units"]:
            if not m.comparable or r["mark"]:
                assert r["rank"] is None, (mid, r["name"])
        if not m.comparable:
            ticker = _json(L.block("ov-ranking", data))
            assert "scr-rank-no" not in ticker, mid
    small = S.by_county(demo_store, "conditional_non_prosecution_rate", period)
    assert any(r["mark"] == "样本少" for r in small["units"]), "the demo has small county samples"


def test_an_immature_value_has_no_tongbi_and_its_months_are_drawn_apart(static, demo_store):
    """线索核查率 and 检察建议采纳率 are cohort rates (3 months to mature): their year-to-date value
    at the data month is marked 核查中/办理中 with no 同比, and the trend's last months are a
    separate dashed series in a marked band, not the main line.
    (Fails on the old code: the tile showed "同比 ▼" and the trend fell to 51 %.)"""
    figs = {f["id"]: f for _, f in _figures(static)}
    for mid, label in (("clue_verification_rate", "核查中"), ("suggestion_adoption_rate", "办理中")):
        f = figs[mid]
        assert f["flag"] == "immature" and f["mark"] == label and f["yoy"] is None, f
    md = _json(L.block("md-kpis", static["blocks"]))
    assert "核查中" in md and "同比" not in md.split("线索核查率")[1].split("scr-mini-label")[0]
    # every immature figure on the wall: a mark, no 同比
    for where, f in _figures(static):
        if f["flag"]:
            assert f["mark"] and f["yoy"] is None, (where, f["id"])
    # the trend: immature months out of the main line, in their own dashed series
    t = S.trend(demo_store, "clue_verification_rate", 24)
    late = [i for i, fl in enumerate(t["flags"]) if fl == "immature"]
    assert late and late[-1] == len(t["months"]) - 1
    opt = static["charts"]["ch-md-trend"]["o"]
    main = next(s for s in opt["series"] if s["name"] == METRIC_BY_ID["clue_verification_rate"].short)
    dashed = next(s for s in opt["series"] if "核查中" in s["name"])
    values = [d["value"] if isinstance(d, dict) else d for d in main["data"]]
    values = [v[1] if isinstance(v, list) else v for v in values]
    assert all(values[i] is None for i in late)
    assert dashed["lineStyle"]["type"] == "dashed"
    assert [i for i, v in enumerate(dashed["data"]) if v is not None][-len(late):] == late
    bands = opt["series"][0]["markArea"]["data"]
    assert any(b[0]["name"] == "核查中" for b in bands)


def _value_axes(option: dict):
    for key in ("xAxis", "yAxis"):
        axes = option.get(key) or []
        for a in axes if isinstance(axes, list) else [axes]:
            if a.get("type") == "value":
                yield a


def test_bars_start_at_zero(static, demo_store):
    """Every bar chart's value axis starts at zero (a 96.7 % bar is not drawn at 60 % of 98.1 %).
    (Fails on the old code: the county ranking's axis started near the smallest value.)"""
    seen = 0
    for cid, packed in static["charts"].items():
        o = packed["o"]
        if not any(s.get("type") == "bar" for s in o["series"]):
            continue
        bar_axes = {s.get("yAxisIndex", 0) for s in o["series"] if s.get("type") == "bar"}
        for i, a in enumerate(_value_axes(o)):
            if a.get("show") is False and "min" not in a:
                continue
            if i in bar_axes or len(list(_value_axes(o))) == 1:
                assert a.get("min") == 0 and not a.get("scale"), (cid, a)
                seen += 1
    assert seen >= 6


def _decimals(text: str) -> int:
    t = text.replace(",", "")
    return len(t.split(".")[1]) if "." in t else 0


def test_decimals_follow_the_declaration_everywhere(static, demo_store):
    """A value reads with its metric's decimals on tiles, rings, county bars and the ticker
    ("21 %" beside "23.6 %" must not happen). (Fails on the old code: the rings' "{value}%"
    dropped a trailing zero, the county bars' labels were "{c}".)"""
    for where, f in _figures(static):
        m = METRIC_BY_ID[f["id"]]
        if f["status"] == "ok" and f["unit"] == m.unit:
            assert _decimals(f["text"]) == m.decimals, (where, f["id"], f["text"])
    rings = static["charts"]["ch-p03-rings"]["o"]["series"]
    for s, mid in zip(rings, spec.CHART_BY_ID["ch-p03-rings"].metrics):
        text = s["detail"]["formatter"].split("\n")[0]
        assert text.endswith("%") and _decimals(text[:-1]) == METRIC_BY_ID[mid].decimals, text
    for cid in ("ch-pf-p02-county", "ch-pf-p03-county", "ch-pf-p04-county", "ch-md-county"):
        (mid,) = spec.CHART_BY_ID[cid].metrics
        for d in static["charts"][cid]["o"]["series"][0]["data"]:
            number = re.match(r"[\d,.]+", d["label"]["formatter"]).group(0)
            assert _decimals(number) == METRIC_BY_ID[mid].decimals, (cid, d["label"])
    data = S.by_county(demo_store, "non_arrest_rate", S.screen_period(demo_store))
    ticker = _json(L.block("ov-ranking", data))
    for v in re.findall(r'"children": \["(\d[\d,.]*)"', ticker):
        assert _decimals(v) == METRIC_BY_ID["non_arrest_rate"].decimals, v


def test_every_change_has_its_unit(static, demo_store):
    """A rate's change is in 个百分点; any other change in % or its own unit; a gap to the city
    likewise. (Fails on the old code: "+4.5" with no unit.)"""
    n = 0
    for where, f in _figures(static):
        y = f["yoy"]
        if not y:
            continue
        m = METRIC_BY_ID[f["id"]]
        if y["text"] == "持平":
            continue
        if m.unit == "%":
            assert y["text"].endswith("个百分点"), (where, f["id"], y)
        else:
            assert y["text"].endswith("%") or y["text"].endswith(m.unit), (where, f["id"], y)
        n += 1
    assert n >= 10
    for mid in MAP_CYCLE:
        m = METRIC_BY_ID[mid]
        data = S.by_county(demo_store, mid, S.screen_period(demo_store))
        for r in data["units"]:
            if r["gap_text"] and "持平" not in r["gap_text"]:
                assert r["gap_text"].endswith("个百分点" if m.unit == "%" else m.unit), (mid, r["gap_text"])
            if r["share_text"]:
                assert r["share_text"].startswith("占全市") and r["share_text"].endswith("%")


def test_the_clue_bars_include_the_city_office_and_the_funnel_says_cumulative(static, demo_store):
    """各院监督线索 includes 市院本级 (so its bars add up to the city's clues) and says so; the
    county rate charts say 基层院; the cumulative funnel is labelled 累计 with its months.
    (Fails on the old code: 13 bars, a bare 各院 title, a bare 累计.)"""
    opt = static["charts"]["ch-md-county"]["o"]
    names = opt["xAxis"][0]["data"]
    assert "市院" in names and len(names) == 14
    period = S.screen_period(demo_store)
    total = sum(d["value"] for d in opt["series"][0]["data"])
    assert total == pytest.approx(demo_store.value("clues", U.CITY, period))
    titles = static["blocks"]["county_titles"]
    assert titles["ch-md-county"] == "各院监督线索（含市院本级）"
    for cid in ("ch-pf-p02-county", "ch-pf-p03-county", "ch-pf-p04-county"):
        assert titles[cid].startswith("基层院") and len(static["charts"][cid]["o"]["xAxis"][0]["data"]) == 13
    tag = static["blocks"]["funnel_tag"]
    assert tag.startswith("累计") and month_label(demo_store.data_month) in tag
    assert static["blocks"]["board_tag"].endswith(month_label(demo_store.data_month))
    tree = _json(L.build(parse({}), datetime(2026, 1, 1, 8, 0)))
    assert '"id": "ov-funnel-panel-tag"' in tree and '"id": "md-funnel-panel-tag"' in tree


def _font_sizes(option, path=()):
    """(path, fontSize) of the axis labels, legends, reference-line and band labels of an option."""
    if isinstance(option, dict):
        for k, v in option.items():
            p = path + (k,)
            if k == "fontSize" and any(x in ("axisLabel", "legend", "markLine", "markArea", "nameTextStyle")
                                       for x in p):
                yield p, v
            yield from _font_sizes(v, p)
    elif isinstance(option, list):
        for v in option:
            yield from _font_sizes(v, path)


def test_chart_text_is_legible_at_wall_distance(static, demo_store):
    """Axis labels, legends and reference labels are at least 14 design px (the wall scales them
    for 3840×2160). (Fails on the old code: 11–12 px.)"""
    options = [p["o"] for p in static["charts"].values()]
    options.append(payload.county_part(demo_store, "140821", "non_arrest_rate")["chart"]["o"])
    options.append(payload.county_part(demo_store, "140821", "nc_under_supervision")["chart"]["o"])
    sizes = [(p, v) for o in options for p, v in _font_sizes(o)]
    assert len(sizes) > 40
    small = [(p, v) for p, v in sizes if v < 14]
    assert not small, small[:5]
