"""What changed between two JSON values, as the assignments a Dash `Patch` carries.

A wall tick where only the map's indicator moves on changes a few hundred leaves of the map's
option and of the ranking beside it (values, labels, bar widths), not its thousands of others
(the outline's styles, the landmarks, the tooltips' tables). `changes(old, new)` lists the
assignments that turn `old` into `new`; `patch(changes)` makes them a `dash.Patch`, which the
renderer applies to what the browser holds (a store's data, an element's children).

Each assignment costs its location as well as its value: where a subtree's assignments would
be longer than the subtree itself, the subtree is sent whole. So a delta is never much larger
than the value it replaces.

Why not `jsonpatch` (RFC 6902): its list diffs use `move`/`copy`, which Dash's Patch has no
operation for, and it does not weigh a delta against sending the value whole.
"""
from __future__ import annotations

import json

from dash import Patch



class _Delete:
    """The value of an assignment that removes a key (one object, also after a trip through
    the cache's pickle)."""

    def __reduce__(self):
        return "DELETE"

    def __repr__(self):
        return "DELETE"


DELETE = _Delete()
# What one assignment costs besides its location and value in Dash's Patch JSON:
# {"operation": "Assign", "location": [...], "params": {"value": ...}}
OP_COST = 56


def size(value) -> int:
    """The value's length in Dash's JSON (ASCII: a Chinese character is a 6-byte escape)."""
    return len(json.dumps(value, separators=(", ", ": ")))


def _cost(path: tuple, value) -> int:
    return OP_COST + size(list(path)) + (4 if value is DELETE else size(value))


def changes(old, new, path: tuple = ()) -> list[tuple[tuple, object]]:
    """[(location, value or DELETE)]: assignments that turn `old` into `new` (both plain JSON)."""
    if old == new:
        return []
    if isinstance(old, dict) and isinstance(new, dict):
        ops = []
        for k, v in new.items():
            ops += changes(old[k], v, path + (k,)) if k in old else [(path + (k,), v)]
        ops += [(path + (k,), DELETE) for k in old if k not in new]
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        ops = [op for i, (a, b) in enumerate(zip(old, new)) for op in changes(a, b, path + (i,))]
    else:
        return [(path, new)]
    whole = [(path, new)]
    return whole if sum(_cost(p, v) for p, v in ops) >= _cost(path, new) else ops


def patch(ops: list[tuple[tuple, object]], base: Patch | None = None, prefix: tuple = ()):
    """`ops` as a Patch (added to `base` under `prefix` when given). An assignment of the whole
    value (an empty location, no prefix) is that value itself, not a Patch."""
    if not prefix and any(not p for p, _ in ops):
        (value,) = [v for p, v in ops if not p]
        return value
    out = Patch() if base is None else base
    for loc, value in ops:
        *head, last = prefix + loc
        node = Patch(location=list(head), parent=out)   # out[head[0]][head[1]]… in one step
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return out


def apply(value, ops: list[tuple[tuple, object]]):
    """`ops` applied to a copy of `value` (what the browser does with the Patch; for tests and
    for checking a delta before it is sent)."""
    out = json.loads(json.dumps(value))
    for loc, v in ops:
        if not loc:
            out = json.loads(json.dumps(v))
            continue
        node = out
        for k in loc[:-1]:
            node = node[k]
        if v is DELETE:
            del node[loc[-1]]
        else:
            node[loc[-1]] = json.loads(json.dumps(v))
    return out
