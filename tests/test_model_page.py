"""Each model's worth (issue 12 item 3): `/models/<id>` and the models compared on `/models`, on
the small demo (2022-01 … 2024-06). The page's numbers are checked against an independent
computation with pandas over the staged clues (stg_clue), not against the metric layer."""
from __future__ import annotations

import re
import sys

import pandas as pd
import pytest

from cockpit.metrics.periods import Period, month_from_ordinal, month_ordinal
from cockpit.metrics.platforms import PLATFORM_BY_ID
from tests.test_metric_places import nodes, text_of

MODEL = "M01"
YANHU = "140802"
MATURITY = 3          # clue_case_rate's maturity window (months)


@pytest.fixture(scope="module")
def clues(demo_engine) -> pd.DataFrame:
    with demo_engine.connect() as conn:
        return pd.read_sql("SELECT * FROM stg_clue", conn)


@pytest.fixture(scope="module")
def data_month(app):
    from cockpit import data
    return data.current().store.data_month


@pytest.fixture
def as_leader(monkeypatch):
    from cockpit.auth import context, roles
    from cockpit.auth.models import Principal
    monkeypatch.setattr(context, "current_principal", lambda: Principal("l1", roles.LEADER, None))


@pytest.fixture
def as_county(monkeypatch):
    from cockpit.auth import context, roles
    from cockpit.auth.models import Principal
    monkeypatch.setattr(context, "current_principal", lambda: Principal("c1", roles.COUNTY, YANHU))


@pytest.fixture
def page(app):
    with app.server.test_request_context("/"):
        yield lambda name: sys.modules[f"cockpit.pages.{name}"]


def _cohort(clues, model, period: Period, last_month: str | None = None, unit: str | None = None):
    """The model's clues found in the period (from the models platform's launch), optionally up to
    a last month (the matured cohort) and in one unit."""
    start = max(period.start, PLATFORM_BY_ID["models"].launch)
    end = min(period.end, last_month) if last_month else period.end
    f = clues[(clues["model_id"] == model) & (clues["found_month"] >= start) & (clues["found_month"] <= end)]
    return f if unit is None else f[f["unit_code"] == unit]


def _node(tree, id_):
    return next(p for p in nodes(tree) if p.get("id") == id_)


def _number(text: str) -> float:
    return float(re.search(r"-?[\d,]+(\.\d+)?", text).group(0).replace(",", ""))


def _links(tree) -> list[str]:
    """The page's links to a figure's clues (the navbar's 线索台账 entry names no model)."""
    return [p["href"] for p in nodes(tree) if isinstance(p.get("href"), str) and p["href"].startswith("/clues")
            and "model=" in p["href"]]


# --------------------------------------------------------------------------- the numbers


def test_funnel_precision_and_days_agree_with_the_staged_clues(page, as_leader, clues, data_month):
    period = Period.parse(f"{data_month}:r12")
    layout = page("model").layout(model_id=MODEL)
    text = text_of(layout)
    assert "强制隔离戒毒行政检察监督模型" in text and period.label in text
    cohort = _cohort(clues, MODEL, period)
    expected = {
        "clue_found": len(cohort),
        "clue_verified": int(cohort["status"].isin(["属实", "不属实"]).sum()),
        "clue_cased": int(cohort["case_date"].notna().sum()),
        "clue_documented": int(cohort["doc_date"].notna().sum()),
        "clue_rectified": int((cohort["rectified"] == 1).sum()),
    }
    assert expected["clue_cased"] > 0 and expected["clue_verified"] > expected["clue_cased"]
    rows = {p["data-measure"]: text_of(p.get("children")) for p in nodes(_node(layout, "model-funnel")) if p.get("data-measure")}
    assert list(rows) == list(expected)
    for mid, n in expected.items():
        assert _number(rows[mid].split(" ", 1)[1]) == n, mid

    # precision = 成案 ÷ 已核查 over the matured months only (the last 3 up to the data month left out)
    until = month_from_ordinal(month_ordinal(data_month) - MATURITY)
    matured = _cohort(clues, MODEL, period, until)
    verified = matured["status"].isin(["属实", "不属实"]).sum()
    cased = matured["case_date"].notna().sum()
    assert 0 < verified < expected["clue_verified"]      # the window really left clues out
    shown = text_of(_node(layout, "model-precision").get("children"))
    assert shown.startswith(f"{round(100 * cased / verified, 1):.1f}%")
    assert "近3个月发现的线索仍在核查中，不计入" in text

    # median days 发现 → 成案 over the same matured cohort
    days = (pd.to_datetime(matured["case_date"]) - pd.to_datetime(matured["found_date"])).dt.days.dropna()
    assert text_of(_node(layout, "model-median-days").get("children")) == f"{round(float(days.median()))}天"
    assert f"{len(days)}条已成案线索的中位数" in text


def test_drop_reasons_and_units_agree_with_the_staged_clues(page, as_leader, clues, data_month):
    period = Period.parse(f"{data_month}:r12")
    layout = page("model").layout(model_id=MODEL)
    cohort = _cohort(clues, MODEL, period)
    dropped = cohort[cohort["status"] == "不属实"]
    reasons = text_of(_node(layout, "model-reasons").get("children"))
    for reason, n in dropped["drop_reason"].fillna("未填写原因").value_counts().items():
        assert f"{reason} {n} " in reasons + " "
    assert f"共{len(dropped)}条线索核查不属实" in text_of(layout)

    units = {p["data-unit"]: text_of(p.get("children")) for p in nodes(_node(layout, "model-units")) if p.get("data-unit")}
    assert list(units) == sorted(units)            # unit-code order, never ranked
    for code in ("140800", YANHU, "140881"):       # the owner and units applying it
        assert code in units
    for code, row in units.items():
        f = cohort[cohort["unit_code"] == code]
        want = [len(f), f["status"].isin(["属实", "不属实"]).sum(), f["case_date"].notna().sum(),
                f["doc_date"].notna().sum()]
        assert [int(x) for x in row.split()[1:]] == [int(w) for w in want], code


def test_every_figure_links_to_its_clues(page, as_leader, data_month):
    layout = page("model").layout(model_id=MODEL, period="2023")
    links = _links(layout)
    assert "/clues?model=M01&unit=CITY&period=2023" in links              # the funnel, the trend
    assert f"/clues?model=M01&unit={YANHU}&period=2023" in links          # a unit's row
    assert any("&stage=" in x for x in links)                              # where the clues stand
    stages = {re.search(r"stage=([a-z]+)", x).group(1) for x in links if "stage=" in x}
    assert stages <= {"register", "route", "verify", "case", "document", "reply", "feedback", "overdue", "closed"}


def test_a_county_user_sees_counts_but_only_its_own_clue_links(page, as_county):
    layout = page("model").layout(model_id=MODEL, period="2023")
    units = {p["data-unit"]: text_of(p.get("children")) for p in nodes(_node(layout, "model-units")) if p.get("data-unit")}
    assert len(units) > 1                           # every unit's counts are shown …
    links = _links(layout)
    assert links, "its own unit's clues are linked"
    for x in links:                                 # … but only its own clues are linked
        assert f"unit={YANHU}" in x, x
    funnel = _node(layout, "model-funnel")          # the city-wide funnel: counts, no links
    assert not [p for p in nodes(funnel) if p.get("href")]
    assert _number(text_of(funnel.get("children")).split("发现线索", 1)[1]) > 0


def test_an_unknown_model_gets_a_friendly_notice(page, as_leader):
    for bad in ("M99", "P01", "<script>"):
        notice = next(p for p in nodes(page("model").layout(model_id=bad)) if p.get("className") == "cockpit-404")
        text = text_of(notice.get("children"))
        assert "未找到该模型" in text and "404" in text
        assert "没有编号为" in text and "法律监督模型" in text
        assert not re.search(r"[A-Za-z]{4,}", text.replace(bad, "")), "English on the notice"


# --------------------------------------------------------------------------- /models compared


def _compare(page, period, unit="CITY"):
    params = {"path": "/models", "query": {"period": period}, "period": period, "unit": unit}
    return page("models").compare_table(params)


def test_models_compared_with_maturity_and_sample_obeyed(page, as_leader, clues, data_month):
    period = f"{data_month}:r12"
    table = _compare(page, period)
    rows = {p["data-model"]: text_of(p.get("children")) for p in nodes(table) if p.get("data-model")}
    assert list(rows) == sorted(rows)                # model id order: no ranking by default
    text = text_of(table)
    assert text.startswith("模型 ") and "不排名次" in text      # no 排名 column
    assert "M21" in rows and rows["M21"].count("核查中") >= 2   # launched 2024-04, inside the window
    until = month_from_ordinal(month_ordinal(data_month) - MATURITY)
    for mid, row in rows.items():
        matured = _cohort(clues, mid, Period.parse(period), until)
        verified = int(matured["status"].isin(["属实", "不属实"]).sum())
        if 0 < verified < 20:
            assert "样本少" in row and "不比较" in row, mid
        if verified >= 20:
            cased = matured["case_date"].notna().sum()
            assert f"{round(100 * cased / verified, 1):.1f}%" in row
            assert "样本少" not in row.split("%")[0]
    hrefs = [p["href"] for p in nodes(table) if isinstance(p.get("href"), str)]
    assert "/models/M01?period=" + period in hrefs
    assert "近3个月发现的线索仍在核查中，不计入" in text


def test_ranking_only_when_switched_on(page, as_leader, data_month, monkeypatch):
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    text = text_of(_compare(page, f"{data_month}:r12"))
    assert text.startswith("排名 模型 ") and "不排名次" not in text


def test_models_page_keeps_its_content_and_defaults_to_twelve_months(page, as_leader, data_month):
    text = text_of(page("models").layout())
    for part in ("数字检察监督成效", "线索漏斗", "平台和模型台账", "各模型成效对比", "成案 ÷ 已核查"):
        assert part in text
    params = next(p["data"] for p in nodes(page("models").layout()) if p.get("id") == "mod-params")
    assert params["period"] == f"{data_month}:r12"


# --------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
def test_model_pages_in_chromium(demo_db_url, tmp_path, open_page):
    from browser_support import running_app, wait_for_dash
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    with running_app(tmp_path, demo_db_url) as srv:
        for width, height in ((1366, 768), (390, 844)):
            s = open_page(width, height, server=srv)
            for path, title in (("/models/M01", "强制隔离戒毒行政检察监督模型"), ("/models", "数字检察监督模型与线索")):
                response = s.page.goto(srv + path)
                assert response is not None and response.ok
                wait_for_dash(s.page)
                assert title in s.page.locator("h1.cockpit-title").inner_text()
                body = s.page.locator("#_pages_content").inner_text()
                for bad in ("页面暂时无法显示", "生成失败", "Traceback", "Error"):
                    assert bad not in body, (bad, path)
                if path == "/models":
                    assert "各模型成效对比" in body and "核查中" in body
                else:
                    assert "线索漏斗" in body and "不属实原因" in body
                if width == 390:
                    s.page.wait_for_timeout(500)
                    assert s.page.evaluate(overflow) <= 1, f"{path} scrolls sideways at 390 px"
            s.check_clean()


# --------------------------------------------------------------------------- the query, by hand


def test_model_metric_leaves_the_maturity_window_out():
    """MetricStore.model_metric on hand-made facts: the last 3 months up to the data month are
    left out (not flagged as a whole); a model with clues only inside them is 核查中; a matured
    cohort below min_sample is 样本少."""
    from cockpit.metrics.periods import month_range
    from cockpit.metrics.query import IMMATURE, SMALL, MetricStore
    rows = []
    for m in month_range("2023-10", "2024-06"):
        late = m >= "2024-04"
        rows += [("M01", YANHU, m, "clue_found", 10), ("M01", YANHU, m, "clue_verified", 8),
                 ("M01", YANHU, m, "clue_cased", 8 if late else 4)]
    rows += [("M02", YANHU, "2024-05", "clue_found", 3), ("M02", YANHU, "2024-06", "clue_verified", 1),
             ("M03", "140821", "2023-10", "clue_verified", 5), ("M03", "140821", "2023-10", "clue_cased", 1)]
    model_facts = pd.DataFrame(rows, columns=["model_id", "unit_code", "month", "measure_id", "value"])
    facts = pd.DataFrame([(YANHU, "2024-06", "clue_found", 13)], columns=["unit_code", "month", "measure_id", "value"])
    s = MetricStore.from_frames(facts, model_facts)
    assert s.data_month == "2024-06"
    df = s.model_metric("clue_case_rate", "2024-06:r12").set_index("model_id")
    m1 = df.loc["M01"]
    assert (m1["numerator"], m1["denominator"], m1["value"]) == (24.0, 48.0, 50.0)   # Oct–Mar only
    assert (m1["first_month"], m1["last_month"], m1["flag"]) == ("2023-07", "2024-03", "")
    assert df.loc["M02", "flag"] == IMMATURE and df.loc["M02", "value"] is None
    assert df.loc["M03", "flag"] == SMALL and df.loc["M03", "value"] == 20.0
    everything = s.model_metric("clue_case_rate", "2024-06:r12", matured=False).set_index("model_id")
    assert everything.loc["M01", "numerator"] == 24.0 + 3 * 8
    by_unit = s.model_by_unit("M01", ["clue_found", "clue_cased"], "2024").set_index("unit_code")
    assert by_unit.loc[YANHU, "clue_found"] == 60.0 and by_unit.loc["140821", "clue_found"] == 0.0
    series = s.model_series("M01", "clue_found", start="2023-09", end="2023-11")
    assert series["value"].tolist() == [None, 10.0, 10.0]        # before the feed's first month: unknown
