"""Who is making the current request, for any code running inside it (pages, callbacks, audit)."""
from __future__ import annotations

from flask import current_app, g, has_request_context, request

from cockpit.auth.models import OPEN, Principal

EXTENSION = "cockpit_auth"
# The WSGI environ key of an in-process identity (cockpit.warm's requests through the test
# client). Only code in the process can set it: HTTP headers reach the environ as HTTP_* keys.
INTERNAL_PRINCIPAL = "cockpit.internal_principal"


def state():
    """The app's auth state (cockpit.auth.AuthState) or None when the layer is not installed."""
    if not has_request_context():
        return None
    return current_app.extensions.get(EXTENSION)


def enabled() -> bool:
    st = state()
    return bool(st and st.enabled)


def current_principal() -> Principal | None:
    """The signed-in principal; `OPEN` while sign-in is switched off; None outside a request
    or when nobody is signed in."""
    if not has_request_context():
        return None
    st = current_app.extensions.get(EXTENSION)
    if st is None or not st.enabled:
        return OPEN
    if "cockpit_principal" in g:
        return g.cockpit_principal
    internal = request.environ.get(INTERNAL_PRINCIPAL)
    if isinstance(internal, Principal):
        g.cockpit_principal = internal
        return internal
    from flask_login import current_user
    user = current_user
    principal = getattr(user, "principal", None) if user is not None and user.is_authenticated else None
    g.cockpit_principal = principal
    return principal


def remote_addr() -> str:
    """The client's address (X-Forwarded-For is honoured only via COCKPIT_PROXY_HOPS / ProxyFix)."""
    if not has_request_context():
        return "local"
    return (request.remote_addr or "?")[:64]


def user_agent() -> str:
    if not has_request_context():
        return ""
    return (request.headers.get("User-Agent") or "")[:200]
