"""Entry point: `python app.py` serves the cockpit; WSGI servers use `app:server`."""
from __future__ import annotations

import os

from cockpit.app import create_app

app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8050")),
        debug=False,
    )
