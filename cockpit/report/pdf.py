"""The pack as a PDF (WeasyPrint: HTML + CSS → PDF), the same blocks as the Word file.

Nothing is fetched from another host: the HTML carries its stylesheet inline and its charts as
`data:` URLs, the fonts come from the local fontconfig (Noto Sans CJK, `charts.cjk_family`), and
the URL fetcher (`LocalFetcher`) refuses every URL that is not `file:` or `data:` — whatever a
text might contain, WeasyPrint cannot reach the network. Deterministic: the creation and
modification dates are `generated_at`; WeasyPrint derives the file identifier from the content."""
from __future__ import annotations

import base64
import html

from weasyprint import HTML
from weasyprint.urls import URLFetcher

from cockpit.report.blocks import Cover, Document, Figure, Heading, PageBreak, Paragraph, Table
from cockpit.report.charts import cjk_family

ALLOWED = ("file", "data")


class RefusedURL(ValueError):
    """A URL the pack may not fetch (anything but file: and data:)."""


class LocalFetcher(URLFetcher):
    """WeasyPrint's fetcher limited to `file:` and `data:` URLs, no redirects; `refused` lists
    the URLs it turned away."""

    def __init__(self):
        super().__init__(allowed_protocols=ALLOWED, allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = str(url).split(":", 1)[0].lower() if ":" in str(url) else ""
        if scheme not in ALLOWED:
            self.refused.append(str(url))
            raise RefusedURL(f"the pack fetches nothing from another host: {url}")
        return super().fetch(url, headers)


CSS = """
@page { size: A4; margin: 2.2cm 2cm 2cm 2cm;
        @top-right { content: "%(running)s"; font-size: 8pt; color: #8a94a3; }
        @bottom-center { content: counter(page); font-size: 9pt; color: #5b6675; } }
@page cover { @top-right { content: none; } @bottom-center { content: none; } }
html { font-family: %(font)s; font-size: 10.5pt; line-height: 1.5; color: #1f2933; }
h1, h2, h3 { font-weight: bold; color: #000; page-break-after: avoid; margin: 0.9em 0 0.4em; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; } h3 { font-size: 11.5pt; }
p { margin: 0 0 0.4em; }
p.body { text-indent: 2em; }
p.note, .table-note, .caption { font-size: 9pt; color: #5b6675; }
p.lead { font-weight: bold; }
.cover { page: cover; text-align: center; padding-top: 6cm; }
.cover .title { font-size: 22pt; font-weight: bold; margin-bottom: 1.2em; }
.cover .unit, .cover .period { font-size: 16pt; margin-bottom: 0.6em; }
.cover .lines { margin-top: 6cm; font-size: 11pt; }
table { border-collapse: collapse; table-layout: fixed; width: 100%%; margin: 0.3em 0 0.2em; font-size: 8.5pt; }
table.small { font-size: 7.5pt; }
th, td { border: 0.5pt solid #9aa5b1; padding: 2pt 3pt; vertical-align: top; }
th { background: #e8edf4; font-weight: bold; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.num { text-align: right; }
tr.total td { font-weight: bold; }
.figure { text-align: center; margin: 0.4em 0; page-break-inside: avoid; }
.figure img { max-width: 100%%; }
.break { page-break-after: always; }
"""


def _font_stack() -> str:
    return ", ".join(f'"{f}"' for f in (cjk_family(), "Noto Sans CJK SC", "Source Han Sans SC")) + ", sans-serif"


def _css_string(text: str) -> str:
    """Text inside a CSS string: quotes and backslashes escaped, no line breaks, no markup."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return text.replace("<", "\\3c ").replace(">", "\\3e ")


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(b: Table) -> str:
    numeric = set(b.numeric)
    widths = b.widths or (1.0,) * len(b.columns)
    total = sum(widths)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in widths)
    head = "".join(f'<th class="{"num" if j in numeric else ""}">{_e(c)}</th>' for j, c in enumerate(b.columns))
    body = []
    for i, row in enumerate(b.rows):
        cells = "".join(f'<td class="{"num" if j in numeric else ""}">{_e(v)}</td>' for j, v in enumerate(row))
        body.append(f'<tr class="{"total" if i in b.total_rows else ""}">{cells}</tr>')
    note = f'<p class="table-note">{_e(b.note)}</p>' if b.note else ""
    return (f'<table class="{"small" if b.small else ""}"><colgroup>{cols}</colgroup>'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{note}')


def to_html(doc: Document) -> str:
    """The document as one self-contained HTML page (inline CSS, charts as data: URLs)."""
    parts = []
    for b in doc.blocks:
        if isinstance(b, Cover):
            lines = "".join(f"<div>{_e(x)}</div>" for x in b.lines)
            parts.append(f'<section class="cover"><div class="title">{_e(b.title)}</div>'
                         f'<div class="unit">{_e(b.unit_label)}</div><div class="period">{_e(b.period_label)}</div>'
                         f'<div class="lines">{lines}</div></section>')
        elif isinstance(b, Heading):
            parts.append(f"<h{b.level}>{_e(b.text)}</h{b.level}>")
        elif isinstance(b, Paragraph):
            parts.append(f'<p class="{_e(b.style)}">{_e(b.text)}</p>')
        elif isinstance(b, Table):
            parts.append(_table(b))
        elif isinstance(b, Figure):
            data = base64.b64encode(b.png).decode("ascii")
            parts.append(f'<div class="figure"><img src="data:image/png;base64,{data}" style="width:{b.width_cm}cm">'
                         f'<div class="caption">{_e(b.caption)}</div></div>')
        elif isinstance(b, PageBreak):
            parts.append('<div class="break"></div>')
    when = doc.generated_at.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{_e(doc.title)}</title>'
            f'<meta name="author" content="运城检察 数据驾驶舱"><meta name="description" content="{_e(doc.subject)}">'
            f'<meta name="dcterms.created" content="{when}"><meta name="dcterms.modified" content="{when}">'
            f'<style>{CSS % {"font": _font_stack(), "running": _css_string(doc.running_head)}}</style></head>'
            f'<body>{"".join(parts)}</body></html>')


def render_html(text: str, fetcher: LocalFetcher | None = None) -> bytes:
    """HTML → PDF bytes with the local-only fetcher (no base URL: nothing relative resolves)."""
    fetcher = fetcher or LocalFetcher()
    return HTML(string=text, url_fetcher=fetcher, base_url=None).write_pdf()


def render(doc: Document) -> bytes:
    """The document as PDF bytes."""
    return render_html(to_html(doc))
