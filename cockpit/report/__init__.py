"""The monthly analysis pack (研判会商材料): `build_pack` writes a DOCX and a PDF of one month
for the city or one unit (content: cockpit.report.content; charts: charts; renderers: docx,
pdf; where packs live: library)."""
from cockpit.report.build import build_pack
from cockpit.report.errors import ReportError

__all__ = ["build_pack", "ReportError"]
