"""The Dash application: shell layout, Dash Pages, locally served assets.

Nothing here may reach the internet: the command-center wall and the procuratorate's
intranet have no access to CDNs. Dash's own JS is served from the installed packages
(`serve_locally=True`), Bootstrap from `assets/vendor/`, and fonts are system fonts only.
"""
from __future__ import annotations

import logging
from pathlib import Path

from urllib.parse import urlsplit

import dash
import flask
from dash import dcc, html
from dash._pages import _parse_query_string

from cockpit import auth, data, warm
from cockpit.auth import roles
from cockpit.report import download as report_download
from cockpit.cache import init_cache
from cockpit.components.shell import TITLE
from cockpit.components.userbar import user_bar
from cockpit.config import PROJECT_DIR

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = PROJECT_DIR / "assets"
BOOTSTRAP_ASSET = "vendor/bootstrap.min.css"


def _is_wall(path: str | None) -> bool:
    """Is this path the wall's page? (as the guard sees paths: roles.normalize_path)"""
    return roles.normalize_path(path) == roles.SCREEN_PATH


def _layout():
    return html.Div([user_bar(), _page_container()], id="cockpit-root")


def _page_container():
    """Dash Pages' container; when the wall's page asks for its layout, with the wall already in
    it. Dash Pages sends a page in a second round trip (its routing callback, fired when the
    container's Location mounts); for the wall that round trip is a tenth of its first draw.
    The Location here carries the page's own path and query, so it sets neither and the
    routing callback does not fire. What goes in is what that callback would send: the page's
    layout for the query, for a principal who may open the wall (the guard's rule for it)."""
    try:
        page = _wall_page_for_this_request()
    except Exception:  # noqa: BLE001 — the routing callback will build the page (or its error)
        logging.getLogger(__name__).exception("the wall's layout could not be built into /_dash-layout")
        page = None
    if page is None:
        return dash.page_container
    layout, title, path, search = page
    return html.Div([
        dcc.Location(id="_pages_location", refresh="callback-nav", pathname=path, search=search),
        html.Div(layout, id="_pages_content", disable_n_clicks=True),
        dcc.Store(id="_pages_store", data={"title": title}),
        html.Div(id="_pages_dummy", disable_n_clicks=True),
    ])


def _wall_page_for_this_request():
    """(layout, title, pathname, search) when this is the wall's page loading its layout."""
    if not flask.has_request_context() or not flask.request.path.endswith("/_dash-layout"):
        return None
    ref = urlsplit(flask.request.referrer or "")
    if ref.netloc and ref.netloc != flask.request.host:
        return None
    path = ref.path
    if not _is_wall(path):
        return None
    principal = auth.current_principal()
    if principal is None or not roles.page_allowed(principal.role, roles.SCREEN_PATH):
        return None
    page = next((p for p in dash.page_registry.values() if p["path"] == roles.SCREEN_PATH), None)
    if page is None:
        return None
    search = f"?{ref.query}" if ref.query else ""
    return page["layout"](**_parse_query_string(search)), page["title"], path, search


def _index_page(interpolate):
    """Dash's index page, without the Bootstrap stylesheet on the wall (`/screen`): the wall
    uses none of it (assets/screen.css carries the few resets it needs), and 230 KB of CSS
    parsed and matched against a thousand elements cost ~0.1 s of its first paint. Dash
    documents overriding `interpolate_index` for per-request changes to the index page.
    Also: the placeholder shown until the app has started reads 正在加载… (not Loading...)."""
    def index(**parts):
        # the text shown until the app has started (Dash writes it in English)
        parts["app_entry"] = parts["app_entry"].replace("Loading...", "正在加载…")
        if _is_wall(flask.request.path):
            parts["css"] = "\n".join(line for line in parts["css"].splitlines() if BOOTSTRAP_ASSET not in line)
        return interpolate(**parts)
    return index


def create_app(engine=None) -> dash.Dash:
    """The app on the store of `DATABASE_URL` (or the given engine)."""
    data.init(engine)
    app = dash.Dash(
        # "cockpit" (the package) as the app's name: Dash Pages then imports the page
        # modules as `cockpit.pages.<name>`, the same names a plain import would give.
        "cockpit",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        # Bootstrap is linked explicitly below so that it comes *before* assets/cockpit.css
        # (Dash adds top-level asset files before those in sub-folders).
        assets_path_ignore=["^vendor$"],
        serve_locally=True,
        title=TITLE,
        update_title=None,  # no "Updating..." flicker on the wall display
        # No validation layout: with it Dash Pages calls every page's layout at start and
        # sends the result (≈590 KB: the wall's skeleton, every navbar, every page) inside the
        # index HTML of *every* page to every client — slow, and a place for data to leak.
        # Callbacks are checked by the browser tests instead.
        suppress_callback_exceptions=True,
    )
    app.config.external_stylesheets.append(app.get_asset_url(BOOTSTRAP_ASSET))
    # lang=zh-CN makes browsers pick Simplified-Chinese glyph forms (Noto Sans CJK SC).
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">', 1)
    # Pages bring their own chrome (cockpit.components.shell); the wall has none. The bar of
    # the signed-in user is built per request, outside the pages' shared layouts.
    app.layout = _layout
    app.interpolate_index = _index_page(app.interpolate_index)
    init_cache(app.server)
    report_download.install(app.server)   # /reports/download: a pack's file, behind the guard
    auth.init_app(app)  # sign-in, roles, audit, security headers (COCKPIT_AUTH=off: none)
    warm.install(app)   # the cache warm-up of each snapshot (COCKPIT_WARM), and /readyz
    return app
