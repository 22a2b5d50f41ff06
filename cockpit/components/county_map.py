"""The county map: plotly choropleth of `geo/yuncheng.json`, fully offline.

The GeoJSON is served by the app itself (`assets/geo/yuncheng.json`) and referenced by URL, so
it is fetched once per browser, not sent with every figure. It is `geo/yuncheng.json` with its
rings rewound: the source follows RFC 7946 (exterior rings counter-clockwise) while plotly.js
(d3-geo, spherical) takes a counter-clockwise ring as "everything but this county" and paints
the whole frame. `browser_geojson()` makes the asset; a test keeps the two in step
(regenerate with `python -m cockpit.components.county_map`). Plotly's world base map is replaced by an empty
topology (`assets/plotly_geo_assets.js`, `assets/topojson/`): no request leaves the host.
Landmarks (`geo/landmarks.csv`) are a marker overlay; county names sit at each county's label
point (`cp`). Every county, name and landmark links to the county's page.
"""
from __future__ import annotations

import csv
import json
from functools import lru_cache

import dash

from cockpit.components.charts import map_figure
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


def county_links(period: str | None) -> dict[str, str]:
    q = {"period": period} if period else {}
    return {c: href(f"/county/{c}", q) for c in U.UNIT_CODES}


def county_map(metric: Metric | None, frame, period: str | None, height: int = 440, with_landmarks: bool = True,
               links: dict[str, str] | None = None) -> dict:
    return map_figure(metric, frame, dash.get_asset_url(GEOJSON_ASSET), links or county_links(period),
                      landmarks() if with_landmarks else None, height, county_points())


if __name__ == "__main__":
    ASSET_PATH.parent.mkdir(parents=True, exist_ok=True)
    ASSET_PATH.write_text(browser_geojson(), encoding="utf-8")
    print(f"wrote {ASSET_PATH}")
