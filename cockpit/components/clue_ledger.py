"""The clue ledger (线索台账, `/clues`): filters, the clues' paths, and the blocks the page shows.

All numbers come from `cockpit.metrics.ledger` (the path of each clue under the deadline rules
of `deadlines.toml`); this module only selects, pages and draws.

Who sees what: counts (the cards, the backlog by stage and age, the per-unit counts) are open to
every signed-in user; the rows (the list, the export) and a clue's timeline are fetched only for
the unit codes `cockpit.auth.records.record_units("clue", …)` grants the current user — the
callers pass those codes in (`allowed`), and nothing is fetched or cached for other units.

URL: ``/clues?unit=<code|CITY|COUNTIES>&model=<M01>&stage=<stage id|overdue|closed>&period=<period|all>
&clue=<线索编号>&page=<n>`` (``overdue=1`` means stage=overdue). The period selects clues by the
month they were found; without one, every clue since the models platform went live.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
from dash import html

from cockpit import data
from cockpit.components import formatting as F
from cockpit.components.memo import memoized
from cockpit.components.params import Notice, first, href, parse_int
from cockpit.components.plain_html import el, link
from cockpit.components.states import state_block
from cockpit.metrics import ledger as L
from cockpit.metrics import units as U
from cockpit.metrics.deadlines import load_rules
from cockpit.metrics.periods import Period, data_date, month_label
from cockpit.metrics.platforms import PLATFORM_BY_ID

PATH = "/clues"
PAGE_SIZE = 20
ALL = ALL_PERIODS = "all"    # the picker's "全部" (the same as leaving the parameter out)
OVERDUE, CLOSED = "overdue", L.CLOSED
LAUNCH = PLATFORM_BY_ID["models"].launch
_MODEL_RE = re.compile(r"M\d{2,3}")
_CLUE_RE = re.compile(r"[\w\-（）()〔〕\[\]]{1,60}")

# the columns of the list and of the export (masked), in order
LIST_COLUMNS = (("clue_no", "线索编号"), ("model_id", "模型"), ("unit_code", "单位"), ("found_date", "发现日期"),
                ("stage_label", "所处环节"), ("due", "应办结日期"), ("overdue_days", "逾期天数"),
                ("pressed", "督办"), ("department", "承办部门"))
EXPORT_COLUMNS = LIST_COLUMNS + (("status", "核查状态"), ("outcome", "处理结果"), ("document", "监督文书"),
                                 ("doc_no", "文书编号"), ("pressed_date", "督办日期"), ("late_stages", "逾期完成环节数"),
                                 ("summary", "线索摘要（已脱敏）"))


# --------------------------------------------------------------------------- filters

def stage_options() -> dict[str, str]:
    """URL value → label of the stage filter ("all" = no filter)."""
    opts = {ALL: "全部环节", OVERDUE: "逾期未办结"}
    opts.update({s.id: f"{s.label}（在办）" for s in load_rules().clue})
    opts[CLOSED] = L.CLOSED_LABEL
    return opts


@dataclass
class Filters:
    unit: str
    model: str | None
    stage: str | None
    period: str | None          # a Period's URL form; None = all since the platform went live
    clue: str | None
    page: int                   # 1-based
    notices: list[Notice] = field(default_factory=list)

    def query(self, **changes) -> dict:
        q = {"unit": self.unit, "model": self.model, "stage": self.stage, "period": self.period,
             "clue": self.clue, "page": self.page if self.page > 1 else None}
        q.update(changes)
        return q

    def link(self, **changes) -> str:
        return href(PATH, self.query(**changes))

    def as_params(self) -> dict:
        return {"unit": self.unit, "model": self.model, "stage": self.stage, "period": self.period,
                "clue": self.clue, "page": self.page}

    @property
    def period_label(self) -> str:
        if self.period is None:
            store = data.current().store
            end = f"—{month_label(store.data_month)}" if store.data_month else "至今"
            return f"全部（{month_label(LAUNCH)}模型平台上线{end}）"
        return Period.parse(self.period).label


def default_unit(principal) -> str:
    """A county user starts on its own unit, everyone else on the city."""
    from cockpit.auth import roles
    if principal is not None and getattr(principal, "role", None) == roles.COUNTY and principal.unit in U.UNIT_BY_CODE:
        return principal.unit
    return U.CITY


def parse_filters(raw: dict, principal=None) -> Filters:
    """The page's filters from URL (or forged store) values; a bad value falls back with a notice."""
    raw = raw if isinstance(raw, dict) else {}
    notices: list[Notice] = []
    unit_default = default_unit(principal)
    unit = first(_text(raw.get("unit")))
    if unit is None:
        unit = unit_default
    elif unit.upper() in (U.CITY, U.COUNTIES):
        unit = unit.upper()
    elif unit not in U.UNIT_BY_CODE:
        notices.append(Notice(f"无法识别的单位“{unit[:30]}”，已改为{U.label(unit_default)}。"))
        unit = unit_default
    model = first(_text(raw.get("model")))
    model = None if model == ALL else model
    if model is not None and not _MODEL_RE.fullmatch(model):
        notices.append(Notice(f"无法识别的模型“{model[:30]}”，已显示全部模型。"))
        model = None
    stage = first(_text(raw.get("stage")))
    if stage is None and first(_text(raw.get("overdue"))) in ("1", "true"):
        stage = OVERDUE
    stage = None if stage == ALL else stage
    if stage is not None and stage not in stage_options():
        notices.append(Notice(f"无法识别的环节“{stage[:30]}”，已显示全部环节。"))
        stage = None
    period = first(_text(raw.get("period")))
    if period is not None and period != ALL_PERIODS:
        try:
            period = str(Period.parse(period))
        except ValueError:
            notices.append(Notice(f"无法识别的发现时间“{period[:30]}”，已改为全部。"))
            period = None
    if period == ALL_PERIODS:
        period = None
    clue = first(_text(raw.get("clue")))
    if clue is not None and not _CLUE_RE.fullmatch(clue):
        notices.append(Notice("无法识别的线索编号，已忽略。"))
        clue = None
    page, n = parse_int(_text(raw.get("page")), 1, 1, 10**5)
    notices += n
    return Filters(unit, model, stage, period, clue, page, notices)


def _text(v):
    """Only text (or a list of texts) counts as a URL value; anything else forged is absent."""
    if isinstance(v, (list, tuple)):
        v = v[0] if v else None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v if isinstance(v, str) else None


def period_choices(current: str | None) -> dict[str, str]:
    """The 发现时间 picker: all, each year since the launch, and the current value."""
    store = data.current().store
    opts = {ALL_PERIODS: "全部"}
    last = (store.data_month or dt.date.today().strftime("%Y-%m"))[:4]
    for y in range(int(LAUNCH[:4]), int(last) + 1):
        opts[str(y)] = f"{y}年"
    if current and current not in opts:
        opts[current] = Period.parse(current).label
    return opts


def as_of() -> dt.date:
    """The date the ledger is read at: the last day of the month the data reaches, or today if
    that is earlier (a month still running)."""
    return data_date(data.current().store.data_month)


# --------------------------------------------------------------------------- the frames

@memoized
def _paths(_snapshot: int, units: tuple[str, ...], on: str, details: bool) -> pd.DataFrame:
    frame = L.load_clues(data.read_engine(), list(units))
    if not details:   # counts only: nothing personal is kept
        frame = frame.drop(columns=[c for c in ("summary", "record_keys") if c in frame.columns])
    return L.clue_path(frame, dt.date.fromisoformat(on))


def paths(units, *, details: bool) -> pd.DataFrame:
    """Every clue of the units with its path as of `as_of()` (`details`: with the masked
    summaries and record keys — only for units the user may see)."""
    codes = tuple(sorted({c for u in ([units] if isinstance(units, str) else units) for c in U.members(u)}))
    if not codes:
        return L.clue_path(L.load_clues(data.read_engine(), []), as_of())
    return _paths(data.current().store.snapshot, codes, as_of().isoformat(), details)


def select(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The clues of the model and found in the period."""
    out = frame
    if f.model:
        out = out[out["model_id"] == f.model]
    if f.period:
        p = Period.parse(f.period)
        out = out[(out["found_month"] >= p.start) & (out["found_month"] <= p.end)]
    return out


def by_stage(frame: pd.DataFrame, stage: str | None) -> pd.DataFrame:
    """The list the stage filter shows: the overdue list (no filter or "overdue"), one stage's open
    clues (the most overdue, then the oldest first), or the closed ones (latest first)."""
    if stage in (None, OVERDUE):
        return L.overdue_list(frame)
    if stage == CLOSED:
        out = frame[frame["stage"] == CLOSED].copy()
        out["_d"] = L.to_dates(out["closed_date"]) if len(out) else out["closed_date"]
        return out.sort_values(["_d", "clue_no"], ascending=[False, True]).drop(columns="_d").reset_index(drop=True)
    out = frame[frame["stage"] == stage].copy()
    out["_age"] = out["age_days"].astype("Float64").fillna(-1)
    return (out.sort_values(["overdue_days", "_age", "clue_no"], ascending=[False, False, True], kind="stable")
            .drop(columns="_age").reset_index(drop=True))


def list_title(stage: str | None) -> str:
    if stage in (None, OVERDUE):
        return "逾期未办结线索"
    if stage == CLOSED:
        return "已办结线索"
    return f"{stage_options()[stage].replace('（在办）', '')}环节在办线索"


# --------------------------------------------------------------------------- counts (open to all)

def card_values(f: Filters) -> dict[str, int]:
    """The four ledger indicators: the stocks over the clues selected (model, found in the
    period) as of the data date; the counts booked by their own month (办结 / 督办) in the period."""
    whole = paths(f.unit, details=False)
    if f.model:
        whole = whole[whole["model_id"] == f.model]
    stocks = L.indicator_values(select(whole, Filters(f.unit, None, None, f.period, None, 1)))
    counts = L.indicator_values(whole, f.period)
    return {"clue_open": stocks["clue_open"], "clue_overdue_open": stocks["clue_overdue_open"],
            "clue_closed_late": counts["clue_closed_late"], "clue_pressed": counts["clue_pressed"]}


def cards(f: Filters) -> html.Div:
    values = card_values(f)
    items = []
    for ind in L.LEDGER_INDICATORS:
        when = "截至数据日期" if ind.kind == "stock" else ("期内" if f.period else "累计")
        items.append(html.Div([
            html.Div([html.Span(ind.name, className="card-name"),
                      html.Span("ⓘ", className="card-info", title=ind.definition)], className="card-head"),
            html.Div([html.Span(F.number(values[ind.id]), className="card-value-num"),
                      html.Span(ind.unit, className="card-value-unit")], className="card-value"),
            html.Div(f"{when} · {ind.definition}", className="clue-card-note"),
        ], className=f"indicator-card compact clue-card clue-card-{ind.id}", title=ind.definition))
    return html.Div(items, className="card-row cards-compact clue-cards")


def backlog_table(f: Filters) -> html.Div:
    """Open clues by stage × age (the unit and filters chosen); a stage opens its list."""
    frame = select(paths(f.unit, details=False), f)
    bl = L.backlog(frame)
    if bl.empty:
        return state_block("没有在办线索", "所选单位、模型和发现时间内的线索均已办结，或没有线索。")
    buckets = list(L.AGE_BUCKETS) + ([L.AGE_UNKNOWN] if (bl["bucket"] == L.AGE_UNKNOWN).any() else [])
    table = bl.pivot_table(index=["stage", "stage_label"], columns="bucket", values="n", aggfunc="sum", fill_value=0)
    order = {s.id: i for i, s in enumerate(load_rules().clue)}
    overdue = frame[frame["overdue"]].groupby("stage").size()
    head = el("Tr", [el("Th", "环节")] + [el("Th", b, className="num") for b in buckets] +
              [el("Th", "合计", className="num"), el("Th", "其中逾期", className="num")])
    rows = []
    for (stage, label) in sorted(table.index, key=lambda k: order.get(k[0], 99)):
        counts = [int(table.loc[(stage, label)].get(b, 0)) for b in buckets]
        rows.append(el("Tr", [el("Td", link(label, f.link(stage=stage, page=None, clue=None) + "#clue-list"))] +
                       [el("Td", F.number(n) if n else "—", className="num") for n in counts] +
                       [el("Td", F.number(sum(counts)), className="num"),
                        el("Td", F.number(int(overdue.get(stage, 0))), className="num")]))
    total = [int(table[b].sum()) if b in table.columns else 0 for b in buckets]
    rows.append(el("Tr", [el("Td", "合计")] + [el("Td", F.number(n), className="num") for n in total] +
                   [el("Td", F.number(sum(total)), className="num"),
                    el("Td", F.number(int(overdue.sum())), className="num")], className="row-total"))
    return html.Div([el("Div", el("Table", [el("Thead", head), el("Tbody", rows)],
                                  className="table table-sm cockpit-table clue-backlog"), className="table-scroll"),
                     html.Div("账龄：当前环节自开始之日起至数据日期的天数。点击环节查看该环节的在办线索。", className="panel-note")])


def unit_table(f: Filters) -> html.Div:
    """Open and overdue clues per unit (the 13 counties and 市院本级), in unit-code order."""
    frame = select(paths(U.CITY, details=False), f)
    open_ = frame[frame["stage"] != CLOSED]
    n_open = open_.groupby("unit_code").size()
    n_over = open_[open_["overdue"]].groupby("unit_code").size()
    n_all = frame.groupby("unit_code").size()
    head = el("Tr", [el("Th", "单位"), el("Th", "线索数", className="num"), el("Th", "在办", className="num"),
                     el("Th", "逾期未办结", className="num")])
    rows = []
    for code in sorted(U.UNIT_CODES):
        rows.append(el("Tr", [el("Td", link(U.UNIT_BY_CODE[code].short, f.link(unit=code, page=None, clue=None))),
                              el("Td", F.number(int(n_all.get(code, 0))), className="num"),
                              el("Td", F.number(int(n_open.get(code, 0))), className="num"),
                              el("Td", F.number(int(n_over.get(code, 0))), className="num")],
                       className="row-selected" if code == f.unit else None))
    return html.Div([el("Div", el("Table", [el("Thead", head), el("Tbody", rows)],
                                  className="table table-sm cockpit-table clue-units"), className="table-scroll"),
                     html.Div("按单位编码排列，仅为数量，不排名次、不评优劣。", className="panel-note")])


# --------------------------------------------------------------------------- rows (allowed units only)

def ledger_rows(f: Filters, allowed: list[str]) -> pd.DataFrame:
    """The list the filters ask for, of the `allowed` unit codes only (nothing else is read)."""
    if not allowed:
        return by_stage(paths([], details=True), f.stage)
    return by_stage(select(paths(allowed, details=True), f), f.stage)


def cell(col: str, value) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if col == "unit_code":
        u = U.UNIT_BY_CODE.get(str(value))
        return u.short if u else str(value)
    if col == "pressed":
        return "督办" if bool(value) else ""
    if col in ("overdue_days", "late_stages"):
        return str(int(value)) if int(value) else ""
    if col.endswith("_date") or col == "due":
        return str(value)[:10]
    return str(value)


def model_label(model_id) -> str:
    from cockpit.components.records_table import model_names
    name = model_names().get(str(model_id))
    return f"{model_id} {name}" if name else str(model_id)


def list_table(f: Filters, rows: pd.DataFrame) -> html.Div:
    if rows.empty:
        sub = ("所选单位、模型和发现时间内没有逾期未办结的线索。" if f.stage in (None, OVERDUE)
               else "所选条件下没有线索。")
        return state_block("无线索", sub)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(f.page, pages)
    chunk = rows.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    head = el("Tr", [el("Th", h, className="num" if c == "overdue_days" else None) for c, h in LIST_COLUMNS] +
              [el("Th", "时间线")])
    body = []
    for r in chunk.to_dict("records"):
        cells = []
        for c, _ in LIST_COLUMNS:
            text = model_label(r[c]) if c == "model_id" else cell(c, r[c])
            if c == "due" and text and r.get("placeholder"):
                text += "（暂定）"
            cls = "num" if c == "overdue_days" else ("clue-pressed" if c == "pressed" and text else None)
            cells.append(el("Td", text, className=cls))
        cells.append(el("Td", link("查看", f.link(clue=r["clue_no"]) + "#clue-timeline", className="clue-open-link")))
        body.append(el("Tr", cells))
    pager = [html.Span(f"共 {len(rows):,} 条 · 第 {page}/{pages} 页", className="rec-count")]
    nav = []
    if page > 1:
        nav.append(link("上一页", f.link(page=page - 1 if page > 2 else None) + "#clue-list", className="clue-page"))
    if page < pages:
        nav.append(link("下一页", f.link(page=page + 1) + "#clue-list", className="clue-page"))
    pager.append(html.Span(nav, className="clue-pager"))
    return html.Div([
        el("Div", el("Table", [el("Thead", head), el("Tbody", body)],
                     className="table table-sm table-hover table-striped cockpit-table records-table clue-list-table"),
           className="table-responsive"),
        html.Div(pager, className="rec-foot"),
    ])


def export_table(rows: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Headers and text cells of the export (masked like the page)."""
    headers = [h for _, h in EXPORT_COLUMNS]
    out = []
    for r in rows.to_dict("records"):
        line = []
        for c, _ in EXPORT_COLUMNS:
            text = model_label(r.get(c)) if c == "model_id" else cell(c, r.get(c))
            if c == "due" and text and r.get("placeholder"):
                text += "（暂定）"
            line.append(text)
        out.append(line)
    return headers, out


# --------------------------------------------------------------------------- the rules

def rules_table() -> html.Div:
    rules = load_rules()
    head = el("Tr", [el("Th", "环节"), el("Th", "期限"), el("Th", "适用"), el("Th", "依据")])
    rows = []
    for s in rules.clue:
        applies = "全部线索"
        if s.only_if or s.unless:
            parts = ["、".join(str(v) for v in values) for _, values in s.only_if]
            applies = "仅" + "；".join(parts) if parts else "全部线索"
            if s.unless:
                applies += "（" + "；".join("、".join(str(v) for v in values) for _, values in s.unless) + "除外）"
        rows.append(el("Tr", [el("Td", s.label), el("Td", s.limit_text, className="clue-placeholder" if s.placeholder
                                                     else None),
                              el("Td", applies), el("Td", s.basis or "—", className="clue-basis")]))
    packaged = rules.path.endswith("deadlines.toml") and "metrics" in rules.path
    note = ("本页按上表的期限计算各线索的应办结日期和逾期天数。标注“暂定”的期限不是已公布的规定，为占位数值。"
            "各院可在期限规则文件中设置本省的期限（由检察技术部维护），无需修改程序。"
            + ("" if packaged else "当前使用的是本院的期限规则文件。"))
    return html.Div([el("Div", el("Table", [el("Thead", head), el("Tbody", rows)],
                                  className="table table-sm cockpit-table clue-rules"), className="table-scroll"),
                     html.Div(note, className="panel-note")])
