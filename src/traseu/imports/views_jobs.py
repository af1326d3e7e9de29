"""Import jobs on the web: the list of past imports, a job's page (progress while it runs,
then its counts and bad rows), running the import a preview checked, the error file.

A running job's status block asks for itself again every second with HTMX until the job is
finished; without JavaScript the page has a "Refresh" link. Jobs are seen by the person who
started them and administrators (404 for anyone else).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.core.errors import InvalidInput, NotFound, TraseuError
from traseu.crm.views.common import error_response, may_write, see_other, signed_in_user
from traseu.imports.forms import RunForm
from traseu.imports.jobs import (
    FINISHED,
    job_error_path,
    job_errors,
    job_for,
    job_percent,
    job_start,
    job_token,
    jobs_visible_to,
)
from traseu.imports.mapping import Mapping
from traseu.imports.models import ImportJob, JobStatus
from traseu.imports.staging import staged_get
from traseu.imports.views_wizard import STEPS

PER_PAGE = 25


@login_required
@require_GET
def imports_index(request: HttpRequest) -> HttpResponse:
    """Past imports, newest first: what, status, counts, who and when."""
    user = signed_in_user(request)
    page = Paginator(jobs_visible_to(user), PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "jobs": page.object_list, "may_write": may_write(request)}
    return render(request, "imports/index.html", context)


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    finished = job.status in FINISHED
    token = job_token(job)
    return {
        "job": job,
        "finished": finished,
        "percent": job_percent(job),
        "errors": job_errors(job) if finished else [],
        "has_error_file": finished and job_error_path(job) is not None,
        "token": token,
        "may_run": token is not None and _runnable(job) and may_write(request),
        "step": "preview" if job.dry_run else "run",
        "steps": STEPS,
    }


def _runnable(job: ImportJob) -> bool:
    """A finished preview can be imported; so can a refused import (skipping its bad rows)."""
    if job.dry_run:
        return job.status == JobStatus.DONE
    return job.status == JobStatus.REJECTED


@login_required
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A job: its progress while it runs; then its counts, its bad rows and what to do next."""
    try:
        job = job_for(user=signed_in_user(request), job_id=job_id)
    except TraseuError as error:
        return error_response(request, error)
    context = {**_job_context(request, job), "run_form": RunForm()}
    return render(request, "imports/job.html", context)


@login_required
@require_GET
def import_job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's status block alone, for the page's polling."""
    try:
        job = job_for(user=signed_in_user(request), job_id=job_id)
    except TraseuError as error:
        return error_response(request, error)
    context = {**_job_context(request, job), "run_form": RunForm()}
    return render(request, "imports/job.html#status", context)


@login_required
@require_POST
def import_job_run(request: HttpRequest, job_id: int) -> HttpResponse:
    """Import for real what the preview (a dry run) checked, in the background."""
    user = signed_in_user(request)
    try:
        preview = job_for(user=user, job_id=job_id)
        token = job_token(preview)
        if token is None or not _runnable(preview):
            raise InvalidInput(
                _("Only a finished preview can be imported."), code="import_not_previewed"
            )
        staged = staged_get(token=token, user=user)
        form = RunForm(request.POST)
        form.is_valid()
        job = job_start(
            staged=staged,
            mapping=Mapping.model_validate(preview.mapping),
            user=user,
            dry_run=False,
            skip_invalid=bool(form.cleaned_data.get("skip_invalid")),
        )
    except TraseuError as error:
        return error_response(request, error)
    return see_other(reverse("import_job", args=[job.pk]))


@login_required
@require_GET
def import_job_errors(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The job's bad rows as CSV: row, column, value, reason, code."""
    try:
        job = job_for(user=signed_in_user(request), job_id=job_id)
        path = job_error_path(job)
        if path is None:
            raise NotFound(_("This import has no error file."), code="error_file_missing")
    except TraseuError as error:
        return error_response(request, error)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )
