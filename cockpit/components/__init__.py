"""Reusable pieces of pages. Pages compose these and ask `cockpit.metrics`; no SQL here."""
