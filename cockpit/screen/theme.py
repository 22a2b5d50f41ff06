"""The wall's palette and type, shared by the charts (ECharts options) and `assets/screen.css`.

All sizes in the chart options are in design pixels of the 1920×1080 canvas; the browser scales
them with the canvas (see `callbacks.SCALE_JS`).
"""
from __future__ import annotations

BG = "transparent"
NAVY = "#041230"
TEXT = "#e6f3ff"
MUTED = "#8fb3d9"
DIM = "#5d7fa6"
GRID = "rgba(80, 150, 230, 0.16)"
AXIS = "rgba(110, 170, 235, 0.45)"

CYAN = "#2be4ff"
BLUE = "#2f8cff"
GOLD = "#ffc74a"
GREEN = "#3be39a"
ORANGE = "#ff9f43"
RED = "#ff5d6c"
VIOLET = "#9b8cff"

SERIES = [CYAN, GOLD, GREEN, BLUE, ORANGE, VIOLET, RED]

# map fill: low → high of a "better when higher" metric (reversed for "lower is better")
MAP_SCALE = ["#0a2660", "#0f3b86", "#1553ab", "#1b6fcf", "#2590e6", "#33b8f5"]

FONT = '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif'
NUM_FONT = '"DIN Alternate", "Bahnschrift", "Liberation Sans Narrow", "Arial Narrow", "Noto Sans CJK SC", sans-serif'

RISK_BANDS = (("低", GREEN), ("中", GOLD), ("高", RED))
