"""`GET /reports/download?month=YYYY-MM&unit=<code|CITY>&format=docx|pdf`: one pack's file.

The request names a pack, never a file: the path is made on the server (`library.find_pack`)
and must lie in `reports_dir()`. The guard lets every person role reach the route (a page
that is not /admin…; the wall is refused); here a county user gets only its own unit's and the
city's packs (`roles.pack_scope`) — another unit's answers 404, exactly like a pack that does
not exist. Every download is in the audit log (`export`). The file goes as an attachment
with its Chinese name (RFC 6266 `filename*`, and an ASCII fallback for old clients).
"""
from __future__ import annotations

from flask import abort, request, send_file

from cockpit.auth import audit, context, roles
from cockpit.report.library import find_pack

PATH = "/reports/download"
MIMETYPES = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}


def install(server) -> None:
    @server.route(PATH)
    def download_pack():
        month, unit, fmt = (request.args.get(k) for k in ("month", "unit", "format"))
        scope = roles.pack_scope(context.current_principal())
        if scope is not None and unit not in scope:
            abort(404)
        path = find_pack(month, unit, fmt)
        if path is None:
            abort(404)
        audit.record("export", {"what": "研判会商材料", "format": fmt, "month": month, "unit": unit},
                     subject=path.name)
        response = send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=path.name,
                             max_age=0)
        response.headers["Cache-Control"] = "private, no-cache"
        return response
