"""Who may see what: the four roles and the rules the guard and the pages apply.

| role   | pages                      | callbacks                              | records (明细)        |
|--------|----------------------------|----------------------------------------|-----------------------|
| screen | /screen only               | the wall's (cockpit.screen.*)          | none (aggregates only)|
| leader | every page but /admin…     | every callback but the admin pages'    | all units             |
| county | every page but /admin…     | every callback but the admin pages'    | its own unit only     |
| admin  | every page                 | every callback                         | all units             |

Pages are matched on the normalised path; callbacks on the module that defines the callback
function (a callback can be called by anyone who can name its output, whatever page it belongs
to). Dash Pages renders a page through one routing callback: that callback is allowed when the
page it asks for is.

Records are not a page question: a county user may open the same pages as a leader, and the
unit filter is applied where records are fetched — `allowed_record_units` (and the wrapper
`cockpit.auth.records_for`) must run inside the callback, *before* any cache lookup.
"""
from __future__ import annotations

import posixpath
from typing import Iterable
from urllib.parse import unquote

from cockpit.metrics import units as U

SCREEN, LEADER, COUNTY, ADMIN = "screen", "leader", "county", "admin"
ROLES = {SCREEN: "大屏", LEADER: "院领导", COUNTY: "基层院", ADMIN: "管理员"}
PEOPLE = frozenset({LEADER, COUNTY, ADMIN})
EVERYONE = frozenset(ROLES)

SCREEN_PATH = "/screen"
ADMIN_PREFIX = "/admin"

# Callback modules and who may call them (first matching prefix wins; default: PEOPLE).
CALLBACK_RULES: tuple[tuple[str, frozenset], ...] = (
    ("cockpit.pages.admin_", frozenset({ADMIN})),
    ("cockpit.auth", frozenset({ADMIN})),
    ("cockpit.screen", EVERYONE),
    ("cockpit.pages.screen", EVERYONE),
)
ROUTING_MODULE = "dash.dash"         # Dash Pages' routing callback (decided by the page asked for)
PAGES_CONTENT_ID = "_pages_content"
PAGES_LOCATION_ID = "_pages_location"

# Sources that hold no case records of a unit (the register of platforms and models): shown to
# every person who may see records at all.
UNRESTRICTED_SOURCES = frozenset({"registry"})


def normalize_path(path: str | None) -> str:
    """A path as the rules see it: decoded, no duplicate or trailing slashes, lower case."""
    p = unquote(str(path or "/")).replace("\\", "/")
    p = "/" + "/".join(seg for seg in p.split("/") if seg)
    return p.lower()


def _paths(path: str | None) -> set[str]:
    """The path as written and with dot segments resolved: a rule must hold for both."""
    p = normalize_path(path)
    return {p, normalize_path(posixpath.normpath(p))}


def _is_admin_path(p: str) -> bool:
    return p == ADMIN_PREFIX or p.startswith(ADMIN_PREFIX + "/")


def page_allowed(role: str | None, path: str | None) -> bool:
    """May a role open the page at `path` (a browser GET or Dash Pages' routing callback)?"""
    if role not in ROLES:
        return False
    paths = _paths(path)
    if role == SCREEN:
        return paths == {SCREEN_PATH}
    if any(_is_admin_path(p) for p in paths):
        return role == ADMIN
    return True


def callback_allowed(role: str | None, module: str | None) -> bool:
    """May a role call a (non-routing) server callback defined in `module`?"""
    if role not in ROLES or not module:
        return False
    for prefix, allowed in CALLBACK_RULES:
        matches = module.startswith(prefix) if prefix.endswith("_") else \
            (module == prefix or module.startswith(prefix + "."))
        if matches:
            return role in allowed
    return role in PEOPLE


def record_scope(principal) -> frozenset[str] | None:
    """The unit codes whose records a principal may see: None = all, empty = none."""
    if principal is None:
        return frozenset()
    if principal.kind == "open":     # sign-in switched off (development)
        return None
    if principal.role in (LEADER, ADMIN):
        return None
    if principal.role == COUNTY and principal.unit in U.UNIT_BY_CODE:
        return frozenset({principal.unit})
    return frozenset()


def expand_units(requested: str | Iterable[str] | None) -> list[str]:
    if requested is None:
        requested = [U.CITY]
    if isinstance(requested, str):
        requested = [requested]
    codes: list[str] = []
    for unit in requested:
        try:
            members = U.members(str(unit))
        except KeyError:
            continue                  # an unknown code asks for nothing
        codes.extend(c for c in members if c not in codes)
    return codes


def allowed_record_units(principal, requested: str | Iterable[str] | None) -> list[str]:
    """The unit codes of `requested` (codes or groups such as CITY) whose records `principal`
    may see, in order. A county user asking for the city gets its own unit; asking for another
    county, nothing; the wall never gets records."""
    codes = expand_units(requested)
    scope = record_scope(principal)
    if scope is None:
        return codes
    return [c for c in codes if c in scope]


def pack_scope(principal) -> frozenset[str] | None:
    """The units whose monthly packs (研判会商材料, /reports) a principal may see and download:
    None = all (leader, admin, sign-in off); a county user its own unit's and the city's
    (U.CITY); nobody else any. A pack holds the unit's aggregates and its alerts, no records."""
    scope = record_scope(principal)
    return None if scope is None else frozenset(scope | {U.CITY}) if scope else frozenset()


def may_generate_pack(principal, unit: str) -> bool:
    """Who may build (or rebuild) a pack: a leader or an administrator any unit's and the
    city's; a county user its own unit's only (the city's pack is the city office's material:
    it may download it, not replace it)."""
    scope = record_scope(principal)
    return scope is None or unit in scope


def landing_path(principal) -> str | None:
    """Where a person lands on opening the cockpit ("/" after sign-in): a county user on its own
    county's page, not the city overview (which stays one click away); None = the overview."""
    if principal is not None and principal.role == COUNTY and principal.unit in U.UNIT_BY_CODE:
        return f"/county/{principal.unit}"
    return None


def may_see_records(principal) -> bool:
    scope = record_scope(principal)
    return scope is None or bool(scope)
