"""The monthly analysis pack (研判会商材料): `build_pack` writes a DOCX and a PDF of one month
for the city or one unit (content: cockpit.report.content; charts: charts; renderers: docx,
pdf; where packs live: library).

`build_pack` is imported on first use: the command line (`python -m cockpit users …`) imports
this package for its `report` subcommand, and the app imports `library` and `download` at
start; neither should pay for the renderers (matplotlib, WeasyPrint, python-docx: about a
second) until a pack is built."""
from cockpit.report.errors import ReportError

__all__ = ["build_pack", "ReportError"]


def __getattr__(name: str):
    if name == "build_pack":
        from cockpit.report.build import build_pack
        return build_pack
    raise AttributeError(f"module 'cockpit.report' has no attribute {name!r}")
