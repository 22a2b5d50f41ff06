"""The Dash application: shell layout, Dash Pages, locally served assets.

Nothing here may reach the internet: the command-center wall and the procuratorate's
intranet have no access to CDNs. Dash's own JS is served from the installed packages
(`serve_locally=True`), Bootstrap from `assets/vendor/`, and fonts are system fonts only.
"""
from __future__ import annotations

from pathlib import Path

import dash
import flask
from dash import html

from cockpit import auth, data
from cockpit.auth import roles
from cockpit.cache import init_cache
from cockpit.components.shell import TITLE
from cockpit.components.userbar import user_bar
from cockpit.config import PROJECT_DIR

PAGES_DIR = Path(__file__).resolve().parent / "pages"
ASSETS_DIR = PROJECT_DIR / "assets"
BOOTSTRAP_ASSET = "vendor/bootstrap.min.css"


def _layout():
    return html.Div([user_bar(), dash.page_container], id="cockpit-root")


def _index_page(interpolate):
    """Dash's index page, without the Bootstrap stylesheet on the wall (`/screen`): the wall
    uses none of it (assets/screen.css carries the few resets it needs), and 230 KB of CSS
    parsed and matched against a thousand elements cost ~0.1 s of its first paint. Dash
    documents overriding `interpolate_index` for per-request changes to the index page."""
    def index(**parts):
        path = flask.request.path.rstrip("/") or "/"
        if path.endswith(roles.SCREEN_PATH):
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
    auth.init_app(app)  # sign-in, roles, audit, security headers (COCKPIT_AUTH=off: none)
    return app
