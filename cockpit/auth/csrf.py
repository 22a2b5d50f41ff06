"""CSRF protection: one random token per session, compared in constant time.

- Forms (login, logout) carry it in a hidden field `csrf_token`.
- Dash callbacks carry it in the `X-CSRFToken` header: the Dash renderer copies the cookie
  `_csrf_token` into that header on every callback request (Dash's csrf_token_name /
  csrf_header_name defaults), and the guard compares the header with the session's token.
  Another site can neither read our cookie nor set that header on a cross-site request.
"""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

SESSION_KEY = "_csrf"
COOKIE = "_csrf_token"
HEADER = "X-CSRFToken"
FIELD = "csrf_token"


def token() -> str:
    """The session's token (created on first use)."""
    value = session.get(SESSION_KEY)
    if not value:
        value = secrets.token_urlsafe(32)
        session[SESSION_KEY] = value
    return value


def rotate() -> str:
    session[SESSION_KEY] = secrets.token_urlsafe(32)
    return session[SESSION_KEY]


def sent_token() -> str:
    value = request.headers.get(HEADER)
    if value is None and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = request.form.get(FIELD)
    return value or ""


def valid() -> bool:
    expected = session.get(SESSION_KEY)
    sent = sent_token()
    return bool(expected) and bool(sent) and hmac.compare_digest(str(expected).encode(), sent.encode())
