"""The pieces of `/reports` (研判会商材料): the generate form's choices, the job's progress and
outcome, and the table of packs a user may download.

Who sees and builds what is decided by `cockpit.auth.roles` (`pack_scope`, `may_generate_pack`);
the files are found by `cockpit.report.library` (names parsed back, never taken from a client);
downloads go through the guarded route `cockpit.report.download`.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from cockpit.auth import roles
from cockpit.auth.upload import size_text
from cockpit.components import report_jobs as RJ
from cockpit.components.params import href
from cockpit.components.states import state_block
from cockpit.metrics import units as U
from cockpit.metrics.periods import add_months, month_label, month_ordinal
from cockpit.metrics.query import MetricStore
from cockpit.report.library import FORMAT_LABEL, FORMATS, PackFile

DOWNLOAD_PATH = "/reports/download"


def month_options(store: MetricStore) -> list[dict]:
    """Every month with data up to the data month, newest first."""
    if store.is_empty or store.data_month is None:
        return []
    out, m = [], store.data_month
    while month_ordinal(m) >= month_ordinal(store.first_month):
        out.append({"label": month_label(m), "value": m})
        m = add_months(m, -1)
    return out


def unit_options(principal) -> list[dict]:
    """The units whose pack the user may build: 全市 and every unit for a leader or an
    administrator; a county user its own unit only."""
    units = [U.CITY] + list(U.UNIT_CODES)
    return [{"label": "全市" if u == U.CITY else U.label(u), "value": u}
            for u in units if roles.may_generate_pack(principal, u)]


def download_href(f: PackFile) -> str:
    return href(DOWNLOAD_PATH, {"month": f.month, "unit": f.unit, "format": f.format})


def packs_table(files: list[PackFile]) -> html.Div:
    """One row per pack (month, unit): its Word and PDF files with their sizes, and when it was
    generated (the newer file's time), newest month first."""
    if not files:
        return state_block("暂无研判会商材料", "选择月份和单位后点击“生成”，或等待每月自动生成。")
    rows: dict[tuple[str, str], list[PackFile]] = {}
    for f in files:
        rows.setdefault((f.month, f.unit), []).append(f)
    body = []
    for (month, unit), group in rows.items():
        by_format = {f.format: f for f in group}
        links = []
        for fmt in FORMATS:
            f = by_format.get(fmt)
            if f is not None:
                links.append(html.A(f"{FORMAT_LABEL[fmt]}（{size_text(f.size)}）", href=download_href(f),
                                    className=f"pack-link pack-{fmt} me-3"))
        when = max(f.mtime for f in group)
        body.append(html.Tr([html.Td(month_label(month), className="nowrap"),
                             html.Td(group[0].unit_label, className="nowrap"),
                             html.Td(links), html.Td(when.strftime("%Y-%m-%d %H:%M"), className="nowrap")],
                            className="pack-row", **{"data-month": month, "data-unit": unit}))
    head = html.Thead(html.Tr([html.Th(h, className="nowrap") for h in ("月份", "单位", "下载", "生成时间")]))
    return dbc.Table([head, html.Tbody(body)], size="sm", hover=True, striped=True, responsive=True,
                     class_name="cockpit-table packs-table", id="rep-packs-table")


def job_block(job: dict | None):
    """A job's progress (queued, a bar with the step), its outcome, or nothing."""
    if job is None:
        return ""
    name = (job.get("names") or [""])[0]
    if job["state"] == RJ.QUEUED:
        return dbc.Alert([dbc.Spinner(size="sm", spinner_class_name="me-2"),
                          f"“{name}”正在排队：等待前一份材料生成完成后开始。"], color="info",
                         class_name="mt-3 pack-progress")
    if job["state"] in RJ.ACTIVE:
        pos, total = int(job.get("pos") or 0), int(job.get("total") or 0)
        text = f"正在生成“{name}”" + (f" {pos}/{total}：{job.get('current') or ''}" if total else "…")
        return html.Div([html.Div(text, className="pack-progress-text"),
                         dbc.Progress(value=round(100 * pos / total) if total else 0,
                                      label=f"{pos}/{total}" if total else "", striped=True, animated=True,
                                      class_name="mt-1", style={"height": "18px"})],
                        className="mt-3 pack-progress", **{"aria-live": "polite"})
    if job["state"] == RJ.DONE:
        files = (job.get("result") or {}).get("files") or []
        kinds = "、".join(FORMAT_LABEL[f.rsplit(".", 1)[-1]] for f in files if "." in f)
        return dbc.Alert(f"已生成“{name}”（{kinds}），可在下方列表下载。", color="success", class_name="mt-3 pack-done")
    return dbc.Alert(job.get("error") or RJ.PACK.failed, color="danger", class_name="mt-3 pack-failed")
