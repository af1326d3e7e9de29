"""Downloading an export: ``/export/<kind>.<csv|xlsx>`` (signed in; what the user may see).

CSV streams as it is written; XLSX is written to a temporary file (kept in memory while small)
and sent from there, since a workbook is a zip that is finished only at the end.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.views.decorators.http import require_GET

from traseu.core.errors import InvalidInput, NotFound
from traseu.core.models import User
from traseu.exports.cells import csv_text
from traseu.exports.kinds import Filters
from traseu.exports.tables import Table, export_table, file_name
from traseu.exports.writers import CONTENT_TYPES, write_xlsx

SPOOL_BYTES = 8 * 1024 * 1024


class _Line:
    """A file-like object that hands back what the csv writer writes to it."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(table: Table) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(table.header)
    for row in table.rows:
        yield writer.writerow([csv_text(value) for value in row])


def _filters(request: HttpRequest) -> Filters:
    raw = request.GET.get("list", "")
    if not raw:
        return Filters()
    if not raw.isdigit():
        raise Http404
    return Filters(prospect_list=int(raw))


@login_required
@require_GET
def export_download(request: HttpRequest, kind: str, extension: str) -> HttpResponseBase:
    user = request.user
    assert isinstance(user, User)
    try:
        table = export_table(kind=kind, acting_user=user, filters=_filters(request))
    except (InvalidInput, NotFound) as error:
        raise Http404(error.message) from error
    name = file_name(kind, extension)
    if extension == "csv":
        response = StreamingHttpResponse(_csv_lines(table), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
    write_xlsx(table, spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"]
    )
