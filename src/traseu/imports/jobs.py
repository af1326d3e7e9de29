"""Import jobs started from the web wizard or the API, run in the background by ``traseu
worker`` (django-tasks), and read back by their pages.

:func:`job_start` creates the job (status ``pending``) at once, so a page can show it and poll
it, and enqueues :func:`traseu.imports.tasks.run_import_job` once the transaction commits.
:func:`job_run` is what the task does: the engine's two passes over the file, writing into that
same job. A job is visible to the person who started it and to administrators; anyone else
gets the 404 of a job that does not exist.
"""

from __future__ import annotations

import contextlib
import csv
import time
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, NotFound
from traseu.core.models import User
from traseu.crm.access import require_writer, sees_everything
from traseu.imports import engine
from traseu.imports.engine import ImportParams, ImportResult
from traseu.imports.mapping import Mapping
from traseu.imports.models import ImportJob, JobStatus
from traseu.imports.staging import Staged, staged_link_job, staged_token_for_job, uploads_root

FINISHED = frozenset({JobStatus.DONE, JobStatus.REJECTED, JobStatus.FAILED})
ERRORS_SHOWN = 50


def job_start(
    *,
    staged: Staged,
    mapping: Mapping,
    user: User,
    dry_run: bool,
    skip_invalid: bool,
    process_key: str | None = None,
) -> ImportJob:
    """Create a pending job for ``staged`` read through ``mapping`` and enqueue it after commit.

    Refuses (403) a user who may not write, and (422) a mapping of another kind."""
    require_writer(user)
    if mapping.kind != staged.kind:
        raise InvalidInput(
            _("The mapping is for %(mapping)s, not %(kind)s.")
            % {"mapping": mapping.kind, "kind": staged.kind},
            code="mapping_kind_mismatch",
            details={"field": "mapping"},
        )
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=staged.kind,
            file_name=staged.name,
            source_system=mapping.source,
            mapping=mapping.model_dump(mode="json"),
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            created_by=user,
            status=JobStatus.PENDING,
        )
        staged_link_job(staged, job.pk)
        arguments = (job.pk, staged.token, staged.encoding, process_key)
        transaction.on_commit(lambda: _enqueue(*arguments), robust=False)
    return job


def _enqueue(job_id: int, token: str, encoding: str | None, process_key: str | None) -> None:
    from traseu.imports.tasks import run_import_job

    run_import_job.enqueue(job_id, token, encoding, process_key)


def job_run(
    job_id: int, token: str, encoding: str | None = None, process_key: str | None = None
) -> str:
    """Run a pending job (what the background task does); a job already started is left alone
    (a task delivered twice runs once). Returns the job's final status."""
    claimed = ImportJob.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.VALIDATING, updated_at=timezone.now()
    )
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or not claimed:
        return job.status if job is not None else "missing"
    root = uploads_root() / token
    stored = next(root.glob("source.*"), root / "source.csv")
    user = job.created_by
    try:
        if user is None:
            raise InvalidInput(_("The person who started the import no longer exists."))
        params = ImportParams(
            kind=job.kind,
            path=stored,
            mapping=Mapping.model_validate(job.mapping),
            user=user,
            dry_run=job.dry_run,
            skip_invalid=job.skip_invalid,
            encoding=encoding,
            errors_path=root / f"errors-{job.pk}.csv",
            process_key=process_key,
            job=job,
        )
    except Exception as error:  # the job says what failed; the worker goes on
        engine.job_failed(job, ImportResult(job=job), error)
    else:
        with contextlib.suppress(Exception):  # run_import recorded the failure on the job
            engine.run_import(params, progress=_Progress(job.pk))
    job.refresh_from_db()
    return str(job.status)


class _Progress:
    """Shows the check pass's progress too (the engine records only the store pass): rows
    checked so far, at most twice a second."""

    def __init__(self, job_id: int) -> None:
        self.job_id, self.shown = job_id, 0.0

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if phase != "check" or now - self.shown < 0.5:
            return
        self.shown = now
        ImportJob.objects.filter(pk=self.job_id, status=JobStatus.VALIDATING).update(
            rows_done=done, updated_at=timezone.now()
        )


def jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """The jobs ``user`` may see, newest first: their own; all of them for administrators."""
    jobs = ImportJob.objects.select_related("created_by").order_by("-started_at", "-pk")
    return jobs if sees_everything(user) else jobs.filter(created_by=user)


def job_for(*, user: User, job_id: int) -> ImportJob:
    """Fetch-and-authorise: the job, or NotFound when it is missing or not ``user``'s."""
    job = jobs_visible_to(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No such import."), code="import_not_found")
    return job


def job_token(job: ImportJob) -> str | None:
    """The upload a job read (web and API jobs; a command-line job has none)."""
    return staged_token_for_job(job.pk)


def job_error_path(job: ImportJob) -> Path | None:
    path = Path(job.error_file) if job.error_file else None
    return path if path is not None and path.is_file() else None


def job_errors(job: ImportJob, *, limit: int = ERRORS_SHOWN) -> list[dict[str, Any]]:
    """The first ``limit`` bad rows from the job's error file (row, column, value, reason,
    code)."""
    path = job_error_path(job)
    if path is None:
        return []
    found: list[dict[str, Any]] = []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for record in csv.DictReader(handle):
            if len(found) >= limit:
                break
            value = record.get("value") or ""
            if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r"):
                value = value[1:]  # the error file quotes formula-like cells
            found.append(
                {
                    "row": int(record.get("row") or 0),
                    "column": record.get("column") or "",
                    "value": value,
                    "reason": record.get("reason") or "",
                    "code": record.get("code") or "",
                }
            )
    return found


def job_percent(job: ImportJob) -> int | None:
    """How far the store pass is, 0-100; None while the total is not known."""
    if job.status == JobStatus.DONE:
        return 100
    if job.status != JobStatus.IMPORTING or not job.rows_total:
        return None
    return min(100, int(job.rows_done * 100 / job.rows_total))
