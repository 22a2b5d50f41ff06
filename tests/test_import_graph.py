"""The direction of dependency, checked on the import statements of every module.

- `cockpit.metrics` holds the declarations both sides need (contracts, units, platforms,
  measures, catalog, periods, schema, engine) and the query layer: it imports nothing of
  `etl` and nothing else of `cockpit`.
- `etl` writes the store: of the cockpit it imports only `cockpit.metrics`.
- the rest of the cockpit asks the ETL for one thing only, through `etl.ingest` (the upload
  page); never the reader, the validator, the run or the demo generator.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)  # `from etl import reader`
    return found


def _graph(package: str) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in (ROOT / package).rglob("*.py")}


def _ours(name: str) -> bool:
    return name == "etl" or name.startswith(("etl.", "cockpit"))


def test_the_metric_layer_imports_nothing_of_the_etl_or_the_app():
    bad = {mod: sorted(i for i in imps if _ours(i) and not i.startswith("cockpit.metrics"))
           for mod, imps in _graph("cockpit").items() if mod.startswith("cockpit.metrics")}
    assert {m: v for m, v in bad.items() if v} == {}


def test_the_etl_imports_only_the_metric_layer_of_the_cockpit():
    bad = {mod: sorted(i for i in imps if i.startswith("cockpit") and not i.startswith("cockpit.metrics"))
           for mod, imps in _graph("etl").items()}
    assert {m: v for m, v in bad.items() if v} == {}


def test_the_app_reaches_the_etl_only_through_the_ingest_service():
    bad = {mod: sorted(i for i in imps if (i == "etl" or i.startswith("etl.")) and i != "etl.ingest"
                       and not i.startswith("etl.ingest."))
           for mod, imps in _graph("cockpit").items() if not mod.startswith("cockpit.metrics")}
    # `from etl import ingest` records both "etl" and "etl.ingest": the package itself is fine
    bad = {m: [i for i in v if i != "etl"] for m, v in bad.items()}
    assert {m: v for m, v in bad.items() if v} == {}


def test_the_checker_sees_a_forbidden_import(tmp_path):
    """The rules above would notice a violation (guards against a checker that sees nothing)."""
    graph = _graph("cockpit")
    assert "cockpit.metrics.query" in graph
    assert "cockpit.metrics.catalog" in graph["cockpit.metrics.query"]
    assert "etl.ingest" in graph["cockpit.auth.upload"]  # from etl import ingest as etl_ingest
