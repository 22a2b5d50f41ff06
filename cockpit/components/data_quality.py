"""The pieces of 数据质量 `/data-quality` and the overview's stale-source notice, built from the
frames of `cockpit.metrics.quality`. Tables scroll inside their box (dbc responsive tables).

Counts are never coloured better or worse: a cell with no file is 未报送 (dashed, italic,
neutral grey), a month before a platform's launch is 未上线 (muted) — neither is red."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from cockpit.metrics import quality as Q
from cockpit.metrics import units as U
from cockpit.metrics.contracts import SOURCE_BY_ID, SOURCES
from cockpit.metrics.periods import month_label

MISSING, NOT_LIVE = "未报送", "未上线"


def unit_name(code: str) -> str:
    return Q.UNKNOWN_LABEL if code == Q.UNKNOWN else U.UNIT_BY_CODE[code].short


def short_month(month: str) -> str:
    return f"{month[2:4]}年{int(month[5:7])}月"


def _table(head: list, rows: list[list], class_name: str = "") -> dbc.Table:
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])),
                      html.Tbody([html.Tr(r) for r in rows])],
                     size="sm", bordered=True, responsive=True, class_name=f"cockpit-table dq-table {class_name}")


def _count_cell(counts: dict, key: tuple, source_id: str, month: str) -> html.Td:
    if not Q.live(source_id, month):
        return html.Td(NOT_LIVE, className="dq-cell dq-notlive")
    hit = counts.get(key)
    if hit is None:
        return html.Td(MISSING, className="dq-cell dq-missing")
    rows, files = hit
    return html.Td(f"{rows:,}", className="dq-cell dq-got", title=f"{files} 个文件")


def _counts(subs: pd.DataFrame, keys: list[str]) -> dict:
    return {tuple(k): (int(r), int(f)) for *k, r, f in
            subs[keys + ["rows_loaded", "files"]].itertuples(index=False, name=None)}


def matrix(subs: pd.DataFrame, month: str, units: list[str]) -> dbc.Table:
    """Units (rows) × sources (columns): rows received in `month`."""
    counts = _counts(subs[subs["month"] == month], ["unit_code", "source"])
    rows = [[html.Th(unit_name(u), scope="row")] +
            [_count_cell(counts, (u, s.id), s.id, month) for s in SOURCES] for u in units]
    return _table(["单位"] + [s.name for s in SOURCES], rows, "dq-matrix")


def month_strip(subs: pd.DataFrame, source_id: str, months: list[str], units: list[str]) -> dbc.Table:
    """Units (rows) × months (columns): rows of one source received per month."""
    counts = _counts(subs[subs["source"] == source_id], ["unit_code", "month"])
    rows = [[html.Th(unit_name(u), scope="row")] +
            [_count_cell(counts, (u, m), source_id, m) for m in months] for u in units]
    return _table(["单位"] + [short_month(m) for m in months], rows, "dq-strip")


def reasons_table(rej: pd.DataFrame) -> html.Div | dbc.Table:
    if rej.empty:
        return html.Div("所选月份没有退回（隔离）的数据行。", className="cockpit-state state-empty")
    rows = []
    for code, part in rej.groupby("unit_code", sort=True):
        first = True
        for r in part.itertuples():
            rows.append([html.Th(unit_name(code) if first else "", scope="row"),
                         html.Td(f"{int(r.total):,}" if first else ""),
                         html.Td(r.reason, className="dq-reason"), html.Td(f"{int(r.rows):,}")])
            first = False
    return _table(["单位", "退回行数", "主要原因（同类合并，不含具体数值）", "行数"], rows, "dq-reasons")


def last_loads_table(ll: pd.DataFrame) -> html.Div | dbc.Table:
    if ll.empty:
        return html.Div("尚未导入任何数据文件。", className="cockpit-state state-empty")
    rows = []
    for r in ll.itertuples():
        when = pd.Timestamp(r.last_loaded_at).strftime("%Y-%m-%d %H:%M")
        newest = month_label(r.newest_month) if isinstance(r.newest_month, str) else "—"
        rows.append([html.Th(SOURCE_BY_ID[r.source].name, scope="row"), html.Td(when), html.Td(newest),
                     html.Td(f"{int(r.files):,}"), html.Td(f"{int(r.rows_loaded):,}")])
    return _table(["数据源", "最近导入时间", "最新数据月份", "文件数", "入库行数"], rows, "dq-loads")


def error_table(er: pd.DataFrame, months: list[str], units: list[str]) -> dbc.Table:
    """Units × months: rejected ÷ read (— when nothing was read)."""
    by = {(r.unit_code, r.month): r for r in er.itertuples()}
    rows = []
    for u in units:
        cells = [html.Th(unit_name(u), scope="row")]
        for m in months:
            r = by.get((u, m))
            if r is None or not r.rows_read:
                cells.append(html.Td("—", className="dq-cell dq-none"))
            else:
                cells.append(html.Td(f"{100 * r.rate:.1f}%", className="dq-cell",
                                     title=f"退回 {int(r.rows_rejected):,} 行 / 读取 {int(r.rows_read):,} 行"))
        rows.append(cells)
    return _table(["单位"] + [short_month(m) for m in months], rows, "dq-errors")


def stale_notice(stale: pd.DataFrame):
    """The overview's notice for administrators (None when no source is stale)."""
    if stale is None or stale.empty:
        return None
    parts = [f"{r.name}（{'最新 ' + month_label(r.newest_month) if r.newest_month else '从未报送'}）"
             for r in stale.itertuples()]
    return dbc.Alert([html.Span("以下数据源已超过一个月未更新：" + "、".join(parts) + "。"),
                      html.A("查看数据质量", href=dash.get_relative_path("/data-quality"), className="alert-link ms-1")],
                     color="secondary", class_name="dq-stale-notice", id="dq-stale-notice")


def admin_stale_notice(principal, engine, data_month: str | None, today=None):
    """The stale-source notice for an administrator; None for anyone else."""
    import datetime as dt

    from cockpit.auth import roles
    if principal is None or principal.role != roles.ADMIN:
        return None
    return stale_notice(Q.stale_sources(engine, today or dt.date.today(), data_month))
