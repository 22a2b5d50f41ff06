"""The county map: plotly choropleth of `geo/yuncheng.json`, fully offline.

The GeoJSON is served by the app itself (`assets/geo/yuncheng.json`) and referenced by URL, so
it is fetched once per browser, not sent with every figure. It is `geo/yuncheng.json` with its
rings rewound: the source follows RFC 7946 (exterior rings counter-clockwise) while plotly.js
(d3-geo, spherical) takes a counter-clockwise ring as "everything but this county" and paints
the whole frame. `browser_geojson()` makes the asset; a test keeps the two in step
(regenerate with `python -m cockpit.components.county_map`). Plotly's world base map is replaced by an empty
topology (`assets/plotly_geo_assets.js`, `assets/topojson/`): no request leaves the host.
Landmarks (`geo/landmarks.csv`) are a marker overlay (names on hover); county names sit at each
county's label point (`cp`), moved just enough to keep them off the landmark stars where one is
in the way (`name_points`). Every county, name and landmark links to the county's page.
"""
from __future__ import annotations

import csv
import json
import math
from functools import lru_cache

import dash

from cockpit.components.charts import MAP_LANDMARK_SIZE, MAP_NAME_FONT, map_figure
from cockpit.components.params import href
from cockpit.config import PROJECT_DIR
from cockpit.metrics import units as U
from cockpit.metrics.catalog import Metric

GEO_DIR = PROJECT_DIR / "geo"
GEOJSON_ASSET = "geo/yuncheng.json"


ASSET_PATH = PROJECT_DIR / "assets" / GEOJSON_ASSET


def _signed_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:])) / 2


def _rewind(rings: list) -> list:
    """d3-geo orientation: exterior ring clockwise, holes counter-clockwise."""
    out = []
    for i, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        want_clockwise = i == 0
        out.append(ring if clockwise == want_clockwise else list(reversed(ring)))
    return out


def browser_geojson() -> str:
    """The text of assets/geo/yuncheng.json: geo/yuncheng.json with rings rewound for d3-geo."""
    with open(GEO_DIR / "yuncheng.json", encoding="utf-8") as f:
        gj = json.load(f)
    for ft in gj["features"]:
        g = ft["geometry"]
        if g["type"] == "Polygon":
            g["coordinates"] = _rewind(g["coordinates"])
        elif g["type"] == "MultiPolygon":
            g["coordinates"] = [_rewind(p) for p in g["coordinates"]]
    return json.dumps(gj, ensure_ascii=False, separators=(",", ":")) + "\n"


@lru_cache(maxsize=1)
def landmarks() -> tuple[dict, ...]:
    with open(GEO_DIR / "landmarks.csv", encoding="utf-8") as f:
        return tuple({"name": r["name_zh"], "county_code": r["county_code"], "lon": float(r["lon"]),
                      "lat": float(r["lat"]), "kind": r["kind"]} for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def county_points() -> dict[str, tuple[float, float]]:
    with open(GEO_DIR / "yuncheng.json", encoding="utf-8") as f:
        gj = json.load(f)
    return {ft["properties"]["code"]: tuple(ft["properties"]["cp"]) for ft in gj["features"]}


# The smallest scale the map with landmarks is drawn at, in px per degree of longitude: plotly fits
# the counties (fitbounds) into a square geo subplot of the figure's height less its legend, 435 px
# at height 460 on the overview, which is 211.6 px per degree in Chromium on any window from
# 1366 px up (tests/test_geo.py measures it). Names clear of the stars at this scale stay clear
# at any larger one: the boxes keep their size while the points move apart.
MIN_PX_PER_DEG = 200.0


def _mercator_px(lon: float, lat: float, px_per_deg: float) -> tuple[float, float]:
    """Web-Mercator position in px (y downwards) at `px_per_deg` pixels per degree of longitude."""
    y = math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))
    return lon * px_per_deg, -y * px_per_deg


def name_box(name: str, lon: float, lat: float, px_per_deg: float) -> tuple[float, float, float, float]:
    """A county name's box (centred on its point, as plotly draws mode="text"), halo included."""
    x, y = _mercator_px(lon, lat, px_per_deg)
    w, h = len(name) * MAP_NAME_FONT + 4, MAP_NAME_FONT * 1.5 + 2
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def star_box(lon: float, lat: float, px_per_deg: float) -> tuple[float, float, float, float]:
    """A landmark star's box: plotly draws a star about 1.33 × its marker size across."""
    x, y = _mercator_px(lon, lat, px_per_deg)
    r = MAP_LANDMARK_SIZE * 0.7 + 1
    return x - r, y - r, x + r, y + r


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


@lru_cache(maxsize=1)
def name_points() -> dict[str, tuple[float, float]]:
    """Each county's name point: its label point (`cp`), or where a landmark star would touch the
    name, the nearest point of the county (in 0.01° steps) whose name box at MIN_PX_PER_DEG clears
    every star and the names placed before, with a pixel to spare."""
    with open(GEO_DIR / "yuncheng.json", encoding="utf-8") as f:
        features = {ft["properties"]["code"]: ft for ft in json.load(f)["features"]}
    k = MIN_PX_PER_DEG
    stars = [star_box(lm["lon"], lm["lat"], k) for lm in landmarks()]
    out: dict[str, tuple[float, float]] = {}
    placed: list[tuple[float, float, float, float]] = []
    for code in U.COUNTY_CODES:
        ft = features[code]
        name = U.UNIT_BY_CODE[code].short
        geom = ft["geometry"]
        rings = [p[0] for p in (geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]])]
        cx, cy = ft["properties"]["cp"]
        spots = sorted(((cx + i * 0.01, cy + j * 0.01) for i in range(-12, 13) for j in range(-12, 13)),
                       key=lambda p: (math.hypot((p[0] - cx) * 0.82, p[1] - cy), p))
        for lon, lat in spots:
            box = name_box(name, lon, lat, k)
            grown = (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1)
            if not any(_in_ring(lon, lat, r) for r in rings):
                continue
            if any(_overlap(grown, b) for b in stars) or any(_overlap(grown, b) for b in placed):
                continue
            out[code] = (round(lon, 5), round(lat, 5))
            placed.append(box)
            break
        else:
            out[code] = (cx, cy)
    return out


def county_links(period: str | None) -> dict[str, str]:
    q = {"period": period} if period else {}
    return {c: href(f"/county/{c}", q) for c in U.UNIT_CODES}


def county_map(metric: Metric | None, frame, period: str | None, height: int = 440, with_landmarks: bool = True,
               links: dict[str, str] | None = None) -> dict:
    return map_figure(metric, frame, dash.get_asset_url(GEOJSON_ASSET), links or county_links(period),
                      landmarks() if with_landmarks else None, height,
                      name_points() if with_landmarks else county_points())


if __name__ == "__main__":
    ASSET_PATH.parent.mkdir(parents=True, exist_ok=True)
    ASSET_PATH.write_text(browser_geojson(), encoding="utf-8")
    print(f"wrote {ASSET_PATH}")
