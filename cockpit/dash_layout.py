"""Reading a Dash layout and its callbacks as the browser's renderer does — pure functions on
the JSON forms (`/_dash-layout`, the router's answer, `/_dash-dependencies`), shared by the
cache warm-up (cockpit.warm) and the load benchmarks (benchmarks/load_bench.py)."""
from __future__ import annotations

import json

WILDCARDS = (["ALL"], ["MATCH"], ["ALLSMALLER"])


def dep_id(text: str):
    """A component id as `/_dash-dependencies` writes it: a pattern-matching id is JSON."""
    return json.loads(text) if text.startswith("{") else text


def outputs(output: str) -> list[dict]:
    """A callback's outputs ({id, property}) from its `output` string in `/_dash-dependencies`
    ("..a.children...b.figure.." for several; "@hash" suffixes of duplicate outputs dropped)."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        out.append({"id": dep_id(cid), "property": prop.split("@")[0]})
    return out


def id_key(cid) -> str:
    return json.dumps(cid, sort_keys=True, separators=(",", ":")) if isinstance(cid, dict) else str(cid)


def walk(node, found: dict) -> None:
    """Collect {id key: (id, props)} of every component of a layout (Dash's JSON form)."""
    if isinstance(node, list):
        for n in node:
            walk(n, found)
    elif isinstance(node, dict) and "props" in node and "type" in node:
        props = node["props"] or {}
        if "id" in props:
            found[id_key(props["id"])] = (props["id"], props)
        for v in props.values():
            if isinstance(v, (dict, list)):
                walk(v, found)


def matches(pattern: dict, cid) -> bool:
    """Whether a pattern-matching id (ALL / MATCH / ALLSMALLER) matches a component's id."""
    if not isinstance(cid, dict) or set(pattern) != set(cid):
        return False
    return all(v in WILDCARDS or cid[k] == v for k, v in pattern.items())


def present(cid, comps: dict) -> bool:
    if isinstance(cid, dict):
        return any(matches(cid, c) for c, _ in comps.values())
    return cid in comps


def values(specs: list, comps: dict) -> list | None:
    """The inputs' (or state's) values in the layout; None when a component is missing."""
    out = []
    for spec in specs:
        cid, prop = dep_id(spec["id"]), spec["property"]
        if isinstance(cid, dict):
            out.append([{"id": c, "property": prop, "value": p.get(prop)} for c, p in comps.values()
                        if matches(cid, c)])
        else:
            hit = comps.get(cid)
            if hit is None:
                return None
            out.append({"id": cid, "property": prop, "value": hit[1].get(prop)})
    return out
