"""The gate every request passes (a Flask `before_request`), and the headers every response gets.

Order of checks in `before_request`:
1. public routes: /login, /logout, /auth/login.css, /_favicon.ico, /readyz (the readiness check:
   says only whether the worker is warm) — nothing else;
2. `/screen?token=…`: the wall signs in with its kiosk token (a session is set, the token is
   taken out of the address and the browser is sent on to /screen);
3. no session → 401 JSON for Dash endpoints, 401 for static files, a redirect to
   /login?next=… for pages;
4. unsafe methods (POST …) must carry the session's CSRF token (`X-CSRFToken` for callbacks),
   except the cache warm-up's (an in-process identity, cockpit.warm: no browser);
5. `/_dash-update-component`: the callback named by the request's `output` must be allowed to
   the role (roles.callback_allowed, by the module defining it); Dash Pages' routing callback is
   allowed when the page it asks for is (roles.page_allowed on its pathname input);
6. `/_dash-layout`, `/_dash-dependencies`, `/_dash-component-suites/…`, `/assets/…`: any
   signed-in role (no data in them);
7. anything else is a page: roles.page_allowed on the path.

The Dash renderer is configured (`app.renderer`) to send the browser to the login page when a
callback answers 401 — an idle session that ran out while a page was open.
"""
from __future__ import annotations

import base64
import hashlib
import inspect
import logging
import re
import time
from datetime import timedelta
from urllib.parse import urlencode

from flask import g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, login_user
from werkzeug.middleware.proxy_fix import ProxyFix

from cockpit.auth import audit, context, csrf, lockout, models, revocations, roles
from cockpit.auth.views import _url, error_response, json_error, message_page

log = logging.getLogger(__name__)

DASH_CALLBACK = "/_dash-update-component"
DASH_DATA = ("/_dash-layout", "/_dash-dependencies")
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/")
PUBLIC = frozenset({"/login", "/logout", "/auth/login.css", "/_favicon.ico", "/readyz"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The Dash renderer calls `request_refresh_jwt` on a 401 whose body contains this text
# (dash-renderer: "JWT Expired"); our hook then reloads into the login page.
RENDERER_401_MARKER = "JWT Expired"

RENDERER = """var renderer = new DashRenderer({
  request_refresh_jwt: function () {
    var here = window.location.pathname + window.location.search;
    window.location.assign(%(login)s + '?expired=1&next=' + encodeURIComponent(here));
    return new Promise(function () {});
  }
});"""


class SessionUser(UserMixin):
    """Flask-Login's user: its id is the server-side session id (an "alternative token" in
    Flask-Login's terms), so deleting the session row signs the browser out."""

    def __init__(self, sid: str, principal: models.Principal):
        self.id = sid
        self.principal = principal


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with the Secure flag decided per request in "auto" mode."""

    def __init__(self, mode: str):
        self.mode = mode

    def get_cookie_secure(self, app) -> bool:
        if self.mode in ("on", "1", "true", "yes"):
            return True
        if self.mode in ("off", "0", "false", "no"):
            return False
        return bool(request and request.is_secure)


def cookie_secure(state) -> bool:
    mode = state.settings.secure_cookies
    return mode in ("on", "1", "true", "yes") or (mode not in ("off", "0", "false", "no") and request.is_secure)


def install(app, state) -> None:
    from cockpit import data
    server = app.server
    if state.settings.proxy_hops > 0:
        n = state.settings.proxy_hops
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)
    server.session_interface = _SessionInterface(state.settings.secure_cookies)
    csrf.install(server)
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader
    def _load(sid: str):
        try:
            st = models.load_session(data.engine(), sid, state.idle, state.max_age)
        except Exception as err:  # noqa: BLE001 - database down: see _vouched_principal
            log.error("cannot load session: %s", err)
            principal = _vouched_principal(state, sid)
            if principal is None:
                g.cockpit_auth_unavailable = True
                return None
            g.cockpit_auth_degraded = True
            return SessionUser(sid, principal)
        if st.principal is None:
            g.cockpit_session_expired = st.expired
            session.pop(VOUCHER, None)
            return None
        g.cockpit_last_seen = st.last_seen
        _vouch(state, st.principal)
        return SessionUser(sid, st.principal)

    app.renderer = RENDERER % {"login": _js_string(_login_path(app))}
    server.before_request(lambda: before_request(state))
    server.after_request(lambda resp: after_request(state, resp))


# --------------------------------------------------------------------------- database down
# While the database cannot be reached nobody's session can be checked against the sessions
# table, yet the wall must keep its last figures with "数据暂停更新" and a leader's open page
# must show "数据库暂时无法连接" and recover by itself (issues 3 and 4). So each successful
# check leaves a voucher in the signed session cookie — the principal and when it was last
# verified — and while the database is down a session whose voucher is fresh enough is
# believed: the wall's (aggregates only) for as long as the outage lasts, a person's for the
# idle timeout. Nothing new can be read from the database meanwhile; once it is back every
# request is checked again (a revoked token or a disabled account stops at the next request).
VOUCHER = "cockpit_voucher"


def _vouch(state, principal, force: bool = False) -> None:
    now = round(time.time(), 3)
    old = session.get(VOUCHER)
    card = [principal.name, principal.role, principal.unit, principal.kind, principal.user_id,
            principal.kiosk_id, principal.full_name]
    if not force and isinstance(old, dict) and old.get("p") == card and \
            now - float(old.get("at", 0)) < state.settings.touch_every_seconds:
        return  # rewrite the cookie at most once a minute
    session[VOUCHER] = {"p": card, "at": now}


def _vouched_principal(state, sid: str | None = None):
    """The principal of a fresh voucher that no revocation noted outside the database
    (cockpit.auth.revocations) has overtaken, or None."""
    voucher = session.get(VOUCHER)
    if not isinstance(voucher, dict) or not isinstance(voucher.get("p"), list) or len(voucher["p"]) != 7:
        return None
    name, role, unit, kind, user_id, kiosk_id, full_name = voucher["p"]
    try:
        at = float(voucher.get("at", 0))
    except (TypeError, ValueError):
        return None
    if kind != "kiosk" and time.time() - at > state.idle.total_seconds():
        return None
    from cockpit import data
    if revocations.store().refuses(data.engine(), models.token_hash(sid) if sid else None, user_id, kiosk_id, at):
        return None
    return models.Principal(name, role, unit, kind, user_id, kiosk_id, full_name)


def _login_path(app) -> str:
    return (app.config.requests_pathname_prefix or "/").rstrip("/") + "/login"


def _js_string(s: str) -> str:
    import json
    return json.dumps(s)


# --------------------------------------------------------------------------- before

def before_request(state):
    if not state.enabled:
        return None
    path = request.path
    if path in PUBLIC:
        return None
    if request.method == "GET" and "token" in request.args and roles.normalize_path(path) == roles.SCREEN_PATH:
        return kiosk_sign_in(state)
    principal = context.current_principal()
    if principal is None:
        return unauthenticated(state)
    if path == DASH_CALLBACK:
        # only the upload page (admins) sends big callbacks; nobody else may make us parse one.
        # Content-Length is checked at once; a body without one (chunked) is cut off by the
        # request's own limit on the bytes actually read: at most one byte more than allowed
        # is read, and a body that has that byte is too big
        limit = state.settings.callback_max_bytes if principal.role != roles.ADMIN \
            else request.max_content_length
        if limit is not None:
            if (request.content_length or 0) > limit:
                return _too_big(principal)
            request.max_content_length = limit + 1
            if len(request.get_data(cache=True)) > limit:
                return _too_big(principal)
    # the cache warm-up's requests come from inside the process (cockpit.warm), not a browser
    if request.method not in SAFE_METHODS and principal.kind != "warm" and not csrf.valid():
        audit.record("csrf_failed", {"path": path[:200], "method": request.method})
        if path.startswith("/_dash"):
            return json_error(403, "请求校验失败（CSRF）：请刷新页面后重试。")
        return message_page("请求校验失败", "页面已过期，请刷新后重试。", 403, code="403")
    _touch(state, principal)
    if path == DASH_CALLBACK:
        return check_callback(state, principal)
    if path in DASH_DATA or path.startswith(STATIC_PREFIXES):
        return None
    if path.startswith("/_"):                       # other Dash internals (e.g. _reload-hash)
        return None if principal.role in roles.PEOPLE else json_error(403, "无权访问")
    if request.method == "GET" and not request.query_string and roles.normalize_path(path) == "/":
        landing = roles.landing_path(principal)
        if landing:                                 # a county user lands on its own county's page
            return redirect(_url(landing))
    if request.method in SAFE_METHODS and not roles.page_allowed(principal.role, path):
        if principal.role == roles.SCREEN and roles.normalize_path(path) == "/":
            return redirect(_url(roles.SCREEN_PATH))
        audit.record("access_denied", {"path": path[:200]}, subject=path[:200])
        return message_page("无权访问", "您的账户没有访问此页面的权限。如需开通，请联系检察技术部管理员。", 403,
                            code="403", links=_home_links(principal))
    return None


def _too_big(principal):
    if principal.role == roles.ADMIN:
        return error_response(413)        # the upload's own message, with the size allowed
    return json_error(413, "请求内容过大。")


def _home_links(principal) -> tuple[tuple[str, str], ...]:
    if principal.role == roles.SCREEN:
        return ((roles.SCREEN_PATH, "返回大屏"),)
    return (("/", "返回首页"), ("/logout", "退出登录"))


def unauthenticated(state):
    path = request.path
    expired = bool(g.get("cockpit_session_expired"))
    if g.get("cockpit_auth_unavailable"):
        if path.startswith("/_dash") or request.method not in SAFE_METHODS:
            return json_error(503, "数据库暂时无法连接，无法验证登录状态，请稍后重试。")
        return message_page("暂时无法登录", "数据库暂时无法连接，无法验证登录状态。系统会自动重试，请稍后刷新页面。", 503,
                            code="503", links=())
    if path == DASH_CALLBACK:
        return json_error(401, "未登录或登录已超时，请重新登录。", reason=RENDERER_401_MARKER)
    if path.startswith("/_") or request.method not in SAFE_METHODS:
        return json_error(401, "未登录或登录已超时，请重新登录。")
    if path.startswith(STATIC_PREFIXES):
        return json_error(401, "未登录")
    target = request.full_path if request.query_string else path
    query = {"next": target}
    if expired:
        query["expired"] = 1
    return redirect(_url("/login?" + urlencode(query)))


def _is_timer_callback() -> bool:
    """A callback fired only by dcc.Interval ticks (status polls, the wall's refresh) is not a
    person doing something: it does not keep an idle session alive."""
    if request.path != DASH_CALLBACK:
        return False
    body = request.get_json(silent=True)
    changed = body.get("changedPropIds") if isinstance(body, dict) else None
    return bool(changed) and all(isinstance(c, str) and c.endswith(".n_intervals") for c in changed)


def _touch(state, principal) -> None:
    if principal.kind != "user":
        return
    last = g.get("cockpit_last_seen")
    if last is None or models.utcnow() - last < timedelta(seconds=state.settings.touch_every_seconds):
        return
    if _is_timer_callback():
        return
    sid = session.get("_user_id")
    if sid:
        try:
            from cockpit import data
            models.touch_session(data.engine(), sid)
        except Exception as err:  # noqa: BLE001 - a missed touch only shortens the idle time
            log.warning("cannot touch session: %s", err)


def kiosk_sign_in(state):
    """`/screen?token=…`. A valid token always signs the wall in; invalid ones are counted per
    address and, past the limit, answered 429 for a while (without an audit entry each) — the
    lock never stops a valid token nor a wall already signed in, so whoever can reach the
    wall's address (an <img> tag would do) cannot lock the wall out."""
    from cockpit import data
    engine = data.engine()
    token = request.args.get("token", "")
    addr = context.remote_addr()
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    target = _url(roles.SCREEN_PATH) + ("?" + urlencode(rest) if rest else "")
    current = context.current_principal()
    wall_signed_in = current is not None and current.kind == "kiosk"
    try:
        row = models.find_kiosk(engine, token)
        if row is None and not wall_signed_in and lockout.locked_until(engine, lockout.KIOSK, addr) is not None:
            return message_page("请稍后再试", "无效令牌尝试次数过多，此地址已被暂时锁定（15 分钟）。"
                                "有效的大屏地址不受影响。", 429, code="429", links=())
    except Exception as err:  # noqa: BLE001
        log.error("kiosk sign-in failed: %s", err)
        if wall_signed_in:
            return redirect(target)      # the wall keeps its session (and its last figures)
        return message_page("暂时无法登录", "数据库暂时无法连接，请稍后刷新页面。", 503, code="503", links=())
    if row is None:
        audit.record("kiosk_denied", {"token_prefix": token[:4] + "…" if token else ""},
                     actor=models.Principal("大屏（令牌无效）", roles.SCREEN, kind="attempt"))
        if not wall_signed_in:
            which = lockout.record_failure(engine, lockout.KIOSK, addr, state.settings)
            if which:
                audit.record("login_locked", {"scope": "kiosk", "minutes": state.settings.lock_minutes,
                                              "failures": state.settings.lock_failures},
                             subject=f"{lockout.describe(lockout.KIOSK)} @ {addr}",
                             actor=models.Principal("大屏（令牌无效）", roles.SCREEN, kind="attempt"))
        return message_page("大屏令牌无效", "此大屏地址中的令牌无效或已被撤销。请联系检察技术部管理员重新发放大屏地址。", 401,
                            code="401", links=())
    if wall_signed_in and current.kiosk_id == row.id:
        return redirect(target)
    old = session.get("_user_id")
    if old:
        models.end_session(engine, old)
    session.clear()
    sid = models.new_session(engine, kiosk_id=row.id, remote_addr=addr, user_agent=context.user_agent())
    principal = models.Principal(f"大屏:{row.label}"[:80], roles.SCREEN, None, "kiosk", None, row.id)
    login_user(SessionUser(sid, principal))
    session.permanent = True          # the wall's cookie outlives browser restarts
    csrf.rotate()
    g.cockpit_principal = principal
    models.mark_kiosk_used(engine, row.id)
    audit.record("kiosk_login", {"kiosk_id": row.id}, subject=row.label, actor=principal)
    return redirect(target)


def _callback_module(fn) -> str | None:
    try:
        return inspect.unwrap(fn).__module__
    except Exception:  # noqa: BLE001
        return getattr(fn, "__module__", None)


_WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def _matches_declared(item, declared: dict) -> bool:
    """Does one input (or state) of a request stand where the callback declares it: the same
    component id and property? A pattern (ALL, MATCH …) may stand for a list of components
    whose ids agree with the pattern's fixed keys."""
    import json
    did, prop = declared.get("id"), declared.get("property")
    if isinstance(did, str) and did.startswith("{"):
        try:
            pattern = json.loads(did)
        except ValueError:
            return False
        items = item if isinstance(item, list) else [item]

        def fits(x):
            if not isinstance(x, dict) or x.get("property") != prop or not isinstance(x.get("id"), dict):
                return False
            xid = x["id"]
            return set(xid) == set(pattern) and all(v in _WILDCARDS or xid[k] == v for k, v in pattern.items())
        return all(fits(x) for x in items)
    return isinstance(item, dict) and item.get("id") == did and item.get("property") == prop


def _well_formed(body: dict, entry: dict) -> bool:
    """A request's inputs and state are the callback's declared ones, in the declared order.
    Dash hands values to the function by position while the guard reads them by id: a request
    whose items are swapped, missing or extra would show the guard one value and the callback
    another, so it is refused."""
    for key in ("inputs", "state"):
        given = body.get(key) if body.get(key) is not None else []
        declared = entry.get(key) or []
        if not isinstance(given, list) or len(given) != len(declared):
            return False
        if not all(_matches_declared(g, d) for g, d in zip(given, declared)):
            return False
    return True


def _declared_value(body: dict, entry: dict, component_id: str, prop: str):
    """The value the callback function will receive for its declared input `component_id.prop`
    (read by position, as Dash does; the request is well-formed, so the id agrees)."""
    for i, d in enumerate(entry.get("inputs") or []):
        if d.get("id") == component_id and d.get("property") == prop:
            item = body["inputs"][i]
            return item.get("value") if isinstance(item, dict) else None
    return None


def check_callback(state, principal):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("output"), str):
        return json_error(400, "请求无效")
    output = body["output"]
    entry = state.dash_app.callback_map.get(output)
    fn = entry.get("callback") if isinstance(entry, dict) else None
    module = _callback_module(fn) if fn is not None else None
    if fn is not None and not _well_formed(body, entry):
        reason = {"callback": output[:200], "module": module, "malformed": "inputs differ from the declared ones"}
    elif module == roles.ROUTING_MODULE and output.startswith(f"..{roles.PAGES_CONTENT_ID}.children"):
        pathname = _declared_value(body, entry, roles.PAGES_LOCATION_ID, "pathname")
        if roles.page_allowed(principal.role, pathname if isinstance(pathname, str) else None):
            return None
        reason = {"page": str(pathname)[:200]}
    elif fn is not None and roles.callback_allowed(principal.role, module):
        return None
    else:
        reason = {"callback": output[:200], "module": module}
    audit.record("access_denied", reason, subject=output[:200])
    return json_error(403, "无权访问：您的账户不能使用此功能。")


# --------------------------------------------------------------------------- after

_SCRIPT_RE = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)


def inline_script_hashes(html: str) -> list[str]:
    """CSP hashes of the executable inline scripts of a page (Dash's renderer start-up and its
    clientside-callback scripts); the JSON config block is not executed and needs none."""
    out = []
    for m in _SCRIPT_RE.finditer(html):
        attrs = m.group("attrs").lower()
        if "src=" in attrs or "application/json" in attrs:
            continue
        digest = hashlib.sha256(m.group("body").encode("utf-8")).digest()
        h = f"'sha256-{base64.b64encode(digest).decode()}'"
        if h not in out:
            out.append(h)
    return out


def content_security_policy(script_hashes: list[str]) -> str:
    script = " ".join(["script-src 'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        # own files + the hashes of this page's inline scripts (Dash's renderer start-up and the
        # clientside callbacks); no other inline script and no eval, on every page the wall included
        script,
        # Plotly and react-select insert <style> elements at run time; styles cannot run code
        "style-src 'self' 'unsafe-inline'",
        # Plotly/ECharts export images as data: URLs; map tiles none (no internet)
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def after_request(state, resp):
    if not state.enabled:
        return resp
    path = request.path
    h = resp.headers
    hashes: list[str] = []
    if resp.mimetype == "text/html" and not resp.direct_passthrough and not resp.is_streamed \
            and "Content-Encoding" not in h:
        hashes = inline_script_hashes(resp.get_data(as_text=True))
    h["Content-Security-Policy"] = content_security_policy(hashes)
    h["X-Content-Type-Options"] = "nosniff"
    h["X-Frame-Options"] = "DENY"
    h["Referrer-Policy"] = "same-origin"
    h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    h["Cross-Origin-Opener-Policy"] = "same-origin"
    h["Cross-Origin-Resource-Policy"] = "same-origin"
    if request.is_secure:
        h["Strict-Transport-Security"] = "max-age=31536000"
    if not path.startswith(STATIC_PREFIXES) and path != "/auth/login.css" and path != "/_favicon.ico":
        h["Cache-Control"] = "no-store"
        h.add("Vary", "Cookie")
    token = csrf.cookie_value()
    if token:
        resp.set_cookie(csrf.COOKIE, token, secure=cookie_secure(state), httponly=False, samesite="Lax", path="/",
                        max_age=int(timedelta(days=state.settings.kiosk_cookie_days).total_seconds())
                        if session.permanent else None)
    return resp
