"""The one error of the monthly pack: what cannot be built, said in Chinese for the user."""
from __future__ import annotations


class ReportError(ValueError):
    """A pack that cannot be built (a month outside the data, no CJK font …); the message is
    Chinese. The CLI prints it and exits with code 2."""
