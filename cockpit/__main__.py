"""`python -m cockpit`: accounts, kiosk tokens, the audit log and the monthly pack (see cockpit/auth/cli.py)."""
from __future__ import annotations

import sys

from cockpit.auth.cli import main

if __name__ == "__main__":
    sys.exit(main())
