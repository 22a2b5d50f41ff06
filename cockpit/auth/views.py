"""The server-rendered pages of the auth layer: /login, /logout, the error pages.

Plain HTML (no script at all), Chinese, every value escaped, styles from /auth/login.css
(served here: the login page needs nothing from /assets or any other host).
"""
from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from flask import Response, jsonify, redirect, request, session
from flask_login import login_user, logout_user
from markupsafe import escape
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from cockpit.auth import audit, context, csrf, lockout, models, passwords
from cockpit.auth.models import normalize_name

log = logging.getLogger(__name__)

TITLE = "运城检察 数据驾驶舱"
ORG = "运城市人民检察院 · 大数据指挥中心"

CSS = """
*{box-sizing:border-box}
html,body{margin:0;height:100%}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
 background:linear-gradient(160deg,#0b2a5b 0%,#123d7a 55%,#1d5fa8 100%);color:#1f2937;
 display:flex;align-items:center;justify-content:center;min-height:100vh;padding:24px}
.auth-card{background:#fff;border-radius:10px;box-shadow:0 12px 40px rgba(0,0,0,.25);
 width:100%;max-width:400px;padding:36px 36px 28px}
.auth-card h1{font-size:22px;margin:0 0 4px;color:#0b2a5b;letter-spacing:1px}
.auth-org{margin:0 0 24px;color:#5b6675;font-size:13px}
.auth-card label{display:block;font-size:14px;margin:14px 0 6px;color:#374151}
.auth-card input[type=text],.auth-card input[type=password]{width:100%;padding:10px 12px;font-size:15px;
 border:1px solid #cfd6e0;border-radius:6px;outline:none}
.auth-card input:focus{border-color:#1d5fa8;box-shadow:0 0 0 3px rgba(29,95,168,.15)}
.auth-card button{margin-top:22px;width:100%;padding:11px;font-size:16px;border:0;border-radius:6px;
 background:#0b2a5b;color:#fff;cursor:pointer;letter-spacing:4px}
.auth-card button:hover{background:#123d7a}
.auth-msg{padding:10px 12px;border-radius:6px;font-size:14px;margin:0 0 8px}
.auth-error{background:#fdecec;color:#a11d1d;border:1px solid #f5c2c2}
.auth-info{background:#eef4fb;color:#0b3d78;border:1px solid #cfe0f5}
.auth-note{margin:22px 0 0;color:#8a94a3;font-size:12px;line-height:1.6}
.auth-code{font-size:48px;font-weight:700;color:#0b2a5b;margin:0}
.auth-links a{color:#1d5fa8;margin-right:16px;font-size:14px}
"""

OUTAGE = "数据库暂时无法连接，暂时无法登录。请稍后重试；如持续出现，请联系检察技术部。"

MESSAGES = {
    "bye": ("info", "您已安全退出。"),
    "expired": ("info", "登录已超时（30 分钟无操作），请重新登录。"),
    "kiosk": ("info", "大屏授权已失效：请使用管理员发放的带令牌地址重新打开大屏。"),
}


def _url(path: str) -> str:
    return (request.script_root or "") + path


def _doc(title: str, body: str, status: int = 200) -> Response:
    html = (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)} · {escape(TITLE)}</title>'
        f'<link rel="stylesheet" href="{escape(_url("/auth/login.css"))}">'
        f'<link rel="icon" href="{escape(_url("/_favicon.ico"))}">'
        f'</head><body><main class="auth-card">{body}</main></body></html>'
    )
    return Response(html, status=status, mimetype="text/html")


def safe_next(value: str | None) -> str:
    """A local path to go to after signing in; anything else (other hosts, javascript:,
    protocol-relative //host, back-slashes) becomes "/"."""
    value = (value or "").strip()
    if not value or len(value) > 1000 or any(ord(c) < 32 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return "/"
    if parts.path in ("/login", "/logout"):
        return "/"
    return value


def login_page(message: tuple[str, str] | None = None, username: str = "", next_url: str = "/",
               status: int = 200) -> Response:
    msg = ""
    if message:
        kind, text = message
        msg = f'<p class="auth-msg auth-{escape(kind)}" role="alert">{escape(text)}</p>'
    body = (
        f'<h1>{escape(TITLE)}</h1><p class="auth-org">{escape(ORG)}</p>{msg}'
        f'<form method="post" action="{escape(_url("/login"))}" autocomplete="off">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf.token())}">'
        f'<input type="hidden" name="next" value="{escape(next_url)}">'
        '<label for="username">用户名</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" maxlength="64" '
        'required autofocus autocomplete="username">'
        '<label for="password">密码</label>'
        '<input type="password" id="password" name="password" maxlength="256" required '
        'autocomplete="current-password">'
        '<button type="submit">登录</button></form>'
        '<p class="auth-note">本系统含刑事案件数据，仅限授权人员使用。登录、查看明细、导出和上传均记录在审计日志中。'
        '忘记密码请联系检察技术部管理员。</p>'
    )
    resp = _doc("登录", body, status)
    return resp


PASSWORD_PATH = "/account/password"


def password_page(principal, message: tuple[str, str] | None = None, status: int = 200) -> Response:
    """A signed-in person changes their own password: the current one is required."""
    msg = ""
    if message:
        kind, text = message
        msg = f'<p class="auth-msg auth-{escape(kind)}" role="alert">{escape(text)}</p>'
    body = (
        f'<h1>修改密码</h1><p class="auth-org">{escape(principal.label)}</p>{msg}'
        f'<form method="post" action="{escape(_url(PASSWORD_PATH))}" autocomplete="off">'
        f'<input type="hidden" name="csrf_token" value="{escape(csrf.token())}">'
        '<label for="current">当前密码</label>'
        '<input type="password" id="current" name="current" maxlength="256" required autofocus '
        'autocomplete="current-password">'
        '<label for="new">新密码</label>'
        f'<input type="password" id="new" name="new" minlength="{passwords.MIN_CHOSEN}" maxlength="256" required '
        'autocomplete="new-password">'
        '<label for="again">再次输入新密码</label>'
        f'<input type="password" id="again" name="again" minlength="{passwords.MIN_CHOSEN}" maxlength="256" '
        'required autocomplete="new-password">'
        '<button type="submit">修改密码</button></form>'
        f'<p class="auth-note">新密码至少 {passwords.MIN_CHOSEN} 个字符，须同时包含字母和数字，不能包含用户名。'
        '修改后，您在其他设备上的登录将全部退出。</p>'
        f'<p class="auth-links"><a href="{escape(_url("/"))}">返回首页</a></p>'
    )
    return _doc("修改密码", body, status)


def message_page(title: str, text: str, status: int, code: str | None = None,
                 links: tuple[tuple[str, str], ...] = (("/", "返回首页"),)) -> Response:
    link_html = "".join(f'<a href="{escape(_url(href))}">{escape(label)}</a>' for href, label in links)
    body = (
        (f'<p class="auth-code">{escape(code)}</p>' if code else "")
        + f'<h1>{escape(title)}</h1><p class="auth-org">{escape(TITLE)}</p>'
        f'<p class="auth-msg auth-info">{escape(text)}</p><p class="auth-links">{link_html}</p>'
    )
    return _doc(title, body, status)


def json_error(status: int, text: str, **extra) -> Response:
    resp = jsonify({"error": text, **extra})
    resp.status_code = status
    return resp


# --------------------------------------------------------------------------- views

def install(server, state) -> None:
    from cockpit import data
    from cockpit.auth.guard import SessionUser

    def engine():
        return data.engine()

    @server.route("/auth/login.css")
    def login_css():
        resp = Response(CSS, mimetype="text/css")
        resp.headers["Cache-Control"] = "public, max-age=3600"
        return resp

    @server.route("/login", methods=["GET", "POST"])
    def login():
        next_url = safe_next(request.values.get("next"))
        if request.method == "GET":
            if context.current_principal() is not None:
                return redirect(_url(next_url))
            note = next((MESSAGES[k] for k in ("expired", "bye") if request.args.get(k)), None)
            if note is None and next_url.startswith("/screen"):
                note = MESSAGES["kiosk"]
            return login_page(note, next_url=next_url)
        username = normalize_name(request.form.get("username", ""))
        password = request.form.get("password", "")
        if not csrf.valid():
            audit.record("csrf_failed", {"form": "login"}, subject=username)
            return login_page(("error", "页面已过期，请重新输入用户名和密码。"), username, next_url, 400)
        try:
            return _sign_in(username, password, next_url)
        except SQLAlchemyError as err:
            # the database is down: say so (as the pages do), not "系统内部错误"
            log.error("sign-in failed, database unavailable: %s", err)
            return login_page(("error", OUTAGE), username, next_url, 503)

    def _sign_in(username: str, password: str, next_url: str):
        addr = context.remote_addr()
        until = lockout.locked_until(engine(), username, addr)
        if until is not None:
            audit.record("login_blocked", {"until": until.isoformat(timespec="seconds") + "Z"}, subject=username,
                         actor=models.Principal(username or "?", None, kind="attempt"))
            return login_page(("error", "登录失败次数过多，该账户在此地址已被暂时锁定（15 分钟），请稍后再试或联系管理员。"),
                              username, next_url, 429)
        row, why = models.authenticate(engine(), username, password) if username and password \
            else (None, "empty")
        if row is None:
            attempt = models.Principal(username or "?", None, kind="attempt")
            audit.record("login_failed", {"reason": why}, subject=username, actor=attempt)
            which = lockout.record_failure(engine(), username or "?", addr, state.settings)
            if which:
                audit.record("login_locked", {"scope": which, "minutes": state.settings.lock_minutes,
                                              "failures": state.settings.lock_failures if which == "account"
                                              else state.settings.address_failures},
                             subject=username if which == "account" else f"地址 {addr}", actor=attempt)
                return login_page(("error", "登录失败次数过多，该账户在此地址已被暂时锁定（15 分钟），请稍后再试或联系管理员。"),
                                  username, next_url, 429)
            return login_page(("error", "用户名或密码错误，或账户已停用。"), username, next_url, 200)
        lockout.clear_failures(engine(), username, addr)
        principal = models.principal_of(row)
        old = session.get("_user_id")
        if old:
            models.end_session(engine(), old)
        session.clear()     # a new session: nothing carried over from before sign-in (fixation)
        sid = models.new_session(engine(), user_id=row.id, remote_addr=addr, user_agent=context.user_agent())
        login_user(SessionUser(sid, principal))
        session.permanent = False
        csrf.rotate()
        audit.record("login", {"role": row.role, "unit": row.unit_code}, subject=row.name, actor=principal)
        return redirect(_url(next_url))

    @server.route(PASSWORD_PATH, methods=["GET", "POST"])
    def change_password():
        # the guard let only a signed-in person through (the wall's role may not open it) and
        # checked the form's CSRF token on POST
        principal = context.current_principal()
        if principal is None or principal.kind != "user" or principal.user_id is None:
            return message_page("无权访问", "只有个人账户可以修改密码。", 403, code="403")
        if request.method == "GET":
            return password_page(principal)
        current = request.form.get("current", "")
        new, again = request.form.get("new", ""), request.form.get("again", "")
        addr = context.remote_addr()
        try:
            if lockout.locked_until(engine(), principal.name, addr) is not None:
                audit.record("password_change_failed", {"reason": "locked"}, subject=principal.name)
                return password_page(principal, ("error", "密码错误次数过多，已被暂时锁定（15 分钟），请稍后再试。"), 429)
            row, why = models.authenticate(engine(), principal.name, current)
            if row is None or row.id != principal.user_id:
                audit.record("password_change_failed", {"reason": why or "other_user"}, subject=principal.name)
                lockout.record_failure(engine(), principal.name, addr, state.settings)
                return password_page(principal, ("error", "当前密码不正确。"), 200)
            problem = passwords.check_chosen(new, principal.name, current)
            if problem is None and new != again:
                problem = "两次输入的新密码不一致。"
            if problem:
                return password_page(principal, ("error", problem), 200)
            models.change_own_password(engine(), principal.user_id, new, session.get("_user_id"))
        except SQLAlchemyError as err:
            log.error("password change failed, database unavailable: %s", err)
            return password_page(principal, ("error", "数据库暂时无法连接，密码未修改。请稍后重试。"), 503)
        from cockpit.auth.guard import _vouch
        _vouch(state, principal, force=True)    # this session's voucher is newer than the change
        csrf.rotate()
        audit.record("password_changed", subject=principal.name)
        return message_page("密码已修改", "新密码已生效。您在其他设备或浏览器上的登录已全部退出。", 200,
                            links=(("/", "返回首页"),))

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        principal = context.current_principal()
        # a same-origin link logs out at once; a POST needs the form's token; anything else
        # (another site linking here) gets a confirmation form
        same_origin = request.headers.get("Sec-Fetch-Site") == "same-origin"
        if request.method == "POST" and not csrf.valid():
            return message_page("页面已过期", "请重新点击“退出登录”。", 400, links=(("/logout", "退出登录"),))
        if request.method == "GET" and not same_origin and principal is not None:
            body = (f'<h1>退出登录</h1><p class="auth-org">{escape(TITLE)}</p>'
                    f'<form method="post" action="{escape(_url("/logout"))}">'
                    f'<input type="hidden" name="csrf_token" value="{escape(csrf.token())}">'
                    '<button type="submit">确认退出</button></form>')
            return _doc("退出登录", body)
        sid = session.get("_user_id")
        if sid:
            try:
                models.end_session(engine(), sid)
            except Exception as err:  # noqa: BLE001 - sign out locally anyway
                log.error("cannot end session: %s", err)
        if principal is not None:
            audit.record("logout", subject=principal.name, actor=principal)
        logout_user()
        session.clear()
        return redirect(_url("/login?" + urlencode({"bye": 1})))

    @server.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return error_response(err.code or 500, err)

    @server.errorhandler(Exception)
    def unhandled(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, err)


ERRORS = {
    400: ("请求无效", "请求的格式不正确。请返回后重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的账户没有访问此页面的权限。如需开通，请联系检察技术部管理员。"),
    404: ("页面不存在", "您访问的地址不存在或已被移除。"),
    405: ("不支持的操作", "不支持这种请求方式。"),
    413: ("上传内容过大", "上传的内容超过了允许的大小。"),
    429: ("请求过于频繁", "请稍后再试。"),
    500: ("系统内部错误", "系统暂时出现问题，已记录日志。请稍后重试；如持续出现，请联系检察技术部。"),
}


def wants_json() -> bool:
    p = request.path
    return p.startswith("/_dash") or p.startswith("/_reload") or request.is_json or \
        request.accept_mimetypes.best == "application/json"


def error_response(code: int, err: Exception | None = None) -> Response:
    title, text = ERRORS.get(code, ERRORS[500] if code >= 500 else ERRORS[400])
    if code == 413:
        from cockpit.auth.upload import size_text
        st = context.state()
        if st is not None:
            text = f"上传的内容超过了允许的大小（单个文件不超过 {size_text(st.settings.upload_max_bytes)}）。"
    if wants_json():
        return json_error(code, text)
    return message_page(title, text, code, code=str(code))
