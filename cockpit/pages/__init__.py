"""Dash Pages of the cockpit. Each module calls `dash.register_page` and is imported by Dash
when `cockpit.app.create_app()` builds the app (not before: register_page needs the app).
Every `layout()` must work when called with no arguments (Dash builds its validation layout
that way)."""
