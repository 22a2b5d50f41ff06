"""Accounts, roles, audit and hardening for the cockpit.

    from cockpit import auth
    auth.init_app(app)                 # in cockpit.app.create_app (one call)

With sign-in on (`COCKPIT_AUTH=on`, see settings.DEFAULT_AUTH) every request goes through
`guard.before_request`: no session → 401 (Dash endpoints) or a redirect to /login (pages);
a session → the role's rules (roles.py) for pages and for each Dash callback. Sign-in off:
nothing is installed but the tables, and `current_principal()` is `OPEN` (sees everything).

What pages must do (see docs/security.md):
- records: `records_for(source, units, ...)` instead of `records.list_records(...)`, or
  `allowed_record_units(current_principal(), units)` before any cached fetch;
- exports: `audit.record("export", {...})`;
- layouts must not contain records or admin data (Dash ships every page's argument-less layout
  to every client as its `validation_layout`): fetch such data in callbacks.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from cockpit.auth import audit, roles
from cockpit.auth.context import EXTENSION, current_principal, enabled, remote_addr
from cockpit.auth.models import OPEN, Principal, create_tables
from cockpit.auth.roles import allowed_record_units
from cockpit.auth.settings import Settings, auth_enabled

__all__ = ["init_app", "current_principal", "records_for", "allowed_record_units", "audit", "roles",
           "Principal", "OPEN", "enabled", "remote_addr", "Settings"]

log = logging.getLogger(__name__)


def __getattr__(name):
    # records_for pulls in pandas and the metric layer: imported on first use only (the CLI
    # does not need it)
    if name == "records_for":
        from cockpit.auth.records import records_for
        return records_for
    raise AttributeError(name)


@dataclass
class AuthState:
    enabled: bool
    settings: Settings
    dash_app: object

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.idle_minutes)

    @property
    def max_age(self) -> timedelta:
        return timedelta(hours=self.settings.max_session_hours)


def init_app(app, enabled: bool | None = None, settings: Settings | None = None, engine=None) -> AuthState:
    """Install the auth layer on a Dash app (call once, after the app is built).

    `enabled` None: from COCKPIT_AUTH (settings.auth_enabled). `engine`: the store's engine
    (default `cockpit.data.engine()`); the auth tables are created there if missing."""
    from cockpit import data
    server = app.server
    on = auth_enabled() if enabled is None else bool(enabled)
    settings = settings or Settings.from_env()
    state = AuthState(on, settings, app)
    server.extensions[EXTENSION] = state
    eng = engine or data.engine()
    try:
        create_tables(eng)
    except Exception as err:  # noqa: BLE001 - a database that is down at start-up: the guard fails closed
        log.error("cannot create the auth tables: %s", err)
    if not on:
        log.warning("sign-in is OFF (COCKPIT_AUTH is not 'on'): every page and all records are open")
        return state
    from cockpit.auth import guard, views
    server.config.update(
        SECRET_KEY=settings.ensure_secret_key(),
        SESSION_COOKIE_NAME="cockpit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.kiosk_cookie_days),
        # the largest upload (base64 in a Dash callback: 4/3 of the bytes) plus room for JSON
        MAX_CONTENT_LENGTH=settings.upload_max_bytes * 4 // 3 + 2 * 1024 * 1024,
    )
    guard.install(app, state)
    views.install(server, state)
    try:
        if not models_has_admin(eng):
            log.warning("no administrator account yet: run `python -m cockpit demo-admin` to create one")
    except Exception:  # noqa: BLE001
        pass
    return state


def models_has_admin(engine) -> bool:
    from cockpit.auth.models import any_admin
    return any_admin(engine)
