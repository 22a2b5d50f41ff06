"""ECharts options for the wall, built with pyecharts and dumped to plain dicts.

Every builder takes the plain data of `shaping` and returns a JSON-able dict
(`json.loads(chart.dump_options_with_quotes())`) that the wall draws (`assets/screen.js`, on the
charts of `cockpit.components.echarts`). A few ECharts 5 settings pyecharts does not model (a
second geo layer for the map's relief, rich-text labels per item, markArea labels) are set on
the dumped dict.

Sizes (font sizes, symbol sizes, margins, line widths …) are design pixels of the 1920×1080
canvas. The browser scales every key listed in `PX_KEYS` by the canvas scale before drawing
(`assets/screen.js`, `scaleOption`), so the charts stay sharp on a 3840×2160 wall: the canvas is
laid out at the real size, not magnified.
"""
from __future__ import annotations

import csv
import hashlib
import json
import math
from functools import lru_cache

from pyecharts import options as opts
from pyecharts.charts import Bar, Funnel, Gauge, Geo, Line, Pie

from cockpit.config import PROJECT_DIR
from cockpit.metrics import units as U
from cockpit.screen import theme as T

MAP_NAME = "运城"
GEO_PATH = PROJECT_DIR / "geo" / "yuncheng.json"
LANDMARKS_PATH = PROJECT_DIR / "geo" / "landmarks.csv"

# Keys whose numeric values are lengths in design pixels (scaled by the client). Keep in sync
# with PX_KEYS in assets/screen.js (a unit test checks). `offset` is scaled only as an array
# ([dx, dy] of a label): a plain number there is a gradient stop.
PX_ARRAY_ONLY = ("offset",)
PX_KEYS = (
    "fontSize", "lineHeight", "symbolSize", "width", "height", "borderWidth", "shadowBlur",
    "shadowOffsetX", "shadowOffsetY", "itemWidth", "itemHeight", "itemGap", "barWidth",
    "barMaxWidth", "barMinHeight", "padding", "margin", "distance", "length", "length2", "borderRadius",
    "top", "bottom", "left", "right", "gap", "nameGap", "textBorderWidth", "textShadowBlur",
    "symbolOffset", "offset", "layoutSize", "minSize", "maxSize", "edgeDistance",
)

# The map's landmark names are placed by `landmark_labels()`: beside their marker where there is
# room, otherwise further out with a thin leader line, never over a county's name and value, an
# office, another landmark's marker or name, or the HTML laid over the map. The layout is computed
# in design pixels of the map's box: `#ch-map` is 944×540 design pixels (the centre column of
# assets/screen.css) and the client scales every length, so the same layout holds at 3840×2160.
MAP_BOX = (944.0, 540.0)
MAP_ASPECT = 0.82          # geo.aspectScale
MAP_LAYOUT_SIZE = 0.98     # geo.layoutSize, of min(width, height)
# HTML over the map (assets/screen.css), (x0, y0, x1, y1) in design pixels of the map's box: the
# caption (top left, room for a long indicator name), the visualMap (bottom left), the legend
# (bottom right)
MAP_OVERLAYS = ((0.0, 0.0, 250.0, 140.0), (0.0, 345.0, 46.0, 540.0), (826.0, 476.0, 944.0, 540.0))
LANDMARK_FONT = 13
OFFICE_FONT = 14
OFFICE_SYMBOL_SIZE = 18
OFFICE_LABEL_DISTANCE = 4
OFFICE_LINE_HEIGHTS = (18, 16)   # name, value
# room kept for a county's value ("1,234.5件") so that the landmarks do not move between indicators
OFFICE_VALUE_ROOM = 56.0
LANDMARK_SYMBOL_SIZE = 8
LEADER_FROM = 9.0          # a name further than this from its marker gets a leader line
# County offices sit at each county's label point (`cp`), except where a landmark's marker would
# lie under the office or its name and value: these are nudged a few km (inside the county) to a
# near spot where both stay legible (tests/test_screen_charts.py checks the boxes).
OFFICE_POSITION = {
    "140802": (111.058, 35.010),   # 运城盐湖 at the label point
    "140822": (110.898, 35.420),   # 李家大院 under the name
    "140823": (111.225, 35.372),   # 司马光祠 under the value
    "140825": (111.180, 35.616),   # 绛州大堂 at the label point, 裴柏村 below (the name goes on top)
    "140829": (111.249, 34.824),   # 平陆运宝黄河大桥 at the label point
    "140830": (110.585, 34.700),   # 永乐宫 at the label point
    "140881": (110.433, 34.852),   # 普救寺 and 五老峰 beside the name
}
# the office label beside the marker instead of under it
OFFICE_LABEL_POSITION: dict[str, str] = {"140825": "top"}
LANDMARK_KIND = {"heritage": "文物古迹", "nature": "自然风光", "modern": "城市地标"}
# a small procuratorate building (pediment, columns, base) for the county offices
OFFICE_SYMBOL = ("path://M12 1 L23 7 L23 9 L1 9 L1 7 Z M3 10 H6 V19 H3 Z M10.5 10 H13.5 V19 H10.5 Z "
                 "M18 10 H21 V19 H18 Z M1 20 H23 V23 H1 Z")

# The smallest text a chart draws, in design pixels of the 1920×1080 canvas: axis labels, legends,
# reference-line labels (read from across the command-center room; the client scales it for
# 3840×2160).
MIN_TEXT = 14

TOOLTIP = {
    "backgroundColor": "rgba(3, 18, 48, 0.94)", "borderColor": "rgba(43, 228, 255, 0.7)",
    "borderWidth": 1, "padding": [10, 14],
    "textStyle": {"color": T.TEXT, "fontSize": 15, "fontFamily": T.FONT},
    "extraCssText": "box-shadow: 0 0 18px rgba(43,228,255,.35); border-radius: 4px;",
}


# --------------------------------------------------------------------------- plumbing

def _init() -> opts.InitOpts:
    return opts.InitOpts(bg_color="transparent",
                         animation_opts=opts.AnimationOpts(animation=True, animation_duration=900,
                                                           animation_easing="cubicOut"))


def _dump(chart) -> dict:
    option = json.loads(chart.dump_options_with_quotes())
    option["textStyle"] = {"fontFamily": T.FONT, "color": T.TEXT}
    option["backgroundColor"] = "transparent"
    return option


def version(option: dict) -> str:
    """A short content hash: the client redraws a chart only when it changes."""
    return hashlib.sha1(json.dumps(option, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def packed(option: dict) -> dict:
    return {"v": version(option), "o": option}


def _axis_label(size: float = MIN_TEXT, **kw) -> dict:
    d = {"color": T.MUTED, "fontSize": size, "fontFamily": T.NUM_FONT}
    d.update(kw)
    return d


def _cat_axis(data: list[str], **kw) -> dict:
    d = {"type": "category", "data": data, "boundaryGap": True,
         "axisLine": {"lineStyle": {"color": T.AXIS}}, "axisTick": {"show": False},
         "axisLabel": _axis_label(MIN_TEXT)}
    d.update(kw)
    return d


def _val_axis(name: str | None = None, **kw) -> dict:
    d = {"type": "value", "splitNumber": 4, "axisLine": {"show": False}, "axisTick": {"show": False},
         "axisLabel": _axis_label(MIN_TEXT), "splitLine": {"lineStyle": {"color": T.GRID, "type": "dashed"}}}
    if name:
        d.update({"name": name, "nameTextStyle": {"color": T.MUTED, "fontSize": MIN_TEXT, "padding": [0, 0, 0, 0]},
                  "nameGap": 10})
    d.update(kw)
    return d


def _gradient(top: str, bottom: str, horizontal: bool = False) -> dict:
    return {"type": "linear", "x": 0, "y": 0, "x2": 1 if horizontal else 0, "y2": 0 if horizontal else 1,
            "colorStops": [{"offset": 0, "color": top}, {"offset": 1, "color": bottom}]}


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def month_tick(month: str) -> str:
    """'2025-01' → '25.01' (axis labels)."""
    return f"{month[2:4]}.{month[5:7]}"


def _legend(**kw) -> dict:
    d = {"show": True, "top": 0, "right": 6, "itemWidth": 14, "itemHeight": 8, "itemGap": 14,
         "textStyle": {"color": T.MUTED, "fontSize": MIN_TEXT}}
    d.update(kw)
    return d


def _empty(text: str = "暂无数据") -> dict:
    return {"backgroundColor": "transparent",
            "title": {"text": text, "left": "center", "top": "middle",
                      "textStyle": {"color": T.DIM, "fontSize": 16, "fontWeight": "normal"}},
            "series": []}


# --------------------------------------------------------------------------- the map

@lru_cache(maxsize=1)
def geojson() -> dict:
    """The 13 counties (geo/yuncheng.json), registered as the ECharts map "运城"."""
    data = json.loads(GEO_PATH.read_text(encoding="utf-8"))
    data.pop("UTF8Encoding", None)  # ECharts would try to decode plain coordinates
    return data


@lru_cache(maxsize=1)
def landmarks() -> tuple[dict, ...]:
    out = []
    with LANDMARKS_PATH.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            name = row["name_zh"].strip()
            lon, lat = float(row["lon"]), float(row["lat"])
            out.append({"name": name, "en": row["name_en"].strip(), "county": row["county_code"].strip(),
                        "lon": lon, "lat": lat, "kind": row["kind"].strip()})
    return tuple(out)


@lru_cache(maxsize=1)
def offices() -> tuple[dict, ...]:
    """County offices at each county's label point (`cp`)."""
    out = []
    for f in geojson()["features"]:
        p = f["properties"]
        lon, lat = OFFICE_POSITION.get(p["code"], p["cp"])
        out.append({"code": p["code"], "name": p["name"], "lon": lon, "lat": lat})
    return tuple(out)


Box = tuple[float, float, float, float]   # x0, y0, x1, y1 in design pixels of the map's box


def text_width(text: str, size: float) -> float:
    """A label's width as the wall draws it, a little generous: a CJK character is one em, any
    other character (digits, %, .) 0.62 em."""
    return sum(size if ord(ch) >= 0x2E80 else 0.62 * size for ch in text)


@lru_cache(maxsize=1)
def _map_frame() -> tuple[float, float, float, float, float, float]:
    """ECharts' layout of the geo (lon/lat taken linearly, latitude upwards): the counties'
    bounding rect, stretched by aspectScale, fitted into layoutSize × min(width, height) around
    the box's centre. Returns (x0, y0, px per degree lon, px per degree lat, lon0, lat1)."""
    xs, ys = [], []
    for f in geojson()["features"]:
        g = f["geometry"]
        for poly in (g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]):
            for lon, lat in poly[0]:
                xs.append(lon)
                ys.append(lat)
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    w, h = MAP_BOX
    size = MAP_LAYOUT_SIZE * min(w, h)
    aspect = (lon1 - lon0) / (lat1 - lat0) * MAP_ASPECT
    vw, vh = (size, size / aspect) if aspect > 1 else (size * aspect, size)
    return w / 2 - vw / 2, h / 2 - vh / 2, vw / (lon1 - lon0), vh / (lat1 - lat0), lon0, lat1


def map_px(lon: float, lat: float) -> tuple[float, float]:
    """Where ECharts draws (lon, lat) in the map's box, in design pixels."""
    x0, y0, kx, ky, lon0, lat1 = _map_frame()
    return x0 + (lon - lon0) * kx, y0 + (lat1 - lat) * ky


def office_label_box(lon: float, lat: float, name: str, value: str, position: str = "bottom") -> Box:
    """The box of a county's name and value beside its office marker (`position` as in ECharts;
    kept at least OFFICE_VALUE_ROOM wide, so that the landmarks do not move from one indicator
    to the next)."""
    x, y = map_px(lon, lat)
    w = max(text_width(name, OFFICE_FONT), text_width(value, OFFICE_FONT), OFFICE_VALUE_ROOM)
    h = float(sum(OFFICE_LINE_HEIGHTS))
    gap = OFFICE_SYMBOL_SIZE / 2 + OFFICE_LABEL_DISTANCE
    if position == "top":
        return x - w / 2, y - gap - h, x + w / 2, y - gap
    if position == "left":
        return x - gap - w, y - h / 2, x - gap, y + h / 2
    if position == "right":
        return x + gap, y - h / 2, x + gap + w, y + h / 2
    return x - w / 2, y + gap, x + w / 2, y + gap + h


def _grow(b: Box, m: float) -> Box:
    return b[0] - m, b[1] - m, b[2] + m, b[3] + m


def _hit(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _crosses(p: tuple[float, float], q: tuple[float, float], b: Box) -> bool:
    """Whether the segment p–q passes through box b (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for d, lo, hi in ((dx, b[0] - p[0], b[2] - p[0]), (dy, b[1] - p[1], b[3] - p[1])):
        if abs(d) < 1e-12:
            if lo > 0 or hi < 0:
                return False
            continue
        a, c = (lo / d, hi / d) if d > 0 else (hi / d, lo / d)
        t0, t1 = max(t0, a), min(t1, c)
        if t0 >= t1:
            return False
    return True


def _nearest(p: tuple[float, float], b: Box) -> tuple[float, float]:
    return min(max(p[0], b[0]), b[2]), min(max(p[1], b[1]), b[3])


def landmark_label_size(name: str) -> tuple[float, float]:
    """Width and height of a landmark's name (its text outline included)."""
    return text_width(name, LANDMARK_FONT) + 4, LANDMARK_FONT + 5


LABEL_GAPS = (7.0, 12.0, 18.0, 25.0, 33.0, 42.0, 53.0, 66.0, 80.0)
LABEL_ANGLES = tuple(k * 22.5 for k in range(16))   # 0 = right, 90 = below (screen y points down)


@lru_cache(maxsize=16)
def landmark_labels(county_boxes: tuple[Box, ...]) -> dict[str, tuple[float, float, bool] | None]:
    """Where each landmark's name goes: {name: (dx, dy, leader)} — the offset of the name's centre
    from its marker in design pixels, and whether a leader line joins them — or None when there
    is no free place within reach (the name is then in the marker's tooltip only).
    Greedy, the most constrained name first, each at its nearest free place (to the right of
    the marker preferred): never over a county's name and value (`county_boxes`), an office,
    any landmark marker, a name placed before, or the HTML over the map; its leader line
    crosses no county label, office or name. Deterministic: the same input, the same layout."""
    w_box, h_box = MAP_BOX
    inside = (4.0, 4.0, w_box - 4.0, h_box - 4.0)
    lms = [(lm["name"], lm["name"].split("(")[0], map_px(lm["lon"], lm["lat"])) for lm in landmarks()]
    r_mark = LANDMARK_SYMBOL_SIZE / 2 + 1
    markers = [(x - r_mark, y - r_mark, x + r_mark, y + r_mark) for _, _, (x, y) in lms]
    r_off = OFFICE_SYMBOL_SIZE / 2 + 1
    office_marks = [(x - r_off, y - r_off, x + r_off, y + r_off)
                    for x, y in (map_px(o["lon"], o["lat"]) for o in offices())]
    hard = [_grow(b, 2.0) for b in county_boxes] + office_marks   # neither a name nor a leader
    static = hard + markers + list(MAP_OVERLAYS)                  # no name over these

    def candidates(pt, text):
        w, h = landmark_label_size(text)
        reach = max(LABEL_GAPS) + w + h     # nothing further away can touch a candidate
        near = (pt[0] - reach, pt[1] - reach, pt[0] + reach, pt[1] + reach)
        near_static = [o for o in static if _hit(o, near)]
        near_hard = [o for o in hard if _hit(o, near)]
        out = []
        for gap in LABEL_GAPS:
            for ang in LABEL_ANGLES:
                c, s = math.cos(math.radians(ang)), math.sin(math.radians(ang))
                t = min((w / 2 + gap) / abs(c) if abs(c) > 1e-9 else math.inf,
                        (h / 2 + gap) / abs(s) if abs(s) > 1e-9 else math.inf)
                cx, cy = pt[0] + t * c, pt[1] + t * s
                box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if box[0] < inside[0] or box[1] < inside[1] or box[2] > inside[2] or box[3] > inside[3]:
                    continue
                if any(_hit(box, o) for o in near_static):
                    continue
                leader = gap > LEADER_FROM
                end = _nearest(pt, box)
                if leader and any(_crosses(pt, end, o) for o in near_hard):
                    continue
                side = min(ang, 360 - ang) / 180      # 0 right … 1 left
                pref = 0.0 if ang == 0 else 1.0 if ang == 180 else 2.0 + side
                out.append((gap + pref, cx - pt[0], cy - pt[1], leader, box, end))
        return sorted(out, key=lambda c: c[0])

    todo = {name: pt for name, _, pt in lms}
    options = {name: candidates(pt, text) for name, text, pt in lms}
    result: dict[str, tuple[float, float, bool] | None] = {}

    def still_free(pt, cand, box: Box, leader) -> bool:
        """Whether a candidate stays free once `box` (and its `leader`) are placed."""
        grown = _grow(cand[4], 2.0)
        if _hit(grown, box) or (leader and _crosses(leader[0], leader[1], grown)):
            return False
        return not (cand[3] and _crosses(pt, cand[5], box))

    order = [name for name, _, _ in lms]
    while todo:
        name = min(todo, key=lambda n: (len(options[n]), order.index(n)))
        pt, cands = todo.pop(name), options.pop(name)
        if not cands:
            result[name] = None
            continue
        _, dx, dy, leader, box, end = cands[0]
        line = (pt, end) if leader else None
        for other, other_pt in todo.items():
            options[other] = [c for c in options[other] if still_free(other_pt, c, box, line)]
        result[name] = (round(dx, 1), round(dy, 1), leader)
    return result


def county_tooltip(name: str, code: str, figures: list[dict]) -> str:
    """The county's core figures as a small HTML table (styled by assets/screen.css). Row i has
    the class `k{i}`; the map's indicator is highlighted by the tooltip's own class
    (`tooltip_class`), so the tables stay the same when the indicator moves on and a tick
    need not send them again."""
    unit = U.UNIT_BY_CODE.get(code)
    rows = []
    for i, f in enumerate(figures):
        # a rank only where ranks are shown; else the mark (样本少, 核查中) or the comparison with the city
        compare = f.get("gap_text") if f.get("is_ratio") else f.get("share_text")
        rank = f"{f['rank']}/{f['rank_of']}" if f.get("rank") else (f.get("mark") or compare or "")
        rows.append(f'<tr class="k{i}"><td>{f["name"]}</td><td class="v">{f["text"]}<small>{f["unit"]}</small></td>'
                    f'<td class="r">{rank}</td></tr>')
    title = unit.name if unit else name
    foot = "排名为13个基层院中的位次 · " if any(f.get("rank") for f in figures) else ""
    return (f'<div class="scr-tt-title">{title}</div><table class="scr-tt">{"".join(rows)}</table>'
            f'<div class="scr-tt-foot">{foot}点击查看本院详情</div>')


TOOLTIP_ROWS = 12   # assets/screen.css highlights rows k0 … k11 of a county's tooltip


def tooltip_class(figures: dict[str, list[dict]], highlight: str) -> str:
    """The map tooltip's class: `hot-k{i}` highlights row i, the figure of the map's indicator."""
    ids = next((tuple(f["id"] for f in rows) for rows in figures.values() if rows), ())
    return "scr-tip" + (f" hot-k{ids.index(highlight)}" if highlight in ids else "")


def map_option(data: dict, figures: dict[str, list[dict]]) -> dict:
    """The city map: counties coloured by `data` (shaping.by_county), rippling landmarks, the
    county offices with name and value, a tooltip with each county's core figures.
    Series: 0 landmarks (effectScatter), 1 county offices, 2 the choropleth (map), 3 landmark names."""
    counties = [r for r in data["units"] if r["tier"] == "county"]
    values = [r["value"] for r in counties if r["value"] is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.05
    lo, hi = lo - pad, hi + pad
    dec = data["decimals"]
    colors = list(T.MAP_SCALE) if data["better_when_higher"] else list(reversed(T.MAP_SCALE))

    geo = Geo(init_opts=_init())
    geo.add_schema(
        maptype=MAP_NAME, is_roam=False, aspect_scale=MAP_ASPECT, layout_center=["50%", "50%"],
        layout_size=f"{MAP_LAYOUT_SIZE:.0%}",
        label_opts=opts.LabelOpts(is_show=False),
        itemstyle_opts={"areaColor": "#0d3570", "borderColor": "rgba(140, 230, 255, 0.9)", "borderWidth": 1.2},
        emphasis_itemstyle_opts={"areaColor": "#ffc74a", "borderColor": "#fff6d8", "borderWidth": 1.6},
        emphasis_label_opts=opts.LabelOpts(is_show=False),
    )
    for lm in landmarks():
        geo.add_coordinate(lm["name"], lm["lon"], lm["lat"])
    for o in offices():
        geo.add_coordinate("office:" + o["code"], o["lon"], o["lat"])
    geo.add("地标", [(lm["name"], 1) for lm in landmarks()], type_="effectScatter",
            symbol_size=LANDMARK_SYMBOL_SIZE, color=T.GOLD, label_opts=opts.LabelOpts(is_show=False),
            effect_opts=opts.EffectOpts(brush_type="stroke", scale=4.5, period=4))
    geo.add("检察院", [("office:" + o["code"], 1) for o in offices()], type_="scatter",
            symbol=OFFICE_SYMBOL, symbol_size=OFFICE_SYMBOL_SIZE, color=T.CYAN,
            label_opts=opts.LabelOpts(is_show=False))
    geo.set_global_opts(
        tooltip_opts=opts.TooltipOpts(is_show=True, trigger="item", is_confine=True),
        legend_opts=opts.LegendOpts(is_show=False),
        visualmap_opts=opts.VisualMapOpts(
            is_show=True, min_=round(lo, dec), max_=round(hi, dec), range_color=colors, precision=dec,
            range_text=["高", "低"], pos_left=8, pos_bottom=14, item_width=12, item_height=120,
            is_calculable=False, series_index=[2], textstyle_opts=opts.TextStyleOpts(color=T.MUTED, font_size=13)),
    )
    option = _dump(geo)

    top = option["geo"] if isinstance(option["geo"], dict) else option["geo"][0]
    # a map series drawn on a geo (geoIndex) takes its region styles from the geo: the county
    # clicked stays gold while its panel is open, without a second name label
    top.update({"z": 3, "zlevel": 0, "silent": False, "selectedMode": False, "tooltip": {"show": False},
                "select": {"label": {"show": False},
                           "itemStyle": {"areaColor": "#c9932c", "borderColor": "#fff3cf", "borderWidth": 2}}})
    # the relief: the same outline, offset downwards and glowing, under the counties
    relief = {"map": MAP_NAME, "roam": False, "aspectScale": 0.82, "layoutCenter": ["50%", "51.6%"],
              "layoutSize": "98%", "silent": True, "z": 1, "label": {"show": False}, "tooltip": {"show": False},
              "itemStyle": {"areaColor": "#05204a", "borderColor": "rgba(47, 140, 255, 0.9)", "borderWidth": 2,
                            "shadowColor": "rgba(20, 140, 255, 0.8)", "shadowBlur": 26}}
    option["geo"] = [top, relief]

    # Landmarks: rippling gold markers on their own canvas layer (zlevel 1, redrawn on every
    # frame of the ripple), their names in a static series on the base layer (series 3), each
    # placed clear of the county labels by landmark_labels() (a leader line where it stands off).
    by_code = {r["code"]: r for r in counties}
    values = {}
    for o in offices():
        r = by_code.get(o["code"], {})
        values[o["code"]] = f'{r.get("text", "—")}{r.get("unit", "")}'

    spots = landmark_labels(tuple(
        office_label_box(o["lon"], o["lat"], o["name"], values[o["code"]],
                         OFFICE_LABEL_POSITION.get(o["code"], "bottom")) for o in offices()))
    lm_by_name = {lm["name"]: lm for lm in landmarks()}
    lm_series = option["series"][0]
    lm_series.update({"geoIndex": 0, "zlevel": 1, "z": 5, "showEffectOn": "render",
                      "rippleEffect": {"brushType": "stroke", "scale": 4.5, "period": 4, "number": 2},
                      "itemStyle": {"color": T.GOLD}, "label": {"show": False}})
    names = []
    for item in lm_series["data"]:
        lm = lm_by_name[item["name"]]
        item["value"] = [lm["lon"], lm["lat"], 1]
        item["county"] = lm["county"]
        county = U.UNIT_BY_CODE.get(lm["county"])
        item["tooltip"] = {"formatter": (
            f'<div class="scr-tt-title lm">{lm["name"]}</div><div class="scr-tt-foot">{lm["en"]}</div>'
            f'<div>{LANDMARK_KIND.get(lm["kind"], "")} · {county.short if county else ""}</div>')}
        spot = spots.get(lm["name"])
        dx, dy, leader = spot if spot else (0.0, 0.0, False)
        # centred on the marker, moved by `offset` (design pixels, scaled by the client)
        label = {"show": spot is not None, "formatter": lm["name"].split("(")[0], "position": "inside",
                 "offset": [dx, dy], "align": "center", "verticalAlign": "middle",
                 "color": "#ffe7a8", "fontSize": LANDMARK_FONT,
                 "textBorderColor": "rgba(2, 12, 32, 0.9)", "textBorderWidth": 2}
        names.append({"name": lm["name"], "value": [lm["lon"], lm["lat"], 1], "county": lm["county"],
                      "label": label,
                      "labelLine": {"show": leader, "lineStyle": {"color": "rgba(255, 231, 168, 0.75)",
                                                                  "width": 1}}})

    # county offices: name and the current value under the marker
    of_series = option["series"][1]
    of_series.update({"geoIndex": 0, "zlevel": 0, "z": 6,
                      "itemStyle": {"color": _gradient("#dffbff", T.CYAN)}})
    for item, o in zip(of_series["data"], offices()):
        r = by_code.get(o["code"], {})
        item["name"] = o["name"]
        item["value"] = [o["lon"], o["lat"], None if r.get("value") is None else round(r["value"], dec + 1)]
        item["code"] = o["code"]
        val = values[o["code"]]
        item["label"] = {"show": True, "position": OFFICE_LABEL_POSITION.get(o["code"], "bottom"),
                         "distance": OFFICE_LABEL_DISTANCE,
                         "formatter": "{n|" + o["name"] + "}\n{v|" + val + "}",
                         "rich": {"n": {"color": "#ffffff", "fontSize": OFFICE_FONT, "fontWeight": "bold",
                                        "lineHeight": OFFICE_LINE_HEIGHTS[0],
                                        "textBorderColor": "rgba(2, 12, 32, 0.95)", "textBorderWidth": 3},
                                  "v": {"color": "#ffe08a", "fontSize": OFFICE_FONT, "fontWeight": "bold",
                                        "fontFamily": T.NUM_FONT, "lineHeight": OFFICE_LINE_HEIGHTS[1],
                                        "textBorderColor": "rgba(2, 12, 32, 0.95)", "textBorderWidth": 3}}}
        item["tooltip"] = {"formatter": county_tooltip(o["name"], o["code"], figures.get(o["code"], []))}

    # the choropleth: a map series drawn on the top geo, coloured by the visualMap
    map_data = []
    for o in offices():
        r = by_code.get(o["code"], {})
        item = {"name": o["name"], "code": o["code"],
                "tooltip": {"formatter": county_tooltip(o["name"], o["code"], figures.get(o["code"], []))}}
        if r.get("value") is not None:
            item["value"] = round(r["value"], dec + 1)
        else:
            item["itemStyle"] = {"areaColor": "#1c2a40"}
        map_data.append(item)
    option["series"].append({"type": "map", "name": data["name"], "map": MAP_NAME, "geoIndex": 0,
                             "selectedMode": "single", "data": map_data,
                             "select": {"label": {"show": False},
                                        "itemStyle": {"areaColor": "#c9932c", "borderColor": "#fff3cf",
                                                      "borderWidth": 2}},
                             "emphasis": {"label": {"show": False}}})
    option["series"].append({"type": "scatter", "name": "地标名称", "coordinateSystem": "geo", "geoIndex": 0,
                             "zlevel": 0, "z": 4, "symbolSize": 6, "silent": True,
                             "itemStyle": {"color": "rgba(0, 0, 0, 0)"}, "tooltip": {"show": False},
                             "data": names})   # no labelLayout: ECharts 5.6 would drop each label's offset
    option["tooltip"] = dict(TOOLTIP, trigger="item", confine=True, className=tooltip_class(figures, data["id"]))
    vm = option["visualMap"] if isinstance(option["visualMap"], dict) else option["visualMap"][0]
    vm.update({"seriesIndex": [2], "textGap": 8, "inverse": False,
               "text": ["高", "低"] if data["better_when_higher"] else ["高", "低"]})
    option["visualMap"] = vm
    option.pop("legend", None)
    return option


# --------------------------------------------------------------------------- line / bar charts

IMMATURE = "immature"
IMMATURE_BAND = "rgba(255, 199, 74, 0.10)"


def _split_immature(t: dict) -> tuple[list, list | None]:
    """(the months to draw as usual, the immature months or None): a cohort indicator's months
    still in its maturity window (flag "immature", 核查中 / 办理中) are drawn apart — a dashed,
    faded line joined to the last mature month — so that a value still rising is never read as
    a fall."""
    values = list(t["values"])
    flags = list(t.get("flags") or [""] * len(values))
    if IMMATURE not in flags:
        return values, None
    mature = [None if f == IMMATURE else v for v, f in zip(values, flags)]
    late = [v if f == IMMATURE else None for v, f in zip(values, flags)]
    first = flags.index(IMMATURE)
    if first > 0 and values[first - 1] is not None:
        late[first - 1] = values[first - 1]
    return mature, late


def _immature_series(t: dict, late: list, color: str, yaxis: int = 0) -> dict:
    return {"type": "line", "name": f"{t['name']}（{t.get('mark') or '核查中'}）", "data": late,
            "yAxisIndex": yaxis, "smooth": True, "symbol": "emptyCircle", "symbolSize": 6, "connectNulls": False,
            "lineStyle": {"width": 2, "type": "dashed", "color": _rgba(color, 0.75)},
            "itemStyle": {"color": _rgba(color, 0.75)}, "label": {"show": False}, "z": 3}


def _areas(*trends: dict) -> dict:
    """The shaded bands of a trend: the months before the platform went live (未上线) and the
    months still in the maturity window (核查中 / 办理中). Always a markArea (empty when there is
    nothing to shade): a merged update must clear an old band."""
    data = []
    months = trends[0]["months"] if trends else []
    until = next((t.get("not_live_until") for t in trends if t.get("not_live_until")), None)
    if until and months:
        data.append([{"name": "未上线", "xAxis": month_tick(months[0])}, {"xAxis": month_tick(until)}])
    for t in trends:
        late = [m for m, f in zip(t["months"], t.get("flags") or []) if f == IMMATURE]
        if late:
            data.append([{"name": t.get("mark") or "核查中", "xAxis": month_tick(late[0]),
                          "itemStyle": {"color": IMMATURE_BAND},
                          "label": {"color": T.GOLD}},
                         {"xAxis": month_tick(late[-1])}])
            break
    return {"silent": True, "itemStyle": {"color": "rgba(120, 140, 170, 0.12)"},
            "label": {"show": True, "position": "insideTop", "color": T.DIM, "fontSize": MIN_TEXT, "distance": 6},
            "data": data}


NOTE_COLOR = {"launch": T.MUTED, "campaign": T.GOLD, "definition": T.VIOLET, "data_gap": T.RED, "other": T.MUTED}


def _note_items(*trends: dict) -> list[dict]:
    """The annotations (大事记, `shaping.trend_notes`) of the trends as markLine items: a dotted
    vertical line at each event's (first) month, its title along the line at 14 px. Canvas
    text (no HTML): a title stays text. An event on both trends is drawn once."""
    seen, items = set(), []
    for t in trends:
        for n in t.get("notes") or []:
            key = (n["month"], n["label"])
            if key in seen or n["month"] not in t["months"]:
                continue
            seen.add(key)
            color = NOTE_COLOR.get(n["kind"], T.MUTED)
            items.append({"xAxis": month_tick(n["month"]), "name": n["label"],
                          "lineStyle": {"color": _rgba(color, 0.8), "type": "dotted", "width": 1.5},
                          "label": {"show": True, "formatter": "{b}", "position": "insideEndTop",
                                    "color": color, "fontSize": MIN_TEXT, "distance": 4}})
    return items


def _with_notes(option: dict, *trends: dict) -> dict:
    """Add the annotations to the first series' markLine (kept beside a national reference).
    Always a markLine (empty when there is nothing to mark): a merged update must clear an old
    one."""
    if not option.get("series"):
        return option
    items = _note_items(*trends)
    s = option["series"][0]
    mark = s.get("markLine")
    if mark:
        mark["data"] = list(mark.get("data") or []) + items
    else:
        s["markLine"] = {"silent": True, "symbol": "none", "data": items}
    return option


def _not_live_area(trend: dict) -> dict | None:
    """A shaded band over the months before the platform went live (未上线); None if none."""
    area = _areas(dict(trend, flags=[]))
    return area if area["data"] else None


def _faded_bars(t: dict, values: list) -> list:
    """Bar items: an immature month's bar faded (still 办理中)."""
    flags = t.get("flags") or [""] * len(values)
    return [{"value": v, "itemStyle": {"opacity": 0.35}} if f == IMMATURE and v is not None else v
            for v, f in zip(values, flags)]


def dual_trend_option(a: dict, b: dict, *, colors=(T.CYAN, T.GOLD), national: bool = False,
                      area: bool = True) -> dict:
    """Two rates over the same months (e.g. 不捕率 and 诉前羁押率), gaps where not live, the
    immature months dashed in a marked band."""
    months = [month_tick(m) for m in a["months"]]
    if not months:
        return _empty()
    line = Line(init_opts=_init())
    line.add_xaxis(months)
    late_series = []
    for t, color in ((a, colors[0]), (b, colors[1])):
        mature, late = _split_immature(t)
        if late is not None:
            late_series.append(_immature_series(t, late, color))
        mark_line = None
        if national and t.get("national"):
            year, ref = max(t["national"].items())
            mark_line = {"silent": True, "symbol": "none",
                         "lineStyle": {"color": _rgba(color, 0.7), "type": "dashed", "width": 1},
                         "label": {"formatter": f"全国{year}年\n{ref:g}%", "color": _rgba(color, 0.95),
                                   "fontSize": MIN_TEXT, "lineHeight": 17, "position": "end", "distance": 6},
                         "data": [{"yAxis": ref}]}
        line.add_yaxis(t["name"], mature, is_smooth=True, symbol="circle", symbol_size=5, color=color,
                       is_connect_nones=False, label_opts=opts.LabelOpts(is_show=False),
                       linestyle_opts={"width": 2.5, "color": color},
                       areastyle_opts={"color": _gradient(_rgba(color, 0.32), _rgba(color, 0.0)),
                                       "opacity": 1} if area else None,
                       markline_opts=mark_line)
    line.set_global_opts(legend_opts=opts.LegendOpts(is_show=True),
                         tooltip_opts=opts.TooltipOpts(trigger="axis"))
    option = _dump(line)
    # the national references are labelled to the right of the plot
    option["grid"] = {"left": 52, "right": 84 if national else 16, "top": 34, "bottom": 28}
    option["xAxis"] = [_cat_axis(months)]
    fmt = "{value}%" if a["unit"] == "%" else "{value}"
    option["yAxis"] = [_val_axis(axisLabel=_axis_label(MIN_TEXT, formatter=fmt), scale=True)]
    option["legend"] = _legend(data=[a["name"], b["name"]])
    option["tooltip"] = dict(TOOLTIP, trigger="axis")
    option["series"][0]["markArea"] = _areas(a, b)
    for s, color in zip(option["series"], colors):
        s["itemStyle"] = {"color": color}
    option["series"] += late_series
    return _with_notes(option, a, b)


def bar_line_option(bars: dict, line: dict, *, bar_color: str = T.BLUE, line_color: str = T.GOLD,
                    line_min: float | None = None) -> dict:
    """Monthly counts as bars (from zero) with a rate as a line on the right axis; the immature
    months faded (bars) or dashed (the line) in a marked band."""
    months = [month_tick(m) for m in bars["months"]]
    if not months:
        return _empty()
    bar = Bar(init_opts=_init())
    bar.add_xaxis(months)
    bar.add_yaxis(bars["name"], _faded_bars(bars, bars["values"]), bar_max_width=12,
                  label_opts=opts.LabelOpts(is_show=False),
                  itemstyle_opts={"color": _gradient(_rgba(T.CYAN, 0.95), _rgba(bar_color, 0.25)),
                                  "borderRadius": [3, 3, 0, 0]})
    bar.extend_axis(yaxis=opts.AxisOpts(type_="value"))
    mature, late = _split_immature(line)
    ln = Line()
    ln.add_xaxis(months)
    ln.add_yaxis(line["name"], mature, yaxis_index=1, is_smooth=True, symbol="circle", symbol_size=5,
                 color=line_color, label_opts=opts.LabelOpts(is_show=False),
                 linestyle_opts={"width": 2.5, "color": line_color})
    bar.overlap(ln)
    bar.set_global_opts(tooltip_opts=opts.TooltipOpts(trigger="axis"))
    option = _dump(bar)
    option["grid"] = {"left": 52, "right": 56, "top": 34, "bottom": 28}
    option["xAxis"] = [_cat_axis(months)]
    rate_axis = _val_axis(axisLabel=_axis_label(MIN_TEXT, formatter="{value}%"), splitLine={"show": False},
                          max=100)
    if line_min is not None:
        rate_axis["min"] = line_min
    else:
        rate_axis["scale"] = True
    option["yAxis"] = [_val_axis(minInterval=1, min=0), rate_axis]
    option["legend"] = _legend(data=[bars["name"], line["name"]])
    option["tooltip"] = dict(TOOLTIP, trigger="axis")
    option["series"][0]["markArea"] = _areas(bars, line)
    if late is not None:
        option["series"].append(_immature_series(line, late, line_color, yaxis=1))
    return _with_notes(option, bars, line)


def bars_option(trend: dict, color: str = T.CYAN) -> dict:
    """Monthly counts as bars (a county's own series in the county panel)."""
    months = [month_tick(m) for m in trend["months"]]
    if not months:
        return _empty()
    bar = Bar(init_opts=_init())
    bar.add_xaxis(months)
    bar.add_yaxis(trend["name"], _faded_bars(trend, trend["values"]), bar_max_width=12,
                  label_opts=opts.LabelOpts(is_show=False),
                  itemstyle_opts={"color": _gradient(color, _rgba(T.BLUE, 0.2)), "borderRadius": [3, 3, 0, 0]})
    option = _dump(bar)
    option["grid"] = {"left": 52, "right": 14, "top": 32, "bottom": 26}
    option["xAxis"] = [_cat_axis(months)]
    option["yAxis"] = [_val_axis(minInterval=1, min=0)]
    option["legend"] = _legend()
    option["tooltip"] = dict(TOOLTIP, trigger="axis")
    option["series"][0]["markArea"] = _areas(trend)
    return _with_notes(option, trend)


def rings_option(figures: list[dict]) -> dict:
    """Progress rings, one per rate (e.g. 认罪认罚适用率, 同录覆盖率, 远程听取意见占比)."""
    if not figures:
        return _empty()
    n = len(figures)
    colors = [T.CYAN, T.GREEN, T.GOLD, T.VIOLET, T.BLUE]
    gauge = Gauge(init_opts=_init())
    for i, f in enumerate(figures):
        color = colors[i % len(colors)]
        value = f["value"] if f["value"] is not None else 0
        gauge.add(
            f["label"], [(f["label"], value)], min_=0, max_=100, split_number=4,
            center=[f"{(i + 0.5) * 100 / n:.2f}%", "42%"], radius="60%", start_angle=90, end_angle=-270,
            progress={"show": True, "width": 9, "roundCap": True,
                      "itemStyle": {"color": _gradient(color, _rgba(color, 0.55)), "shadowColor": color,
                                    "shadowBlur": 10}},
            pointer={"show": False}, anchor={"show": False},
            axisline_opts={"lineStyle": {"width": 9, "color": [[1, "rgba(60, 120, 200, 0.18)"]]}},
            axistick_opts={"show": False}, axislabel_opts={"show": False},
            title_label_opts={"offsetCenter": [0, "136%"], "color": T.MUTED, "fontSize": MIN_TEXT},
            detail_label_opts={"offsetCenter": [0, "2%"], "valueAnimation": True,
                               # the figure's text: its declared decimals ("21.0%", never "21%")
                               "formatter": f"{f['text']}{f['unit']}" + (f"\n{{m|{f['mark']}}}" if f.get("mark") else ""),
                               "rich": {"m": {"color": T.GOLD, "fontSize": MIN_TEXT, "lineHeight": 18}},
                               "color": "#ffffff", "fontSize": 20, "fontWeight": "bold",
                               "fontFamily": T.NUM_FONT},
        )
    option = _dump(gauge)
    for s in option["series"]:
        s["splitLine"] = {"show": False}
    option["tooltip"] = dict(TOOLTIP, trigger="item")
    for s_, f in zip(option["series"], figures):
        s_["tooltip"] = {"formatter": f"{f['name']}<br/>{f['text']}{f['unit']}"
                                      + (f"（{f['mark']}）" if f.get("mark") else "") + f"<br/>{f.get('caption', '')}"}
    option.pop("legend", None)
    return option


def donut_option(rows: list[dict], colors: list[str], center_text: str, center_sub: str,
                 name: str = "", compact: bool = False) -> dict:
    """A donut with a total in the middle (e.g. the risk bands of the assessment). Compact: the
    shares inside the ring and a legend below; else labels outside."""
    data = [(r["band"] if compact and r.get("band") else r["name"], r["value"]) for r in rows
            if r["value"] is not None]
    if not data:
        return _empty()
    pie = Pie(init_opts=_init())
    if compact:
        # compact: no share labels in the ring (they do not fit at a legible size): the legend
        # names the bands, the tooltip gives each band's persons and share
        pie.add(name, data, radius=["58%", "84%"], center=["50%", "44%"], is_avoid_label_overlap=False,
                percent_precision=1, label_opts=opts.LabelOpts(is_show=False),
                itemstyle_opts={"borderColor": "#041230", "borderWidth": 2})
    else:
        pie.add(name, data, radius=["40%", "60%"], center=["50%", "52%"], is_avoid_label_overlap=True,
                percent_precision=1,
                label_opts={"show": True, "formatter": "{b} {d}%\n{c}人", "color": T.TEXT, "fontSize": MIN_TEXT,
                            "overflow": "none", "lineHeight": 18},
                label_line_opts={"length": 12, "length2": 14, "lineStyle": {"color": T.AXIS}},
                itemstyle_opts={"borderColor": "#041230", "borderWidth": 3})
    option = _dump(pie)
    option["color"] = colors
    option["tooltip"] = dict(TOOLTIP, trigger="item", formatter="{b}：{c}人（{d}%）")
    option["title"] = {"text": center_text, "subtext": center_sub, "left": "center",
                       "top": "34%" if compact else "43%", "itemGap": 2,
                       "textStyle": {"color": "#ffffff", "fontSize": 17 if compact else 24, "fontWeight": "bold",
                                     "fontFamily": T.NUM_FONT},
                       "subtextStyle": {"color": T.MUTED, "fontSize": MIN_TEXT}}
    if compact:
        option["legend"] = {"show": True, "bottom": 0, "left": "center", "itemWidth": 10, "itemHeight": 10,
                            "itemGap": 8, "icon": "circle", "textStyle": {"color": T.MUTED, "fontSize": MIN_TEXT}}
    else:
        option.pop("legend", None)
    return option


def rose_option(rows: list[dict], colors: list[str] | None = None) -> dict:
    data = [(r["name"], r["value"]) for r in rows if r["value"]]
    if not data:
        return _empty()
    pie = Pie(init_opts=_init())
    pie.add("", data, radius=["22%", "74%"], center=["50%", "54%"], rosetype="radius",
            label_opts=opts.LabelOpts(is_show=True, formatter="{b}\n{c}条", color=T.TEXT, font_size=MIN_TEXT),
            label_line_opts={"length": 8, "length2": 10, "lineStyle": {"color": T.AXIS}},
            itemstyle_opts={"borderColor": "#041230", "borderWidth": 2, "borderRadius": 4})
    option = _dump(pie)
    option["color"] = colors or [T.CYAN, T.GOLD, T.GREEN, T.BLUE, T.VIOLET, T.ORANGE]
    option["tooltip"] = dict(TOOLTIP, trigger="item", formatter="{b}：{c}条（{d}%）")
    option.pop("legend", None)
    return option


def short_model_name(name: str) -> str:
    """“未成年人控辍保学”法律监督模型 → 未成年人控辍保学; 刑事立案撤案监督模型 → 刑事立案撤案."""
    for q in ("“", "\""):
        if q in name:
            inner = name.split(q, 1)[1]
            inner = inner.split("”", 1)[0].split("\"", 1)[0]
            if inner:
                return inner
    for suffix in ("法律监督模型", "检察监督模型", "监督模型", "模型"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def leaderboard_option(board: list[dict], top: int | None = None, label_width: int = 170) -> dict:
    """Clues per model, horizontal bars, the best first; the top three in gold."""
    rows = board[:top] if top else board
    if not rows:
        return _empty()
    names = [short_model_name(r["name"]) for r in rows]
    data = []
    for i, r in enumerate(rows):
        c = T.GOLD if i < 3 else T.CYAN
        data.append({"value": r["value"], "name": r["name"],
                     "itemStyle": {"color": _gradient(_rgba(c, 0.25), c, horizontal=True),
                                   "borderRadius": [0, 3, 3, 0]}})
    bar = Bar(init_opts=_init())
    bar.add_xaxis(names)
    bar.add_yaxis("监督线索", data, bar_max_width=12, is_show_background=True,
                  background_style={"color": "rgba(60, 120, 200, 0.10)", "borderRadius": [0, 3, 3, 0]},
                  label_opts=opts.LabelOpts(is_show=True, position="right", color="#ffffff", font_size=MIN_TEXT,
                                            formatter="{c}"))
    bar.reversal_axis()
    option = _dump(bar)
    option["grid"] = {"left": label_width + 10, "right": 44, "top": 4, "bottom": 4}
    option["yAxis"] = [_cat_axis(names, inverse=True, axisLine={"show": False},
                                 axisLabel={"color": T.TEXT, "fontSize": MIN_TEXT, "width": label_width,
                                            "overflow": "truncate", "margin": 10})]
    option["xAxis"] = [{"type": "value", "show": False}]
    option["tooltip"] = dict(TOOLTIP, trigger="item", formatter="{b}<br/>累计线索 {c} 条")
    option["series"][0]["label"]["fontFamily"] = T.NUM_FONT
    option.pop("legend", None)
    return option


FUNNEL_COLORS = (("#1fa6e6", "#0d4f9a"), ("#2be4ff", "#157fc0"), ("#ffd874", "#d99a1e"))
# the clue funnel's five stages: blues to gold, a sequence (not a grade)
CLUE_FUNNEL_COLORS = (("#1fa6e6", "#0d4f9a"), ("#2be4ff", "#157fc0"), ("#5fd3c4", "#1b8f86"),
                      ("#9b8cff", "#5a4bc9"), ("#ffd874", "#d99a1e"))


def funnel_option(stages: list[dict], *, series: str = "检察建议", unit: str = "件",
                  colors=FUNNEL_COLORS, label: str = "inside") -> dict:
    """A funnel of counts (largest first, widths in proportion from zero). `label`: "inside"
    (each stage's name and count on it) or "right" (beside it, for stages too narrow to hold
    their text)."""
    data = [(s["name"], s["value"]) for s in stages if s["value"] is not None]
    if not data:
        return _empty()
    funnel = Funnel(init_opts=_init())
    top = max(v for _, v in data) or 1
    inside = label == "inside"
    funnel.add(series, data, sort_="descending", gap=4 if inside else 3, min_=0, max_=top, min_size="0%",
               max_size="96%" if inside else "100%",
               pos_left="6%" if inside else "3%", pos_right="6%", pos_top=6, pos_bottom=6,
               label_opts=opts.LabelOpts(is_show=True, position=label, formatter=f"{{b}}  {{c}}{unit}",
                                         color="#ffffff" if inside else "#e6f3ff", font_size=15,
                                         font_weight="bold"),
               itemstyle_opts={"borderColor": "rgba(160, 240, 255, 0.6)", "borderWidth": 1})
    option = _dump(funnel)
    option["series"][0]["width"] = "88%" if inside else "50%"
    option["series"][0].pop("height", None)
    if not inside:
        option["series"][0]["labelLine"] = {"show": True, "length": 10,
                                            "lineStyle": {"color": "rgba(160, 240, 255, 0.5)"}}
    option["color"] = [_gradient(a, b, horizontal=True) for a, b in colors]
    option["tooltip"] = dict(TOOLTIP, trigger="item", formatter=f"{{b}}：{{c}}{unit}")
    option.pop("legend", None)
    return option


def _county_items(data: dict, with_city_office: bool = False):
    """The bars of a county chart: (names, items) — the counties in the order `by_county` gives
    (best first only when ranks are shown, else their fixed order), 市院本级 after them when
    asked; each labelled with its text at the metric's decimals and its mark (样本少, 核查中: the
    bar faded). The top three are gold only when ranks are shown."""
    rows = list(data["ranked"])
    if with_city_office:
        rows += [r for r in data["units"] if r["tier"] == "city"]
    rows = [r for r in rows if r["value"] is not None]
    if not rows:
        return None
    dec = data["decimals"]
    names, items = [], []
    for r in rows:
        c = T.GOLD if data["ranks_shown"] and r["rank"] and r["rank"] <= 3 else T.CYAN
        if r["tier"] == "city":
            c = T.VIOLET
        style = {"color": _gradient(c, _rgba(T.BLUE, 0.2)), "borderRadius": [3, 3, 0, 0]}
        if r["mark"]:
            style["opacity"] = 0.45
        text = f"{r['text']}{r['unit']}" + (f" {r['mark']}" if r["mark"] else "")
        names.append(r["abbr"])
        items.append({"value": round(r["value"], dec), "name": r["name"], "itemStyle": style,
                      "label": {"formatter": text}})
    return names, items


def _reference_lines(data: dict, axis: str) -> tuple[dict, dict | None]:
    """A rate's references: the city (orange, dashed) and the county median (grey, dotted) as
    lines, and a key naming them with their values (a rich-text title over the plot: labels on
    the lines would collide where the city and the median are close). None for a count (a
    county against the city total means nothing). The markLine is always there (empty when
    none): a merged update must clear old lines."""
    lines, key = [], []
    if data["is_ratio"]:
        city = data.get("city") or {}
        if city.get("value") is not None:
            lines.append({axis: round(city["value"], data["decimals"] + 1), "name": "全市",
                          "lineStyle": {"color": T.ORANGE, "type": "dashed", "width": 1.5}})
            key.append(f"{{c|┅ 全市 {city['text']}{city['unit']}}}")
        if data.get("median") is not None:
            lines.append({axis: round(data["median"], data["decimals"] + 1), "name": "基层院中位数",
                          "lineStyle": {"color": T.MUTED, "type": "dotted", "width": 1.5}})
            key.append(f"{{m|┈ 基层院中位数 {data['median_text']}}}")
    mark = {"silent": True, "symbol": "none", "label": {"show": False}, "data": lines}
    title = None
    if key:
        title = {"text": "  ".join(key), "right": 8, "top": 0,
                 "textStyle": {"fontSize": MIN_TEXT, "fontWeight": "normal", "rich": {
                     "c": {"color": T.ORANGE, "fontSize": MIN_TEXT, "fontFamily": T.NUM_FONT},
                     "m": {"color": T.MUTED, "fontSize": MIN_TEXT, "fontFamily": T.NUM_FONT}}}}
    return mark, title


def county_bar_option(data: dict, with_city_office: bool = True, narrow: bool = False) -> dict:
    """The counties of one metric as columns from zero, named in two characters (盐湖, 临猗 …);
    市院本级 included when asked, in its own colour (the bars then add up to the city); a rate's
    city and county median as lines. Narrow (a third of a panel): the values stand upright in
    the columns."""
    got = _county_items(data, with_city_office=with_city_office)
    if got is None:
        return _empty()
    names, items = got
    bar = Bar(init_opts=_init())
    bar.add_xaxis(names)
    label = {"show": True, "position": "top", "color": T.TEXT, "fontSize": MIN_TEXT, "fontFamily": T.NUM_FONT}
    if narrow:
        label.update({"position": "insideBottom", "rotate": 90, "align": "left", "verticalAlign": "middle",
                      "distance": 4, "color": "#ffffff", "textBorderColor": "rgba(2, 12, 32, 0.9)",
                      "textBorderWidth": 2})
    bar.add_yaxis(data["short"], items, bar_max_width=18 if not narrow else 16)
    option = _dump(bar)
    option["series"][0]["label"] = label
    option["series"][0]["markLine"], key = _reference_lines(data, "yAxis")
    option["title"] = key or {"text": ""}
    option["grid"] = {"left": 48 if not narrow else 8, "right": 12 if not narrow else 8, "top": 30,
                      "bottom": 28 if not narrow else 42}
    axis_names = ["\n".join(n) for n in names] if narrow else names   # narrow: the two characters stacked
    option["xAxis"] = [_cat_axis(axis_names, axisLabel=_axis_label(MIN_TEXT, color=T.TEXT, interval=0,
                                                                     fontFamily=T.FONT, margin=6,
                                                                     lineHeight=16))]
    option["xAxis"][0]["data"] = axis_names
    fmt = "{value}%" if data["unit"] == "%" else "{value}"
    option["yAxis"] = [_val_axis(axisLabel=_axis_label(MIN_TEXT, formatter=fmt), min=0, show=not narrow)]
    option["tooltip"] = dict(TOOLTIP, trigger="axis", axisPointer={"type": "shadow"})
    option.pop("legend", None)
    return option


def county_trend_option(county: dict, city: dict, county_name: str) -> dict:
    """One county against the city over the last months (the county panel)."""
    return dual_trend_option(dict(county, name=county_name), dict(city, name="全市"),
                             colors=(T.GOLD, T.CYAN), area=False) | {"grid": {"left": 52, "right": 14,
                                                                              "top": 32, "bottom": 26}}
