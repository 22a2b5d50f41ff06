"""One clue's timeline (`/clues?clue=XS…`): each stage of the deadline rules with its start, due
date, done date and whether it was on time; the clue's (masked) summary, outcome, document and
督办; and the evidence — the model comparison records the clue was found in (masked).

`timeline(clue_no, allowed)` reads only the clues of the `allowed` unit codes (what the current
user may see): a clue of another unit is answered exactly like a clue that does not exist."""
from __future__ import annotations

import pandas as pd
from dash import html

from cockpit import data
from cockpit.components import clue_ledger as CL
from cockpit.components.plain_html import el, link
from cockpit.components.states import state_block
from cockpit.metrics import ledger as L
from cockpit.metrics import units as U

NOT_FOUND = ("未找到该线索", "没有这个编号的线索，或该线索不属于您可查看的单位（县区院只能查看本院线索的明细）。")
STATUS_CLASS = {L.STEP_DONE: "ok", L.STEP_LATE: "late", L.STEP_OPEN: "open", L.STEP_OVERDUE: "overdue",
                L.STEP_WAITING: "waiting", L.STEP_NA: "na", L.STEP_NO_START: "na"}


def find_clue(clue_no: str, allowed: list[str]) -> dict | None:
    """The clue (staged columns plus its path) if it belongs to an allowed unit."""
    if not clue_no or not allowed:
        return None
    frame = CL.paths(allowed, details=True)
    hit = frame[frame["clue_no"] == clue_no]
    return None if hit.empty else hit.iloc[0].to_dict()


def _d(v) -> str:
    return CL.cell("x_date", v)


def steps_table(row: dict) -> dict:
    steps = L.stage_steps(pd.DataFrame([row]), CL.as_of())
    head = el("Tr", [el("Th", h) for h in ("环节", "期限", "开始日期", "应办结日期", "完成日期", "情况")])
    body = [el("Tr", [el("Td", "线索发现"), el("Td", "—"), el("Td", "—"), el("Td", "—"),
                      el("Td", _d(row.get("found_date"))), el("Td", "已发现", className="step step-ok")])]
    for s in steps:
        status = L.STEP_LABEL[s.status]
        if s.status == L.STEP_LATE:
            status += f"（晚{s.days_late}天）"
        elif s.status == L.STEP_OVERDUE:
            status += f"（逾期{s.days_late}天）"
        body.append(el("Tr", [
            el("Td", s.stage.label),
            el("Td", s.stage.limit_text),
            el("Td", _d(s.start) or "—"),
            el("Td", (_d(s.due) + ("（暂定）" if s.stage.placeholder else "")) if s.due else "—"),
            el("Td", _d(s.done) or "—"),
            el("Td", status, className=f"step step-{STATUS_CLASS[s.status]}"),
        ], className="step-na" if s.status == L.STEP_NA else None))
    return el("Div", el("Table", [el("Thead", head), el("Tbody", body)],
                        className="table table-sm cockpit-table clue-steps"), className="table-scroll")


def facts(row: dict) -> html.Div:
    unit = U.UNIT_BY_CODE.get(str(row.get("unit_code")))
    pairs = [
        ("线索编号", row.get("clue_no")),
        ("模型", CL.model_label(row.get("model_id"))),
        ("单位", unit.name if unit else row.get("unit_code")),
        ("承办部门", CL.cell("department", row.get("department")) or "—"),
        ("所处环节", row.get("stage_label")),
        ("核查状态", CL.cell("status", row.get("status")) or "—"),
        ("不属实原因", CL.cell("drop_reason", row.get("drop_reason")) or "—"),
        ("处理结果", CL.cell("outcome", row.get("outcome")) or "—"),
        ("监督案件编号", CL.cell("sup_case_no", row.get("sup_case_no")) or "—"),
        ("监督文书", " ".join(x for x in (CL.cell("document", row.get("document")),
                                        CL.cell("doc_no", row.get("doc_no"))) if x) or "—"),
        ("督办", ("已督办（" + _d(row.get("pressed_date")) + "）") if row.get("pressed") else "未督办"),
        ("线索摘要", CL.cell("summary", row.get("summary")) or "—"),
    ]
    return el("Dl", [x for k, v in pairs for x in (el("Dt", k), el("Dd", str(v) if v is not None else "—"))],
              className="clue-facts")


def evidence_table(row: dict, allowed: list[str]) -> html.Div:
    keys = L.split_keys(row.get("record_keys"))
    if not keys:
        return state_block("无关联记录", "该线索没有登记模型比对的关联记录。")
    unit = str(row.get("unit_code"))
    found = L.evidence(data.read_engine(), keys, [u for u in allowed if u == unit] or [])
    head = el("Tr", [el("Th", h) for h in ("记录编号", "数据来源单位", "记录类型", "记录日期", "当事人", "记录内容")])
    body = [el("Tr", [el("Td", r["record_no"]), el("Td", r["provider"] or ""), el("Td", r["record_kind"] or ""),
                      el("Td", r["record_date"] or ""), el("Td", r["person_name"] or ""),
                      el("Td", r["content"] or "")]) for r in found.to_dict("records")]
    missing = [k for k in keys if k not in set(found["record_no"] if len(found) else [])]
    body += [el("Tr", [el("Td", k), el("Td", "未在模型比对数据中找到该记录（可能为案件编号）", colSpan=5,
                                       className="status-text")]) for k in missing]
    return html.Div([el("Div", el("Table", [el("Thead", head), el("Tbody", body)],
                                  className="table table-sm cockpit-table clue-evidence"), className="table-scroll"),
                     html.Div("模型比对时碰撞出该线索的记录；当事人姓名和记录内容已脱敏。", className="panel-note")])


def timeline(f: CL.Filters, allowed: list[str]) -> html.Div:
    row = find_clue(f.clue, allowed)
    back = link("返回台账", f.link(clue=None) + "#clue-list", className="btn btn-sm btn-outline-secondary")
    if row is None:
        return html.Div([state_block(*NOT_FOUND), html.Div(back, className="clue-back")])
    return html.Div([
        html.Div([html.H3(f"线索 {row['clue_no']}", className="clue-timeline-title"), back], className="clue-head"),
        facts(row),
        html.H4("办理环节与期限", className="clue-subtitle"),
        steps_table(row),
        html.Div(f"按期限规则计算，截至{CL.as_of():%Y年%m月%d日}；期限当日办结不算逾期。", className="panel-note"),
        html.H4("发现线索的关联记录", className="clue-subtitle"),
        evidence_table(row, allowed),
    ], className="clue-timeline")
