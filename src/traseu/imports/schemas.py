"""API shapes of import jobs."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from ninja import Field, Schema

from traseu.imports.jobs import FINISHED, job_error_path, job_errors, job_percent
from traseu.imports.models import ImportJob, ImportKind, JobStatus

ERRORS_IN_ANSWER = 20


class ImportIn(Schema):
    """The form fields sent with the file (multipart/form-data)."""

    kind: ImportKind = Field(description="What the file holds.")
    preset: str | None = Field(
        None, max_length=40, description="A shipped mapping: salesforce, hubspot or pipedrive."
    )
    mapping: str | None = Field(
        None,
        max_length=200_000,
        description="A mapping document (YAML, as `traseu import --mapping` reads). Send "
        "either this or preset.",
    )
    dry_run: bool = Field(False, description="Check and count, store nothing.")
    skip_invalid: bool = Field(False, description="Store the good rows even if some are bad.")
    encoding: str | None = Field(
        None, max_length=40, description="The CSV's encoding when it is not UTF-8 (cp1250...)."
    )
    process: str | None = Field(
        None,
        max_length=100,
        description="Deals: the process they run on (default: the mapping's defaults.process).",
    )


class Counts(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int = Field(description="Rows with errors.")


class RowErrorOut(Schema):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is row 1).")
    column: str
    value: str
    reason: str
    code: str


class ImportJobOut(Schema):
    id: int
    kind: ImportKind
    file_name: str
    source_system: str
    status: JobStatus = Field(
        description="pending (waiting for the worker), validating (checking every row), "
        "importing, done, rejected (bad rows and skip_invalid false: nothing stored), failed."
    )
    dry_run: bool
    skip_invalid: bool
    rows_total: int | None = Field(description="Rows to store; null until the check is done.")
    rows_done: int
    percent: int | None = Field(description="0-100 while storing; null while not known.")
    counts: Counts
    message: str = Field(description="Why a failed job failed.")
    errors: list[RowErrorOut] = Field(description="The first bad rows (once finished).")
    errors_url: str | None = Field(description="The CSV of every bad row, when there are any.")
    created_by: str | None
    started_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_percent(obj: ImportJob) -> int | None:
        return job_percent(obj)

    @staticmethod
    def resolve_counts(obj: ImportJob) -> dict[str, int]:
        return {
            "created": obj.created,
            "updated": obj.updated,
            "unchanged": obj.unchanged,
            "rejected": obj.rejected,
        }

    @staticmethod
    def resolve_errors(obj: ImportJob) -> list[dict[str, object]]:
        return job_errors(obj, limit=ERRORS_IN_ANSWER) if obj.status in FINISHED else []

    @staticmethod
    def resolve_errors_url(obj: ImportJob) -> str | None:
        if obj.status not in FINISHED or job_error_path(obj) is None:
            return None
        return reverse("api-v1:import_errors", args=[obj.pk])

    @staticmethod
    def resolve_created_by(obj: ImportJob) -> str | None:
        return obj.created_by.username if obj.created_by else None


class ImportPage(Schema):
    items: list[ImportJobOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class ImportFilters(Schema):
    kind: ImportKind | None = None
    status: JobStatus | None = None
    sort: str = Field("-started_at", description="started_at or -started_at (newest first).")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)
