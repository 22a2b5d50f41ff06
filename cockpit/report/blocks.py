"""The monthly pack as a renderer-neutral document: a list of blocks that `content` builds from
the metric layer and `docx` / `pdf` render the same way. Text only, already formatted (numbers
by cockpit.components.formatting); a figure is a PNG (cockpit.report.charts)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Cover:
    title: str                       # 运城市检察机关业务数据分析研判会商材料
    unit_label: str                  # 全市 / 盐湖区人民检察院
    period_label: str                # 2024年5月
    lines: tuple[str, ...] = ()      # 数据截至…, 数据来源…, 生成时间…


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1                   # 1 a chapter, 2 a section, 3 a sub-section


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"              # body | note (small, grey) | lead (the analysis' key sentences)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = ()    # column indexes right-aligned (numbers)
    total_rows: tuple[int, ...] = () # row indexes in bold (全市, 合计)
    widths: tuple[float, ...] = ()   # relative column widths ("" = equal)
    small: bool = False              # a wide table in a smaller font
    note: str = ""                   # a line under the table


@dataclass(frozen=True)
class Figure:
    png: bytes
    caption: str
    width_cm: float = 16.0


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Cover | Heading | Paragraph | Table | Figure | PageBreak


@dataclass
class Document:
    title: str                       # the file's title property
    subject: str                     # 2024年5月 · 全市
    month: str                       # YYYY-MM
    generated_at: datetime
    blocks: list[Block] = field(default_factory=list)

    @property
    def running_head(self) -> str:
        """The line at the top of each page: 研判会商材料 · 2024年5月 · 全市."""
        return f"研判会商材料 · {self.subject}"

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def text(self) -> str:
        """Every text of the document, one line per paragraph or table row (tests, search)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Cover):
                out += [b.title, b.unit_label, b.period_label, *b.lines]
            elif isinstance(b, (Heading, Paragraph)):
                out.append(b.text)
            elif isinstance(b, Table):
                out.append(" | ".join(b.columns))
                out += [" | ".join(r) for r in b.rows]
                if b.note:
                    out.append(b.note)
            elif isinstance(b, Figure):
                out.append(b.caption)
        return "\n".join(out)
