"""Leaders read on phones (issue 13 item 6): every page is usable at 390×844 as at 1366×768.

Every Dash Pages route (enumerated from `dash.page_registry` by `test_ui_language.page_paths`, so
a new page is covered without touching this file; path templates filled from its
TEMPLATE_VALUES), the pages Flask serves alone (the password form, the sign-in form) and a
clue's timeline (`/clues?clue=<a clue of the demo>`) are opened by each person whose role may
open them, first at 390×844 (a phone) and then, in the same tab, at 1366×768. On each:

- the page does not scroll sideways: `scrollWidth` of the document is not wider than the
  window (neither `innerWidth` nor the width left beside a vertical scroll bar);
- nothing sticks out of the window unless it sits in a box that scrolls sideways itself
  (a wide table in its `overflow-x: auto` wrapper), and nothing is hidden by clipping the page
  (`overflow-x: hidden` on <html> or <body> would hide the overflow instead of fixing it);
- no console errors and nothing requested from another host (`Session.check_clean`).

The wall (`/screen`) is a kiosk page: it is checked with its kiosk token at 390×844 (it may scale
rather than reflow, but must not scroll sideways).
"""
from __future__ import annotations

import shutil

import pytest
from browser_support import wait_for_dash

pytestmark = pytest.mark.browser

PHONE = (390, 844)
DESKTOP = (1366, 768)
SCREEN = "/screen"
FLASK_PAGES = ("/account/password",)          # served by Flask alone (no Dash): no wait_for_dash

# How wide the page is, and what sticks out of the window outside a box that scrolls sideways.
_OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const width = Math.min(window.innerWidth, doc.clientWidth);
  const offenders = [];
  const clips = [];
  for (const el of [doc, document.body]) {
    const ox = getComputedStyle(el).overflowX;
    if (ox === 'hidden' || ox === 'clip') clips.push(el.tagName + ' overflow-x:' + ox);
  }
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (typeof el.className === 'string' && el.className.trim()
         ? '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.') : '');
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right <= width + 1) continue;     // what lies off to the left never scrolls the page
    // inside a box of its own (scrolling or clipping) below <body>, that box decides
    let box = el.parentElement, boxed = false;
    while (box && box !== document.body && box !== doc) {
      const ox = getComputedStyle(box).overflowX;
      if (ox !== 'visible') { boxed = true; break; }
      box = box.parentElement;
    }
    if (boxed) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed' && style.opacity === '0') continue;
    offenders.push(name(el) + ' [' + Math.round(r.left) + '..' + Math.round(r.right) + ']');
    if (offenders.length >= 8) break;
  }
  // panels side by side on a phone: a grid of the page's panels with more than one column
  const grids = [];
  for (const g of document.querySelectorAll('.cockpit-grid')) {
    if (!g.getBoundingClientRect().width) continue;
    const cols = getComputedStyle(g).gridTemplateColumns.trim().split(/\\s+/).length;
    if (cols > 1) grids.push(name(g) + ' (' + cols + ' columns)');
  }
  // charts (Plotly's and ECharts') narrower than most of the window
  const charts = [];
  for (const c of document.querySelectorAll('.js-plotly-plot, [_echarts_instance_]')) {
    const w = c.getBoundingClientRect().width;
    if (w && w < 0.75 * width) charts.push(name(c) + ' ' + Math.round(w) + 'px');
  }
  return {scroll: doc.scrollWidth, inner: window.innerWidth, client: doc.clientWidth,
          offenders: offenders, clips: clips, grids: grids, charts: charts};
}
"""


def clue_of(db_url: str, unit: str = "140802") -> str:
    """A real clue number of `unit` in the demo store (the county user may read it)."""
    from sqlalchemy import create_engine, text
    engine = create_engine(db_url)
    with engine.connect() as conn:
        no = conn.execute(text("SELECT min(clue_no) FROM stg_clue WHERE unit_code = :u"), {"u": unit}).scalar()
    engine.dispose()
    assert no, f"the demo store has no clue of {unit}"
    return no


@pytest.fixture(scope="module")
def server_db_url(demo_db_url, tmp_path_factory):
    """A private copy of the demo store (the server writes accounts and audit entries into it)."""
    folder = tmp_path_factory.mktemp("narrow")
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), folder / "cockpit.db")
    return f"sqlite:///{folder / 'cockpit.db'}"


@pytest.fixture(scope="module")
def pages(server_db_url) -> list[str]:
    """Every Dash page (from the registry) but the wall, a clue's timeline, and the Flask pages."""
    from test_ui_language import page_paths
    paths = [p for p in page_paths(server_db_url) if p.split("?")[0] != SCREEN]
    assert "/clues" in paths and "/admin/users" in paths, paths
    return [*paths, f"/clues?clue={clue_of(server_db_url)}", *FLASK_PAGES]


def problems_of(page, where: str, phone: bool = False) -> list[str]:
    """What is wrong with the current page's width (empty: nothing); on a phone also panels side
    by side (they stack) and charts narrower than three quarters of the screen (illegible)."""
    got = page.evaluate(_OVERFLOW_JS)
    out = []
    if got["scroll"] > min(got["inner"], got["client"] + 1):
        out.append(f"{where}: scrolls sideways (scrollWidth {got['scroll']} > window {got['client']})")
    if got["offenders"]:
        out.append(f"{where}: sticks out of the window: {got['offenders']}")
    if got["clips"]:
        out.append(f"{where}: the page hides its overflow ({got['clips']})")
    if phone and got["grids"]:
        out.append(f"{where}: panels side by side instead of stacked: {got['grids']}")
    if phone and got["charts"]:
        out.append(f"{where}: charts too narrow to read: {got['charts']}")
    return out


def settle(page, dash: bool) -> None:
    if dash:
        wait_for_dash(page)
    else:
        page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)          # charts size themselves to their box


@pytest.mark.parametrize("role", ["leader", "county", "admin"])
def test_every_page_fits_a_phone_and_a_desktop(server, open_page, pages, role):
    from cockpit.auth import roles
    s = open_page(*PHONE, role=role)
    problems: list[str] = []
    seen = 0
    for path in pages:
        if not roles.page_allowed(role, path.split("?")[0]):
            continue
        seen += 1
        dash = path not in FLASK_PAGES
        s.page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        s.page.goto(server + path)
        settle(s.page, dash)
        problems += problems_of(s.page, f"{path} at {PHONE[0]}×{PHONE[1]} as {role}", phone=True)
        s.page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
        s.page.wait_for_timeout(400)
        problems += problems_of(s.page, f"{path} at {DESKTOP[0]}×{DESKTOP[1]} as {role}")
    assert seen >= (25 if role == "admin" else 20), seen
    assert problems == [], "\n".join(problems)
    s.check_clean()


def test_sign_in_form_fits_a_phone(server, open_page):
    s = open_page(*PHONE, role=None)
    s.page.goto(server + "/login")
    settle(s.page, dash=False)
    assert problems_of(s.page, "/login", phone=True) == []
    s.check_clean()


def test_wall_does_not_scroll_sideways_on_a_phone(server, open_page):
    """The kiosk wall at 390×844 with its token: it may scale rather than reflow."""
    s = open_page(*PHONE, role="screen")
    s.page.goto(server + SCREEN)
    settle(s.page, dash=True)
    s.page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    s.page.wait_for_timeout(500)
    got = s.page.evaluate(_OVERFLOW_JS)
    assert got["scroll"] <= min(got["inner"], got["client"] + 1), got
    assert not got["clips"] or got["scroll"] <= got["client"], got
    s.check_clean()
