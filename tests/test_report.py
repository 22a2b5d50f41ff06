"""The monthly pack (研判会商材料, cockpit.report) on the small demo store: the DOCX and the PDF
text carry the metric layer's values as the pack formats them, for the city and for a county;
the PDF's text is Chinese; the city pack has a page per county; the same data and timestamp
give the same bytes; nothing is fetched from another host; a month outside the data is refused
in Chinese (exit 2 on the command line)."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import subprocess
import zipfile

import docx as python_docx
from docx.table import Table as DocxTable
import pytest

from cockpit.auth.cli import main
from cockpit.components import formatting as F
from cockpit.components import narrative as N
from cockpit.metrics import units as U
from cockpit.metrics.catalog import CORE_METRICS, METRIC_BY_ID
from cockpit.metrics.periods import Period
from cockpit.report import ReportError, build_pack, charts, content, pdf
from cockpit.report import sentences as S
from cockpit.report.blocks import Document, Paragraph
from cockpit.report.context import Context
from cockpit.report.library import pack_name, reports_dir

WHEN = dt.datetime(2024, 7, 3, 2, 5)
COUNTY = "140802"       # 盐湖区


def docx_text(path) -> str:
    """The text of a Word file in document order: a line per paragraph and per table row."""
    lines = []
    for block in python_docx.Document(str(path)).iter_inner_content():
        if isinstance(block, DocxTable):
            lines += [" | ".join(c.text for c in row.cells) for row in block.rows]
        else:
            lines.append(block.text)
    return "\n".join(lines)


def pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def expected_cells(store, unit: str, month: str) -> list[str]:
    """The core indicators of a unit as the pack's tables write them: the value with its flag
    and the 同比 cell — straight from the metric layer and the shared formatter."""
    out = []
    for mid in CORE_METRICS:
        m = METRIC_BY_ID[mid]
        r = store.by_unit(mid, Period.month(month)).set_index("unit").loc[unit]
        out.append(F.value_text(m, r["value"], r["status"], r["flag"]))
        out.append(N.change_cell(m, r, "yoy")[1])
    return out


def in_pdf(cell: str, text: str) -> bool:
    """A table cell in the PDF's text. A narrow cell may wrap, and pdftotext then puts the
    neighbour cells between its lines: a flagged cell (``33.3%（样本少）``) is looked for by
    its number, a not-compared one (``—（核查中，不比较）``) by its mark."""
    if "（" in cell:
        number, _, mark = cell.partition("（")
        cell = number if number != F.DASH else mark[:2]
    return re.sub(r"\s+", "", cell) in re.sub(r"\s+", "", text)


# the whole city pack (13 county pages, the PDF) is built once for these tests: in the full
# suite; the fast lane keeps the county packs, the command line, the charts and the errors
CITY_PACK = pytest.mark.slow


@pytest.fixture(scope="module")
def city_pack(demo_store, demo_engine, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    steps = []
    paths = build_pack(demo_store, None, None, out, engine=demo_engine, generated_at=WHEN,
                       progress=lambda done, total, what: steps.append((done, total, what)))
    return paths, steps


@pytest.fixture(scope="module")
def city_texts(city_pack):
    docx_path, pdf_path = city_pack[0]
    return docx_text(docx_path), pdf_text(pdf_path)


def county_section(text: str, code: str) -> str:
    """The county's page of a city pack's text: from its name to the next county's."""
    names = [U.UNIT_BY_CODE[c].name for c in U.COUNTY_CODES]
    name = U.UNIT_BY_CODE[code].name
    start = text.rindex(name)       # the page's heading (the last time the full name appears)
    ends = [text.find(n, start + len(name)) for n in names if n != name]
    ends = [e for e in ends if e > 0]
    return text[start:min(ends) if ends else len(text)]


@CITY_PACK
def test_the_city_pack_is_a_docx_and_a_pdf_named_by_month_and_unit(demo_store, city_pack):
    (docx_path, pdf_path), _ = city_pack
    stem = pack_name(demo_store.data_month, None)
    assert stem == f"研判会商材料-{demo_store.data_month}-全市"
    assert docx_path.name == f"{stem}.docx" and pdf_path.name == f"{stem}.pdf"
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    assert zipfile.is_zipfile(docx_path)
    # written atomically: nothing but the two files is left in the folder
    assert sorted(p.name for p in docx_path.parent.iterdir()) == sorted([docx_path.name, pdf_path.name])


@CITY_PACK
def test_the_docx_and_the_pdf_carry_the_citys_core_values(demo_store, city_texts):
    word, text = city_texts
    month = demo_store.data_month
    for cell in expected_cells(demo_store, U.CITY, month):
        assert cell in word
        assert in_pdf(cell, text), cell


@CITY_PACK
def test_a_county_page_carries_the_countys_core_values(demo_store, city_texts):
    word, text = city_texts
    page = county_section(text, COUNTY)
    word_page = county_section(word, COUNTY)
    assert "核心指标趋势" in page
    for cell in expected_cells(demo_store, COUNTY, demo_store.data_month):
        assert in_pdf(cell, page), cell
        assert cell in word_page


@CITY_PACK
def test_the_pdf_text_is_chinese_not_boxes(city_texts):
    _, text = city_texts
    assert "不捕率" in text
    assert "研判会商材料" in text
    assert "数据截至" in text
    assert "\ufffd" not in text       # no glyph pdftotext could not map back to a character


@CITY_PACK
def test_the_pdf_embeds_its_chinese_fonts(city_pack):
    """Charts are images; the text's fonts are embedded (subsets) with a Unicode map."""
    (_, pdf_path), _ = city_pack
    out = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert fonts and any("CJK" in f[0] for f in fonts)
    assert all(f[-5:-2] == ["yes", "yes", "yes"] for f in fonts), out     # emb, sub, uni


@CITY_PACK
def test_the_city_pack_has_a_page_per_county(city_texts):
    _, text = city_texts
    pages = text.split("\f")
    for code in U.COUNTY_CODES:
        name = U.UNIT_BY_CODE[code].name
        assert any(name in p and "县区中位数" in p for p in pages), name
    assert "附录二：各县（市、区）院" in text
    # one page each: the county's heading and its chart's caption on the same page
    for code in U.COUNTY_CODES:
        unit = U.UNIT_BY_CODE[code]
        heads = [i for i, p in enumerate(pages) if re.search(rf"(^|\n){unit.name}", p) and "常住人口" in p]
        captions = [i for i, p in enumerate(pages) if re.search(rf"(^|\n){unit.short}核心指标趋势", p)]
        assert len(heads) == 1 and heads == captions, (unit.short, heads, captions)


@CITY_PACK
def test_the_analysis_explains_the_city_change_by_its_units(demo_store, demo_engine, city_texts):
    """不捕率 …，同比上升 … 个百分点，主要来自X（…）: the units named are those of explain_change."""
    word, _ = city_texts
    ctx = Context(demo_store, demo_engine, demo_store.data_month, None, WHEN)
    m = METRIC_BY_ID["non_arrest_rate"]
    frame = demo_store.explain_change(m.id, ctx.period, "year", U.UNIT_CODES)
    assert not frame.attrs["refused"]
    sentence = S.indicator_sentence(ctx, m, U.CITY)
    assert sentence in word
    assert sentence.startswith(f"不捕率 {S.value_cell(m, ctx.row(m.id, U.CITY))}，同比")
    phrase = S.contributors_phrase(m, frame)
    if phrase:
        assert phrase in sentence
        top = N.largest_contributors(m, frame, 3)
        assert any(r["unit_label"] in phrase for r in top)


@CITY_PACK
def test_no_ranks_and_no_judgement_of_counts(city_texts):
    word, text = city_texts
    for bad in ("排名第", "位列", "前三", "后三", "最好", "最差"):
        assert bad not in word and bad not in text
    # a count's sentence says it grew or shrank and that it is not judged
    count = [line for line in word.splitlines() if line.startswith("在管人数 ") and " | " not in line]
    assert count and all("不评优劣" in line for line in count)


def test_the_pack_does_not_rank_even_with_ranking_on(demo_store, demo_engine, monkeypatch):
    """COCKPIT_RANKING=on adds ranks to the pages; the pack's county page stays the same."""
    def page():
        ctx = Context(demo_store, demo_engine, demo_store.data_month, None, WHEN)
        blocks = [b for b in content.county_page(ctx, COUNTY) if not isinstance(b, content.Figure)]
        return Document("t", "t", ctx.month, WHEN, blocks).text()

    off = page()
    monkeypatch.setenv("COCKPIT_RANKING", "on")
    assert page() == off
    assert "排名" not in off and "前三" not in off


@CITY_PACK
def test_immature_values_are_marked_and_not_compared(city_texts):
    """线索成案率 (maturity 3 months) in the data month: shown with 核查中, no 同比/环比."""
    word, _ = city_texts
    rows = [line for line in word.splitlines() if line.startswith("线索成案率 |")]
    assert rows
    for row in rows:
        cells = row.split(" | ")
        assert "核查中" in cells[1]
        assert all("不比较" in c or c == "—" for c in cells[2:4])


def test_a_platform_not_yet_live_says_so(demo_store, demo_engine):
    ctx = Context(demo_store, demo_engine, "2023-05", None, WHEN)
    text = Document("t", "t", "2023-05", WHEN, content.platforms(ctx)).text()
    assert "运城“指南针”未检云平台（2023年8月上线）" in text
    assert "2023年5月该平台尚未上线：其指标为“未上线”，不是0。" in text


@CITY_PACK
def test_no_personal_data_in_the_pack(city_texts):
    word, text = city_texts
    assert "**" not in word and "**" not in text                # masked names
    assert not re.search(r"\d{17}[\dXx]", word + text)          # ID numbers


@CITY_PACK
def test_progress_is_reported_section_by_section_and_county_by_county(city_pack):
    _, steps = city_pack
    total = steps[0][1]
    assert [s[0] for s in steps] == list(range(1, total + 1))
    whats = [s[2] for s in steps]
    assert "总体态势" in whats and "盐湖区" in whats and whats[-1] == "PDF"


@pytest.mark.slow   # three whole builds of a pack: in the full suite, not the fast lane
def test_the_same_month_gives_the_same_bytes(demo_store, demo_engine, tmp_path):
    a = build_pack(demo_store, "2024-05", COUNTY, tmp_path / "a", engine=demo_engine, generated_at=WHEN)
    b = build_pack(demo_store, "2024-05", COUNTY, tmp_path / "b", engine=demo_engine, generated_at=WHEN)
    assert [p.name for p in a] == [p.name for p in b] == ["研判会商材料-2024-05-盐湖区.docx", "研判会商材料-2024-05-盐湖区.pdf"]
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes(), x.name
    # the timestamp is in both files
    docx_file = python_docx.Document(str(a[0]))
    assert docx_file.core_properties.created.replace(tzinfo=None) == WHEN
    assert {i.date_time for i in zipfile.ZipFile(a[0]).infolist()} == {(1980, 1, 1, 0, 0, 0)}
    info = subprocess.run(["pdfinfo", "-isodates", str(a[1])], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CreationDate:\s+2024-07-03T02:05:00", info)
    # re-running replaces the files in place
    again = build_pack(demo_store, "2024-05", COUNTY, tmp_path / "a", engine=demo_engine, generated_at=WHEN)
    assert again == a and sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in a)
    # a county pack compares the unit with the city and the median
    text = docx_text(a[0])
    assert "与全市比较" in text and "县区中位数" in text
    for cell in expected_cells(demo_store, COUNTY, "2024-05"):
        assert cell in text


def test_nothing_is_fetched_from_another_host(monkeypatch):
    connects = []
    monkeypatch.setattr(socket.socket, "connect", lambda self, addr: connects.append(addr))
    fetcher = pdf.LocalFetcher()
    page = ('<html><head><link rel="stylesheet" href="https://fonts.example.com/x.css">'
            '<style>@import url("http://cdn.example.com/y.css"); @font-face { font-family: X; '
            'src: url(https://fonts.example.com/x.woff2); } p { font-family: X, sans-serif; }</style></head>'
            '<body><p>不捕率</p><img src="http://tiles.example.com/z.png"><img src="ftp://example.com/a.png">'
            '</body></html>')
    out = pdf.render_html(page, fetcher)
    assert out[:5] == b"%PDF-"
    assert connects == []
    assert {u.split("/")[2] for u in fetcher.refused} == {"fonts.example.com", "cdn.example.com",
                                                          "tiles.example.com", "example.com"}
    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch("https://example.com/")


def test_the_pack_html_is_self_contained(demo_store, demo_engine):
    ctx = Context(demo_store, demo_engine, demo_store.data_month, COUNTY, WHEN)
    doc = Document("t", "t", ctx.month, WHEN, content.overview(ctx))
    page = pdf.to_html(doc)
    assert "http://" not in page and "https://" not in page
    assert 'src="data:image/png;base64,' in page


def test_charts_are_drawn_in_a_chinese_font_without_missing_glyphs(demo_store, demo_engine, recwarn):
    ctx = Context(demo_store, demo_engine, demo_store.data_month, COUNTY, WHEN)
    first = content.trend_figure(ctx, COUNTY, "图", columns=3)
    again = content.trend_figure(ctx, COUNTY, "图", columns=3)
    assert first.png[:8] == b"\x89PNG\r\n\x1a\n" and first.png == again.png     # same data, same bytes
    assert "CJK" in charts.cjk_family()
    assert not [w for w in recwarn if "missing from font" in str(w.message)]
    assert b"tIME" not in first.png and b"Software" not in first.png           # no date, no software chunk


def test_without_a_chinese_font_the_pack_says_what_to_install(monkeypatch):
    monkeypatch.setattr(charts.font_manager.fontManager, "ttflist", [])
    charts.cjk_family.cache_clear()
    try:
        with pytest.raises(ReportError, match="fonts-noto-cjk"):
            charts.cjk_family()
    finally:
        monkeypatch.undo()
        charts.cjk_family.cache_clear()
    assert charts.cjk_family()


@pytest.mark.parametrize("month, words", [
    ("2031-01", "晚于数据截至月份"),
    ("1999-01", "早于最早有数据的月份"),
    ("2024-13", "格式不对"),
    ("五月", "格式不对"),
])
def test_a_month_outside_the_data_is_refused_in_chinese(demo_store, demo_engine, tmp_path, month, words):
    with pytest.raises(ReportError, match=words):
        build_pack(demo_store, month, None, tmp_path, engine=demo_engine)
    assert not any(tmp_path.iterdir())


def test_an_unknown_unit_is_refused_in_chinese(demo_store, demo_engine, tmp_path):
    with pytest.raises(ReportError, match="没有编码为“999999”的检察院"):
        build_pack(demo_store, None, "999999", tmp_path, engine=demo_engine)


def test_the_command_line_exits_2_with_a_chinese_error(demo_engine, tmp_path, capsys):
    assert main(["report", "--month", "2031-01", "--out", str(tmp_path)], engine=demo_engine) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：2031年1月晚于数据截至月份")
    assert not any(tmp_path.iterdir())


def test_an_empty_store_has_no_pack(tmp_path, capsys):
    from cockpit.metrics.engine import make_engine
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert main(["report", "--out", str(tmp_path / "out")], engine=engine) == 2
    finally:
        engine.dispose()
    assert "还没有任何数据" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_command_line_writes_the_pack_into_the_reports_folder(demo_store, demo_engine, tmp_path, monkeypatch,
                                                                   capsys):
    monkeypatch.setenv("COCKPIT_REPORTS_DIR", str(tmp_path / "reports"))
    assert reports_dir() == tmp_path / "reports"
    assert main(["report", "--unit", COUNTY, "--month", "2024-04"], engine=demo_engine) == 0
    out = capsys.readouterr()
    names = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert names == ["研判会商材料-2024-04-盐湖区.docx", "研判会商材料-2024-04-盐湖区.pdf"]
    assert "已生成研判会商材料" in out.out
    assert "[1/" in out.err and "PDF" in out.err        # progress on stderr


def test_reports_dir_defaults_to_data_reports(monkeypatch):
    monkeypatch.delenv("COCKPIT_REPORTS_DIR", raising=False)
    assert str(reports_dir()) == "data/reports"


def test_document_text_lists_every_block():
    doc = Document("t", "s", "2024-05", WHEN, [Paragraph("甲"), Paragraph("乙", "note")])
    assert doc.text() == "甲\n乙"
