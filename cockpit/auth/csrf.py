"""CSRF protection: Flask-WTF's `CSRFProtect` (one random token per session, sent signed,
compared in constant time), called by the guard at its place in the order of checks.

- Forms (login, logout, the password page) carry it in a hidden field `csrf_token`.
- Dash callbacks carry it in the `X-CSRFToken` header: the Dash renderer copies the cookie
  `_csrf_token` into that header on every callback request (Dash's csrf_token_name /
  csrf_header_name defaults); the guard writes that cookie (`cookie_value`) and calls
  `valid()` on every unsafe request. Another site can neither read our cookie nor set that
  header on a cross-site request.
- Over HTTPS Flask-WTF also requires a same-origin Referer (WTF_CSRF_SSL_STRICT); the pages
  send one (Referrer-Policy: same-origin).

Configuration (`install`): CSRFProtect does not check by itself (WTF_CSRF_CHECK_DEFAULT off:
the guard decides the order — no session → 401 before any CSRF answer) and the token has no
time limit (the wall's page stays open for months; a session's token ends with the session
and is replaced at every sign-in: `rotate`). See docs/decisions.md ("Access").
"""
from __future__ import annotations

from flask import g, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

FIELD = "csrf_token"          # the form field, and Flask-WTF's session key for the raw token
SESSION_KEY = FIELD
COOKIE = "_csrf_token"
HEADER = "X-CSRFToken"

_protect = CSRFProtect()


def install(server) -> None:
    server.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_FIELD_NAME=FIELD,
        WTF_CSRF_HEADERS=[HEADER],
        WTF_CSRF_SSL_STRICT=True,
    )
    _protect.init_app(server)


def token() -> str:
    """The session's token, signed (created on first use)."""
    return generate_csrf()


def rotate() -> str:
    """A new token (at every sign-in: nothing from before carries over)."""
    session.pop(FIELD, None)
    g.pop(FIELD, None)
    return generate_csrf()


def valid() -> bool:
    """Does the unsafe request carry the session's token (form field or header)?"""
    try:
        _protect.protect()
    except CSRFError:
        return False
    return True


def cookie_value() -> str | None:
    """The value the `_csrf_token` cookie must be set to on this response, or None when it
    already holds a token of this session (or the session has none)."""
    if FIELD not in session:
        return None
    sent = request.cookies.get(COOKIE)
    if sent:
        try:
            validate_csrf(sent)
            return None
        except ValidationError:
            pass
    return token()
