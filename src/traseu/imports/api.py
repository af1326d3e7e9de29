"""REST API of imports: send a file with a mapping (or a preset), follow the job, fetch its bad
rows. The import runs in the background (``traseu worker``); the answer is 202 with the job."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import idempotent, merge, responses
from traseu.apikit.pagination import paginate
from traseu.core.errors import InvalidInput, NotFound
from traseu.imports.jobs import job_error_path, job_for, job_start, jobs_visible_to
from traseu.imports.mapping import Mapping, load_mapping_text, load_preset
from traseu.imports.models import ImportJob
from traseu.imports.schemas import ImportFilters, ImportIn, ImportJobOut, ImportPage
from traseu.imports.staging import staged_create, staged_discard
from traseu.imports.wizard import missing_columns
from traseu.process.errors import ProcessDocumentError

router = Router(tags=["imports"])
SORT_KEYS = {"started_at": "started_at"}


def _mapping(data: ImportIn) -> Mapping:
    kind = str(data.kind)
    if bool(data.preset) == bool(data.mapping):
        raise InvalidInput(
            _("Send either a preset or a mapping document."),
            code="mapping_required",
            details={"fields": ["preset", "mapping"]},
        )
    if data.preset:
        return load_preset(data.preset.strip().lower(), kind)
    try:
        mapping = load_mapping_text(str(data.mapping))
    except ProcessDocumentError as error:
        problems = [
            {"code": p.code, "path": p.path, "line": p.line, "message": p.message}
            for p in error.problems
        ]
        raise InvalidInput(
            _("The mapping document has %(count)s problem(s).") % {"count": len(problems)},
            code="invalid_mapping",
            details={"field": "mapping", "problems": problems},
        ) from error
    if mapping.kind != kind:
        raise InvalidInput(
            _("The mapping is for %(mapping)s, not %(kind)s.")
            % {"mapping": mapping.kind, "kind": kind},
            code="mapping_kind_mismatch",
            details={"field": "mapping"},
        )
    return mapping


@router.post(
    "",
    url_name="import_create",
    response=responses({202: ImportJobOut}, 400, 403, 404, 409, 422),
    openapi_extra=merge(idempotent()),
)
def import_create(
    request: HttpRequest, response: HttpResponse, data: Form[ImportIn], file: File[UploadedFile]
) -> Status[ImportJob]:
    """Start an import: the file (CSV or XLSX) is checked at once (size, type, encoding,
    header: 422 with ``details.field``), then imported in the background. Follow the job with
    GET /imports/{id} until its status is done, rejected or failed."""
    user = user_of(request)
    mapping = _mapping(data)
    staged = staged_create(file=file, kind=str(data.kind), encoding=data.encoding, user=user)
    problem = missing_columns(mapping, staged.headers)
    if problem is not None:
        staged_discard(staged)
        raise problem
    job = job_start(
        staged=staged,
        mapping=mapping,
        user=user,
        dry_run=data.dry_run,
        skip_invalid=data.skip_invalid,
        process_key=data.process or None,
    )
    response["Location"] = reverse("api-v1:import_get", args=[job.pk])
    return Status(202, job_for(user=user, job_id=job.pk))


@router.get("", url_name="import_list", response=responses({200: ImportPage}, 400, 422))
def import_list(request: HttpRequest, filters: Query[ImportFilters]) -> dict[str, Any]:
    """Past imports, newest first: yours (every one for administrators)."""
    rows = jobs_visible_to(user_of(request))
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    page = paginate(
        rows, sort=filters.sort, keys=SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get("/{id:job_id}", url_name="import_get", response=responses({200: ImportJobOut}, 404))
def import_get(request: HttpRequest, job_id: int) -> ImportJob:
    """One import: status, progress, counts and its first bad rows."""
    return job_for(user=user_of(request), job_id=job_id)


CSV_ANSWER = {
    "responses": {
        200: {
            "description": "Every bad row: row, column, value, reason, code.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/{id:job_id}/errors.csv",
    url_name="import_errors",
    response=responses({200: None}, 404),
    openapi_extra=CSV_ANSWER,
)
def import_errors(request: HttpRequest, job_id: int) -> FileResponse:
    """The import's bad rows as CSV (404 ``error_file_missing`` when it had none)."""
    job = job_for(user=user_of(request), job_id=job_id)
    path = job_error_path(job)
    if path is None:
        raise NotFound(_("This import has no error file."), code="error_file_missing")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )
