"""运城检察 数据驾驶舱 — the Dash cockpit.

Importing this package must stay cheap: `etl` imports `cockpit.metrics` (the semantic
layer) and must not pull in Dash. The Dash app is built in `cockpit.app`.
"""
