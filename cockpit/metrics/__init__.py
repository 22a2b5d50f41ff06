"""The metric layer: the semantic model of the cockpit.

- `units`: the 14 units and the groups 全市 / 基层院合计
- `platforms`: data platforms and their launch months
- `measures`: additive counts and sums, declared once (materialised by the ETL)
- `catalog`: metrics with their 口径 (counts and ratios of measures)
- `periods`: month, quarter, year, year-to-date and rolling-12-month periods
- `query`: the one query API every page, export and test uses
"""
