"""The pack as an editable Word document (python-docx): offices edit it before the meeting.

Fonts are named, not embedded: 宋体 for the text and 黑体 for the headings (what a Chinese
office's Word has; LibreOffice on Linux maps them to the installed Noto CJK fonts). Deterministic:
the core properties come from the pack (title, subject, created = modified = `generated_at`) and
every zip entry carries the same fixed date, so the same document gives the same bytes."""
from __future__ import annotations

import io
import zipfile

from docx import Document as new_document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from cockpit.report.blocks import Cover, Document, Figure, Heading, PageBreak, Paragraph, Table

BODY_FONT, HEADING_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)       # the earliest date a zip entry can carry
AUTHOR = "运城检察 数据驾驶舱"
GREY = RGBColor(0x5B, 0x66, 0x75)
HEADING_SIZE = {1: 16, 2: 13, 3: 11.5}
TEXT_WIDTH_CM = 17.0


def _fonts(element, east_asia: str, latin: str = LATIN_FONT) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    for key in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(key), None)


def _styles(d) -> None:
    normal = d.styles["Normal"]
    normal.font.size = Pt(10.5)
    _fonts(normal.element, BODY_FONT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.25
    for level, size in HEADING_SIZE.items():
        st = d.styles[f"Heading {level}"]
        st.font.size = Pt(size)
        st.font.bold = True
        st.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(st.element, HEADING_FONT, LATIN_FONT)
        st.paragraph_format.space_before = Pt(12 if level == 1 else 8)
        st.paragraph_format.space_after = Pt(6)


def _page(d, doc: Document) -> None:
    """A4 portrait; the running head at the top right, the page number at the bottom (a PAGE
    field Word fills in); none of either on the cover."""
    s = d.sections[0]
    s.page_width, s.page_height = Cm(21.0), Cm(29.7)
    s.left_margin = s.right_margin = Cm(2.0)
    s.top_margin = s.bottom_margin = Cm(2.2)
    s.different_first_page_header_footer = True
    head = s.header.paragraphs[0]
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(head, doc.running_head, 8, grey=True)
    foot = s.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "1"                    # shown until the reader updates the field
    run.append(text)
    field.append(run)
    foot._p.append(field)


def _run(p, text: str, size: float | None = None, bold: bool = False, grey: bool = False, font: str | None = None):
    r = p.add_run(text)
    if size:
        r.font.size = Pt(size)
    r.font.bold = bold or None
    if grey:
        r.font.color.rgb = GREY
    if font:
        _fonts(r._element, font)
    return r


def _cover(d, b: Cover) -> None:
    for _ in range(6):
        d.add_paragraph()
    for text, size in ((b.title, 22), (b.unit_label, 16), (b.period_label, 16)):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(14)
        _run(p, text, size, bold=size > 20, font=HEADING_FONT)
    for _ in range(6):
        d.add_paragraph()
    for line in b.lines:
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, line, 11)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _cell(cell, text: str, size: float, bold: bool = False, right: bool = False) -> None:
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(p, text, size, bold=bold)


def _table(d, b: Table) -> None:
    size = 7.5 if b.small else 8.5
    t = d.add_table(rows=1 + len(b.rows), cols=len(b.columns))
    t.style = d.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    widths = b.widths or (1.0,) * len(b.columns)
    total = sum(widths)
    cms = [Cm(TEXT_WIDTH_CM * w / total) for w in widths]
    for column, width in zip(t.columns, cms):     # the grid (LibreOffice reads it), then each cell (Word)
        column.width = width
    rows = t.rows
    head = rows[0]
    _repeat_header(head)
    numeric = set(b.numeric)
    for j, (cell, text) in enumerate(zip(head.cells, b.columns)):
        _cell(cell, text, size, bold=True, right=j in numeric)
        _shade(cell, "E8EDF4")
        cell.width = cms[j]
    for i, values in enumerate(b.rows):
        bold = i in b.total_rows
        for j, (cell, text) in enumerate(zip(rows[i + 1].cells, values)):
            _cell(cell, text, size, bold=bold, right=j in numeric)
            cell.width = cms[j]
    if b.note:
        p = d.add_paragraph()
        _run(p, b.note, 8.5, grey=True)
    else:
        d.add_paragraph().paragraph_format.space_after = Pt(2)


def _paragraph(d, b: Paragraph) -> None:
    p = d.add_paragraph()
    if b.style == "note":
        _run(p, b.text, 9, grey=True)
    elif b.style == "lead":
        _run(p, b.text, bold=True)
    else:
        _run(p, b.text)
        p.paragraph_format.first_line_indent = Pt(21)


def _figure(d, b: Figure) -> None:
    d.add_picture(io.BytesIO(b.png), width=Cm(min(b.width_cm, TEXT_WIDTH_CM)))
    d.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, b.caption, 9, grey=True)


def _properties(d, doc: Document) -> None:
    cp = d.core_properties
    cp.title = doc.title
    cp.subject = doc.subject
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.keywords = f"研判会商;{doc.month}"
    cp.comments = ""
    cp.category = "研判会商材料"
    cp.revision = 1
    when = doc.generated_at.replace(microsecond=0, tzinfo=None)
    cp.created = when
    cp.modified = when
    cp.last_printed = when


def fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated ZIP_DATE (entries in the same order), so equal
    contents give equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, src.read(info.filename))
    return out.getvalue()


def render(doc: Document) -> bytes:
    """The document as DOCX bytes."""
    d = new_document()
    _styles(d)
    _page(d, doc)
    _properties(d, doc)
    for b in doc.blocks:
        if isinstance(b, Cover):
            _cover(d, b)
        elif isinstance(b, Heading):
            d.add_heading(b.text, level=b.level)
        elif isinstance(b, Paragraph):
            _paragraph(d, b)
        elif isinstance(b, Table):
            _table(d, b)
        elif isinstance(b, Figure):
            _figure(d, b)
        elif isinstance(b, PageBreak):
            d.add_page_break()
    buf = io.BytesIO()
    d.save(buf)
    return fixed_zip(buf.getvalue())
