"""django-tasks tasks of the importer: they take ids, and a task delivered twice runs once."""

from __future__ import annotations

from django_tasks import task

from traseu.imports.jobs import job_run


@task()
def run_import_job(
    job_id: int, token: str, encoding: str | None = None, process_key: str | None = None
) -> str:
    """Run a pending import job over its uploaded file (see :func:`job_run`)."""
    return job_run(job_id, token, encoding, process_key)
