"""Exports of the /compare view: XLSX (xlsxwriter) and CSV, with Chinese headers and the period.

The content is the page's own view model (cockpit.components.compare_view.CompareView): the
same rows in the same order, each value as displayed (rounded to the indicator's precision;
未上线 / 无数据 as text). The XLSX has three sheets:

    县区对比   title, 统计期间, then the matrix (单位 × 指标（单位）), cells coloured like the page
    县区排名   (ranking on) the 13 counties' rank on each ranked indicator and their mean rank
    比较基准   (ranking off, the default) each rate's city value, county median and spread
    指标口径   every indicator of the view: 口径, 计算公式, 单位, 类型, 方向, 成熟期, 最小样本, 数据来源,
               全国参考值

A flagged value (核查中 / 办理中 / 样本少) carries its mark: in the XLSX a number displayed
with it (number format ``0.0"（样本少）"``), in the CSV the text ``33.3（样本少）``; 不适用 /
未上线 / 无数据 are text.

The CSV (UTF-8 with BOM, so Excel opens the Chinese correctly) is the matrix with the period as
its first column.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime

import xlsxwriter

from cockpit.components import formatting as F
from cockpit.components.catalog_groups import GROUPS
from cockpit.components.compare_view import CompareView
from cockpit.metrics.catalog import METRIC_BY_ID
from cockpit.metrics.periods import month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

SHEET_MATRIX, SHEET_RANKING, SHEET_DEFINITIONS = "县区对比", "县区排名", "指标口径"
SHEET_REFERENCES = "比较基准"
MATRIX_HEADER_ROW = 3          # 0-based row of the matrix header in the 县区对比 sheet
TITLE = "运城检察 县区指标对比"


def file_stem(view: CompareView) -> str:
    return f"县区指标对比_{GROUPS[view.group][0]}_{str(view.period).replace(':', '_')}"


DEFINITION_HEADERS = ["指标", "口径", "计算公式", "单位", "类型", "方向", "成熟期", "最小样本", "数据来源", "全国参考值"]


def definition_rows(view: CompareView) -> list[list[str]]:
    rows = []
    for mid in view.metrics:
        m = METRIC_BY_ID[mid]
        p = PLATFORM_BY_ID[m.platform]
        rows.append([m.name, m.definition, m.formula if m.is_ratio else "计数", m.unit, m.kind_label,
                     F.direction_text(m), m.maturity_text or "—", m.min_sample_text or "—",
                     f"{p.name}（{month_label(p.launch)}起）", F.national_text(m) or "—"])
    return rows



def to_xlsx(view: CompareView, generated: datetime | None = None) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": TITLE, "company": "运城市人民检察院", "created": generated or datetime(2000, 1, 1)})
    title_f = wb.add_format({"bold": True, "font_size": 14, "font_color": "#0b2a5b"})
    meta_f = wb.add_format({"font_color": "#5b6675"})
    head_f = wb.add_format({"bold": True, "bg_color": "#eef2f8", "font_color": "#0b2a5b", "border": 1,
                            "border_color": "#dfe4ec", "text_wrap": True, "valign": "vcenter", "align": "center"})
    unit_f = wb.add_format({"bold": True, "border": 1, "border_color": "#dfe4ec"})
    text_f = wb.add_format({"border": 1, "border_color": "#dfe4ec", "font_color": "#8a94a3", "align": "right"})
    wrap_f = wb.add_format({"text_wrap": True, "valign": "top", "border": 1, "border_color": "#dfe4ec"})
    num_formats: dict[tuple[int, str | None, bool, str], object] = {}

    def num_f(decimals: int, color: str | None, bold: bool = False, mark: str = ""):
        key = (decimals, color, bold, mark)
        if key not in num_formats:
            # a flagged value stays a number, displayed with its mark: 33.3（样本少）
            suffix = f'"（{mark}）"' if mark else ""
            spec = {"num_format": "#,##0" + ("." + "0" * decimals if decimals else "") + suffix, "border": 1,
                    "border_color": "#dfe4ec", "bold": bold}
            if mark:
                spec["font_color"] = "#6b5a00"
            if color:
                spec["bg_color"] = color
            num_formats[key] = wb.add_format(spec)
        return num_formats[key]

    # --- 县区对比 --------------------------------------------------------------------------------
    ws = wb.add_worksheet(SHEET_MATRIX)
    ws.write(0, 0, f"{TITLE}（{GROUPS[view.group][0]}）", title_f)
    ws.write(1, 0, f"统计期间：{view.period_label}", meta_f)
    if view.ranking_on:
        ws.write(2, 0, "颜色为各县区在13个县（市、区）院中的位次（绿色较好、红色较差；政策导向指标蓝色为宜、橙色为次），"
                       "只对可比的比率指标排位；“样本少”“核查中”的数值不参与。", meta_f)
    else:
        ws.write(2, 0, "县区按单位编码排列，不排名次、不评优劣；“样本少”“核查中”“办理中”的数值以文字标注，不参与比较。", meta_f)
    ws.write_row(MATRIX_HEADER_ROW, 0, view.headers, head_f)
    ws.set_row(MATRIX_HEADER_ROW, 36)
    for i, row in enumerate(view.rows, start=MATRIX_HEADER_ROW + 1):
        ws.write_string(i, 0, row.label, unit_f)
        for j, (mid, cell) in enumerate(zip(view.metrics, row.cells), start=1):
            m = METRIC_BY_ID[mid]
            if cell.value is None:
                ws.write_string(i, j, cell.text, text_f)   # 不适用 / 未上线 / 无数据
            else:
                ws.write_number(i, j, cell.value, num_f(m.decimals, cell.color, row.kind == "city", cell.mark))
    ws.set_column(0, 0, 12)
    ws.set_column(1, len(view.metrics), 13)
    ws.freeze_panes(MATRIX_HEADER_ROW + 1, 1)

    # --- 县区排名 (ranking on) / 比较基准 (ranking off) -------------------------------------------
    if view.ranking_on:
        wr = wb.add_worksheet(SHEET_RANKING)
        wr.write(0, 0, f"{TITLE} · 县区排名（1 = 最好，按指标方向）", title_f)
        wr.write(1, 0, f"统计期间：{view.period_label}", meta_f)
        rank_head = ["单位"] + [METRIC_BY_ID[m].name for m in view.rank_metrics] + ["平均名次"]
        wr.write_row(3, 0, rank_head, head_f)
        wr.set_row(3, 36)
        for i, r in enumerate(view.ranking, start=4):
            wr.write_string(i, 0, r.label, unit_f)
            for j, rank in enumerate(r.ranks, start=1):
                if rank is None:
                    wr.write_string(i, j, "—", text_f)
                else:
                    wr.write_number(i, j, rank, num_f(0, None))
            if r.mean_rank is None:
                wr.write_string(i, len(r.ranks) + 1, "—", text_f)
            else:
                wr.write_number(i, len(r.ranks) + 1, r.mean_rank, num_f(1, None, True))
        wr.set_column(0, 0, 12)
        wr.set_column(1, len(rank_head), 12)

    else:
        wr = wb.add_worksheet(SHEET_REFERENCES)
        wr.write(0, 0, f"{TITLE} · 比较基准（比率指标的全市值、县区中位数和四分位范围）", title_f)
        wr.write(1, 0, f"统计期间：{view.period_label}", meta_f)
        wr.write_row(3, 0, ["指标", "全市", "县区中位数", "县区四分位范围"], head_f)
        for i, ref in enumerate(view.references, start=4):
            wr.write_row(i, 0, list(ref), wrap_f)
        wr.set_column(0, 0, 22)
        wr.set_column(1, 3, 18)

    # --- 指标口径 --------------------------------------------------------------------------------
    wd = wb.add_worksheet(SHEET_DEFINITIONS)
    wd.write_row(0, 0, DEFINITION_HEADERS, head_f)
    for i, r in enumerate(definition_rows(view), start=1):
        wd.write_row(i, 0, r, wrap_f)
    wd.set_column(0, 0, 18)
    wd.set_column(1, 1, 60)
    wd.set_column(2, 2, 36)
    wd.set_column(3, 3, 6)
    wd.set_column(4, 5, 16)
    wd.set_column(6, 7, 30)
    wd.set_column(8, 8, 34)
    wd.set_column(9, 9, 24)
    wb.close()
    return buf.getvalue()


def to_csv(view: CompareView) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["统计期间"] + view.headers)
    for row in view.rows:
        w.writerow([view.period_label, row.label] + [
            cell.text if cell.value is None or cell.mark else f"{cell.value:.{METRIC_BY_ID[mid].decimals}f}"
            for mid, cell in zip(view.metrics, row.cells)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- a plain list (the clue ledger's rows) ------------------------------------------------------

def table_csv(headers: list[str], rows: list[list[str]], meta: list[tuple[str, str]] = ()) -> bytes:
    """A list as CSV (UTF-8 with BOM): the `meta` pairs (统计范围 …) as leading columns of
    every row, then the headers and the cells as given (already masked and formatted)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([k for k, _ in meta] + list(headers))
    for row in rows:
        w.writerow([v for _, v in meta] + list(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(title: str, headers: list[str], rows: list[list[str]], meta: list[tuple[str, str]] = (),
               sheet: str = "清单", notes: list[list[str]] | None = None, notes_sheet: str = "说明",
               generated: datetime | None = None) -> bytes:
    """A list as XLSX: title, the `meta` lines, then the table (text cells, header frozen); an
    optional second sheet of notes (e.g. the rules applied)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": title, "company": "运城市人民检察院", "created": generated or datetime(2000, 1, 1)})
    title_f = wb.add_format({"bold": True, "font_size": 14, "font_color": "#0b2a5b"})
    meta_f = wb.add_format({"font_color": "#5b6675"})
    head_f = wb.add_format({"bold": True, "bg_color": "#eef2f8", "font_color": "#0b2a5b", "border": 1,
                            "border_color": "#dfe4ec", "text_wrap": True, "valign": "vcenter"})
    cell_f = wb.add_format({"border": 1, "border_color": "#dfe4ec", "valign": "top"})
    ws = wb.add_worksheet(sheet)
    ws.write(0, 0, title, title_f)
    for i, (k, v) in enumerate(meta, start=1):
        ws.write_string(i, 0, f"{k}：{v}", meta_f)
    top = len(meta) + 2
    ws.write_row(top, 0, list(headers), head_f)
    for i, row in enumerate(rows, start=top + 1):
        for j, v in enumerate(row):
            ws.write_string(i, j, "" if v is None else str(v), cell_f)
    ws.set_column(0, max(0, len(headers) - 1), 16)
    ws.freeze_panes(top + 1, 1)
    if notes:
        wn = wb.add_worksheet(notes_sheet)
        for i, row in enumerate(notes):
            wn.write_row(i, 0, row, head_f if i == 0 else cell_f)
        wn.set_column(0, 3, 24)
    wb.close()
    return buf.getvalue()
