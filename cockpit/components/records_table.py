"""The records behind a number: masked, paginated, sortable, filterable lists of staged records.

All data comes from `cockpit.metrics.records` (which masks personal data). One records section
per page. Its state is in the URL:

    rec      which list (a key of RECORD_VIEWS, e.g. clue, suggestion, warning, arrest)
    measure  only the records a measure counts (the drill-down from a number, e.g. arrest_not_approved)
    page     1-based page number
    sort     a column; desc=0 for ascending (default descending)
    q        a keyword (case number, clue number …; never personal data)
    f_<col>  exact value of a column (核查状态 = 属实 …)

Switching the list is a navigation (the page re-renders with that list's filters); paging,
sorting and filtering only redraw the table and rewrite the address bar silently.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from cockpit import data
from cockpit.components.memo import cached_output, memoized
from cockpit.components.plain_html import el
from cockpit.components.params import Notice, first, href, parse_int, query_string
from cockpit.components.pickers import dropdown, select
from cockpit.components.states import guarded, message_for, state_block
from cockpit.metrics import records as R
from cockpit.metrics import units as U
from cockpit.metrics.measures import MEASURE_BY_ID
from cockpit.metrics.periods import Period
from cockpit.metrics.contracts import SOURCE_BY_ID

PAGE_SIZE = 15
log = logging.getLogger("cockpit.pages")
SECTION_ID = "records"


@dataclass(frozen=True)
class RecordView:
    key: str
    label: str
    source: str
    columns: tuple[str, ...]            # shown, in order
    filters: tuple[str, ...] = ()       # enum/flag columns with a select
    search: str | None = None           # the column the keyword box searches
    search_label: str = ""
    sorts: tuple[str, ...] = ()         # sortable columns (first = default)
    measure: str | None = None          # always restricted to this measure's records


RECORD_VIEWS: dict[str, RecordView] = {v.key: v for v in (
    RecordView("clue", "监督线索", "clue",
               ("clue_no", "model_id", "unit_code", "found_date", "summary", "status", "verified_date", "outcome"),
               ("status", "outcome", "model_id"), "clue_no", "线索编号", ("found_date", "verified_date")),
    RecordView("suggestion", "检察建议", "suggestion",
               ("doc_no", "unit_code", "model_id", "domain", "recipient", "issued_date", "due_date", "replied_date",
                "adopted", "rectified"),
               ("domain", "adopted", "rectified"), "recipient", "被建议单位", ("issued_date", "due_date", "replied_date")),
    RecordView("warning", "监管预警", "nc_event",
               ("event_no", "unit_code", "person_no", "warning_type", "occurred_at", "handled_at", "handling"),
               ("warning_type", "handling"), "person_no", "人员编号", ("occurred_at", "handled_at"),
               measure="nc_warnings"),
    RecordView("arrest", "审查逮捕人员", "arrest",
               ("case_no", "unit_code", "person_name", "id_number", "charge", "received_date", "concluded_date",
                "decision", "non_arrest_reason", "risk_score", "risk_band"),
               ("decision", "risk_band", "non_arrest_reason"), "charge", "涉嫌罪名",
               ("concluded_date", "received_date", "risk_score")),
    RecordView("prosecution", "审查起诉人员", "prosecution",
               ("case_no", "unit_code", "person_name", "id_number", "charge", "concluded_date", "outcome", "custody",
                "plea", "sentencing_rec", "rec_adopted", "judgment"),
               ("outcome", "custody", "plea", "sentencing_rec", "judgment"), "charge", "涉嫌罪名",
               ("concluded_date", "received_date")),
    RecordView("nc_person", "非羁押人员名册", "nc_person",
               ("stat_month", "unit_code", "person_no", "person_name", "id_number", "measure", "start_date",
                "end_date", "bail_amount", "absconded"),
               ("measure", "absconded"), "person_no", "人员编号", ("stat_month", "start_date", "bail_amount")),
    RecordView("nc_event", "非羁押监管事件", "nc_event",
               ("event_no", "unit_code", "person_no", "kind", "warning_type", "occurred_at", "result", "handled_at",
                "handling"),
               ("kind", "result", "warning_type", "handling"), "person_no", "人员编号", ("occurred_at",)),
    RecordView("plea", "认罪认罚具结书", "plea",
               ("case_no", "unit_code", "person_name", "signed_date", "recorded", "hearing_mode", "efp_returned"),
               ("recorded", "hearing_mode", "efp_returned"), "case_no", "案号", ("signed_date",)),
    RecordView("juvenile", "未成年人案件", "juvenile",
               ("case_no", "unit_code", "person_name", "id_number", "charge", "concluded_date", "outcome",
                "social_survey"),
               ("outcome", "social_survey"), "charge", "涉嫌罪名", ("concluded_date",)),
    RecordView("registry", "平台和模型台账", "registry",
               ("item_id", "item_name", "category", "domain", "unit_code", "launch_date", "state"),
               ("category", "domain", "state"), "item_name", "名称", ("launch_date",)),
)}

# The list that shows the records a measure counts.
VIEW_FOR_SOURCE = {"clue": "clue", "suggestion": "suggestion", "arrest": "arrest", "prosecution": "prosecution",
                   "nc_person": "nc_person", "nc_event": "nc_event", "plea": "plea", "juvenile": "juvenile",
                   "registry": "registry"}


def view_for_measure(measure_id: str) -> str | None:
    m = MEASURE_BY_ID.get(measure_id)
    if m is None:
        return None
    if measure_id == "nc_warnings" or (m.source == "nc_event" and "预警" in m.where):
        return "warning" if measure_id == "nc_warnings" else "nc_event"
    return VIEW_FOR_SOURCE.get(m.source)


def drill_link(path: str, period: str | None, measure_id: str, period_end: str | None = None) -> str | None:
    """Link to the records a measure counts, on a page with a records section. A stock (在管人数)
    is the roster of the period's last month (`period_end`); a running total (上线平台数) has no
    list of its own."""
    view = view_for_measure(measure_id)
    measure = MEASURE_BY_ID.get(measure_id)
    if view is None or measure is None or measure.time_agg == "cumulative":
        return None
    if measure.time_agg == "last" and period_end:
        period = period_end
    return href(path, {"period": period, "rec": view, "measure": measure_id}) + f"#{SECTION_ID}"


def _options(source_id: str, col: str) -> list[dict]:
    c = SOURCE_BY_ID[source_id].column(col)
    if c.type == "flag":
        return [{"label": "是", "value": "1"}, {"label": "否", "value": "0"}]
    if col == "model_id":
        return [{"label": f"{m} {name}", "value": m} for m, name in model_names().items()]
    opts = [{"label": v, "value": v} for v in c.allowed]
    if not c.required:
        opts.append({"label": "（空）", "value": R.NULL_VALUE})
    return opts


def model_names() -> dict[str, str]:
    """Model id → name from the registry (cached per snapshot; {} when unavailable)."""
    try:
        state = data.current()
        return _model_names(state.store.snapshot)
    except Exception:  # noqa: BLE001 - labels only
        return {}


@memoized
def _model_names(_snapshot: int) -> dict[str, str]:
    page = R.list_records(data.read_engine(), "registry", U.CITY, None, sort="item_id", descending=False,
                          page_size=200)
    return {r.item_id: r.item_name for r in page.rows.itertuples() if str(r.item_id).startswith("M")}


@dataclass
class RecordState:
    view: str
    measure: str | None
    page: int
    sort: str
    desc: bool
    q: str
    filters: dict[str, str]

    def query(self) -> dict:
        q = {"rec": self.view, "measure": self.measure, "page": self.page + 1 if self.page else None,
             "sort": self.sort if self.sort != RECORD_VIEWS[self.view].sorts[0] else None,
             "desc": None if self.desc else "0", "q": self.q or None}
        q.update({f"f_{k}": v for k, v in self.filters.items() if v})
        return q


def parse_state(raw: dict, views: tuple[str, ...], default: str) -> tuple[RecordState, list[Notice]]:
    notices = []
    measure = first(raw.get("measure"))
    view = first(raw.get("rec"))
    if measure is not None:
        mv = view_for_measure(measure)
        if mv is None:
            notices.append(Notice(f"无法识别的明细口径“{measure}”，已显示全部记录。"))
            measure = None
        else:
            view = mv
    if view is None:
        view = default
    if view not in RECORD_VIEWS:
        notices.append(Notice(f"无法识别的明细列表“{view}”，已改为“{RECORD_VIEWS[default].label}”。"))
        view = default
    spec = RECORD_VIEWS[view]
    page, n2 = parse_int(raw.get("page"), 1, 1, 10**6)
    notices += n2
    sort = first(raw.get("sort")) or spec.sorts[0]
    if sort not in spec.sorts:
        notices.append(Notice(f"无法按“{sort}”排序，已按默认顺序排列。"))
        sort = spec.sorts[0]
    desc = first(raw.get("desc")) != "0"
    q = first(raw.get("q")) or ""
    filters = {}
    for col in spec.filters:
        v = first(raw.get(f"f_{col}"))
        if v is None:
            continue
        if v in {o["value"] for o in _options(spec.source, col)} or col == "model_id":
            filters[col] = v
        else:
            notices.append(Notice(f"筛选条件“{v}”无效，已忽略。"))
    return RecordState(view, measure, page - 1, sort, desc, q, filters), notices


def records_section(path: str, page_query: dict, units: str | list[str], period: Period, state: RecordState,
                    views: tuple[str, ...], title: str = "明细记录") -> html.Section:
    """The section: list switcher, filters, the table (filled by a callback), pagination."""
    spec = RECORD_VIEWS[state.view]
    src = SOURCE_BY_ID[spec.source]
    base_q = {k: v for k, v in page_query.items() if k in ("period", "units", "unit", "metric")}
    tabs = []
    for key in views:
        v = RECORD_VIEWS[key]
        tabs.append(dbc.NavItem(dbc.NavLink(v.label, href=href(path, {**base_q, "rec": key}) + f"#{SECTION_ID}",
                                            active=key == state.view and not state.measure,
                                            class_name="rec-tab")))
    chip = None
    if state.measure:
        m = MEASURE_BY_ID[state.measure]
        tabs.append(dbc.NavItem(dbc.NavLink(f"{m.name}", active=True, class_name="rec-tab rec-tab-measure",
                                            href=href(path, {**base_q, "measure": state.measure}))))
        chip = html.Div([html.Span("仅显示计入“"), html.B(m.name), html.Span("”的记录（与指标同一口径、同一统计期间）。"),
                         dcc.Link("显示全部", href=href(path, {**base_q, "rec": state.view}) + f"#{SECTION_ID}",
                                  className="rec-chip-clear")], className="rec-chip")
    filters = []
    for col in spec.filters:
        c = src.column(col)
        filters.append(html.Div([
            html.Span(c.header, className="picker-label"),
            dropdown({"type": "rec-filter", "col": col}, _options(spec.source, col), state.filters.get(col),
                     placeholder="全部", clearable=True, searchable=False, className="rec-filter"),
        ], className="cockpit-picker"))
    sort_options = [{"label": src.column(s).header, "value": s} for s in spec.sorts]
    controls = html.Div([
        *filters,
        html.Div([html.Span(spec.search_label or "关键词", className="picker-label"),
                  dbc.Input(id="rec-q", value=state.q, debounce=True, placeholder="输入后回车", size="sm",
                            class_name="rec-search")], className="cockpit-picker"),
        html.Div([html.Span("排序", className="picker-label"),
                  select("rec-sort", sort_options, state.sort, placeholder="排序依据"),
                  select("rec-desc", [{"label": "降序", "value": "1"}, {"label": "升序", "value": "0"}],
                         "1" if state.desc else "0", placeholder="排序方向")], className="cockpit-picker"),
    ], className="rec-controls")
    params = {"path": path, "query": base_q, "units": units if isinstance(units, str) else list(units),
              "period": str(period), "view": state.view, "measure": state.measure}
    return html.Section([
        html.Div([html.H2(title, className="section-title"),
                  html.Span("个人信息已脱敏处理", className="rec-privacy")], className="section-head"),
        dbc.Nav(tabs, pills=True, class_name="rec-tabs"),
        chip,
        controls,
        dcc.Loading(html.Div(id="rec-table", className="rec-table-wrap"), type="default", delay_show=250),
        html.Div([html.Span(id="rec-count", className="rec-count"),
                  dbc.Pagination(id="rec-page", max_value=1, active_page=state.page + 1, fully_expanded=False,
                                 first_last=True, previous_next=True, size="sm")], className="rec-foot"),
        dcc.Store(id="rec-params", data=params),
        html.Div(id="rec-scrolled", hidden=True),
    ], id=SECTION_ID, className="cockpit-section records-section")


def _cell(source_id: str, col: str, value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    c = SOURCE_BY_ID[source_id].column(col)
    if col == "unit_code":
        u = U.UNIT_BY_CODE.get(str(value))
        return u.short if u else str(value)
    if c.type == "flag":
        return "是" if int(value) == 1 else "否"
    if c.type == "datetime":
        return str(value)[:16]
    if c.type == "date":
        return str(value)[:10]
    if c.type == "int" and col == "bail_amount":
        return f"{int(value):,}"
    return str(value)


def fetch_page(_snapshot: int, source: str, units: tuple[str, ...], period: str, measure: str | None, sort: str,
               desc: bool, q_col: str | None, q: str, equals: tuple[tuple[str, str], ...], page: int,
               page_size: int) -> R.RecordPage:
    return R.list_records(data.read_engine(), source, list(units), period, measure_id=measure, sort=sort,
                          descending=desc, filters={q_col: q} if q_col and q else None, page=page,
                          page_size=page_size, equals=dict(equals))


def render_table(view: str, page: R.RecordPage) -> html.Div:
    spec = RECORD_VIEWS[view]
    if page.total == 0:
        return state_block("无数据", "所选期间和条件下没有记录。")
    head = el("Thead", el("Tr", [el("Th", page.headers.get(c, c)) for c in spec.columns]))
    body = el("Tbody", [el("Tr", [el("Td", _cell(spec.source, c, v)) for c, v in zip(spec.columns, row)])
                        for row in page.rows[list(spec.columns)].itertuples(index=False, name=None)])
    return el("Div", el("Table", [head, body], className="table table-sm table-hover table-striped cockpit-table "
                                                         "records-table"), className="table-responsive")


@cached_output
def records_view(params: dict, units: list[str], filters: dict, q: str, sort: str, desc: bool, page: int,
                 first_draw: bool):
    """(table, pages, active page, count text, address-bar search) of a record list for the given
    unit codes (already filtered by what the user may see); raises when the database cannot be
    read (nothing cached then)."""
    spec = RECORD_VIEWS[params["view"]]
    measure = params.get("measure") or spec.measure
    result = fetch_page(data.current().store.snapshot, spec.source, tuple(units), params["period"], measure, sort,
                        desc, spec.search, q, tuple(sorted(filters.items())), page, PAGE_SIZE)
    rs = RecordState(params["view"], params.get("measure"), result.page, sort, desc, q, filters)
    # the address bar follows the list (not on the first draw: the URL already says it all)
    search = None if first_draw else query_string({**params["query"], **rs.query()})
    count = f"共 {result.total:,} 条 · 第 {result.page + 1}/{result.pages} 页"
    return render_table(params["view"], result), result.pages, result.page + 1, count, search


def visible_units(source: str, units) -> list[str]:
    """The unit codes of `units` whose records the signed-in user may see (all when sign-in is
    off) — cockpit.auth's rule, applied before anything is fetched or cached."""
    from cockpit.auth.records import record_units
    return sorted(record_units(source, units))


def visible_scope(units) -> list[str]:
    """The unit codes of `units` whose case records the current user may see (a county user:
    its own unit only; everyone while sign-in is off). For titles and links; the list itself is
    filtered again where it is fetched (`visible_units`)."""
    from cockpit.auth import context as auth_context
    from cockpit.auth import roles
    return roles.allowed_record_units(auth_context.current_principal(), units)


def records_title(units, base: str = "明细记录") -> str:
    """The records section's title naming what the list really shows: ``明细记录 · 全市`` for a
    leader, ``明细记录 · 盐湖区（本院）`` for a county user on a city-wide page."""
    from cockpit.auth import roles
    asked = roles.expand_units(units)
    shown = visible_scope(units)
    label = U.label(units) if isinstance(units, str) else "、".join(U.label(u) for u in units)
    if shown == asked:
        return f"{base} · {label}"
    if not shown:
        return f"{base} · {label}（仅限本院明细，无权查看）"
    return f"{base} · {'、'.join(U.UNIT_BY_CODE[c].short for c in shown)}（本院）"


def audit_view(source: str, params: dict, allowed: list[str], page: int, total: str) -> None:
    """One audit entry per list shown to a signed-in user (cached or not)."""
    from cockpit.auth import audit, current_principal
    principal = current_principal()
    if principal is None or getattr(principal, "kind", "open") == "open" or source == "registry":
        return
    units = params["units"]
    audit.record("view_records", {"source": source, "units": [units] if isinstance(units, str) else list(units),
                                  "granted": allowed if len(allowed) < 14 else ["CITY"],
                                  "period": params["period"], "measure": params.get("measure"), "page": page + 1,
                                  "total": total}, subject=source, actor=principal)


@callback(
    Output("rec-table", "children"), Output("rec-page", "max_value"), Output("rec-page", "active_page"),
    Output("rec-count", "children"), Output("page-silent-url", "search"),
    Input({"type": "rec-filter", "col": ALL}, "value"), Input("rec-q", "value"), Input("rec-sort", "value"),
    Input("rec-desc", "value"), Input("rec-page", "active_page"),
    State("rec-params", "data"),
)
@guarded("children", 1, 1, "", no_update)
def update_records(filter_values, q, sort, desc, active_page, params):
    if not params:
        return no_update, no_update, no_update, no_update, no_update
    spec = RECORD_VIEWS[params["view"]]
    trig = ctx.triggered_id
    page = max(0, int(active_page or 1) - 1)
    if trig is not None and trig != "rec-page":
        page = 0                                  # a new filter or order starts at the first page
    cols = [i["id"]["col"] for i in ctx.inputs_list[0]]
    filters = {c: v for c, v in zip(cols, filter_values or []) if v not in (None, "")}
    sort = sort if sort in spec.sorts else spec.sorts[0]
    q = (q or "").strip()[:50]
    allowed = visible_units(spec.source, params["units"])
    if not allowed:
        return state_block("无权查看", "您的账号只能查看本院的明细记录。", "empty"), 1, 1, "", no_update
    try:
        table, pages, active, count, search = records_view(params, allowed, filters, q, sort, desc != "0", page,
                                                           trig is None)
    except Exception as err:  # noqa: BLE001 - the database may be down: say so, keep the page
        log.warning("records unavailable: %s", err)
        return state_block("明细暂不可用", message_for(err), "error"), 1, 1, "", no_update
    audit_view(spec.source, params, allowed, active - 1, count)
    return table, pages, active, count, (no_update if search is None else search)


# A link to `…#records` (the drill-down from a number) lands on the list, not the page top.
clientside_callback(
    """
    function(_params) {
        if (window.location.hash === '#records') {
            const target = document.getElementById('records');
            if (target) { setTimeout(function () { target.scrollIntoView({block: 'start'}); }, 50); }
        }
        return '';
    }
    """,
    Output("rec-scrolled", "children"),
    Input("rec-params", "data"),
)
