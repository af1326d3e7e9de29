"""The import engine: check every row, then store them in committed batches.

Pass 1 streams the file and checks every row (values, references, owners) without writing;
each bad row is reported with its row number, column, value and reason, and written to the
error CSV. Without ``skip_invalid`` a file with any bad row stores nothing. Pass 2 streams the
file again and stores the good rows in batches, one transaction per batch together with the
job's progress, so a crash or a kill loses at most the batch in flight, leaves no half-stored
row, and a rerun finds what was stored (external ids, then normalised keys) and finishes the
job. A dry run does pass 2 inside one transaction that is rolled back, so its counts are what
would happen. Why batches rather than one transaction: see docs/imports.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit.context import audit_context
from traseu.core.errors import InvalidInput, TraseuError
from traseu.core.models import User
from traseu.crm.access import require_writer
from traseu.imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Context,
    Kind,
    prefetch_refs,
    quiet_text,
)
from traseu.imports.mapping import Mapping
from traseu.imports.models import ImportJob, JobStatus
from traseu.imports.reading import SourceRow, open_table
from traseu.imports.rowerrors import ErrorWriter, RowError, error_path
from traseu.imports.values import CellError, Cells

Progress = Callable[[str, int, int | None], None]
BATCH = 500


@dataclass
class ImportParams:
    """What to import; everything the command line, a page or the API can ask for."""

    kind: str
    path: Path
    mapping: Mapping
    user: User
    dry_run: bool = False
    skip_invalid: bool = False
    encoding: str | None = None
    sheet: str | None = None
    errors_path: Path | None = None
    process_key: str | None = None
    list_name: str | None = None
    #: Rows per chunk checked and per batch committed; None: the kind's own, else BATCH.
    batch_size: int | None = None
    # a job created beforehand (by a page or the API, status pending) to run into
    job: ImportJob | None = None


@dataclass
class ImportResult:
    job: ImportJob
    rows: int = 0
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys((CREATED, UPDATED, UNCHANGED, "rejected"), 0)
    )
    errors: list[RowError] = field(default_factory=list)
    error_file: Path | None = None
    stored: bool = False


class _DryRun(Exception):
    """Raised to roll back a dry run's transaction."""


def kind_handler(kind: str) -> Kind:
    from traseu.imports.kinds import HANDLERS

    if kind not in HANDLERS:
        raise InvalidInput(
            _("Cannot import %(kind)s yet.") % {"kind": kind}, code="import_kind_unavailable"
        )
    return HANDLERS[kind]()


def run_import(params: ImportParams, *, progress: Progress | None = None) -> ImportResult:
    """Import one file; returns the counts, the bad rows and the job.

    Guarantees: a read-only user is refused before anything is read; a bad row (without
    ``skip_invalid``) or a dry run stores nothing; every stored row is stored whole, in a
    committed batch, through the CRM's services or as the same rows they write, with audit
    rows ``via="import"`` naming the importing user.
    """
    require_writer(params.user)
    if params.mapping.kind != params.kind:
        raise InvalidInput(
            _("The mapping is for %(mapping)s, not %(kind)s.")
            % {"mapping": params.mapping.kind, "kind": params.kind},
            code="mapping_kind_mismatch",
        )
    handler = kind_handler(params.kind)
    job = _job(params)
    result = ImportResult(job=job)
    context = Context(params.mapping, params.user, job, params.process_key, params.list_name)
    report = progress or (lambda phase, done, total: None)
    try:
        with audit_context(via="import", actor=params.user):
            handler.prepare(context)
            _check(params, context, handler, result, report)
            if result.errors and not params.skip_invalid:
                _finish(job, result, JobStatus.REJECTED)
                return result
            _store(params, context, handler, result, report)
    except BaseException as error:
        job_failed(job, result, error)
        raise
    _finish(job, result, JobStatus.DONE)
    return result


def _job(params: ImportParams) -> ImportJob:
    fields = {
        "kind": params.kind,
        "file_name": str(params.path),
        "source_system": params.mapping.source,
        "mapping": params.mapping.model_dump(mode="json"),
        "dry_run": params.dry_run,
        "skip_invalid": params.skip_invalid,
        "created_by": params.user,
        "status": JobStatus.VALIDATING,
    }
    if params.job is None:
        return ImportJob.objects.create(**fields)
    job = params.job
    for name, value in fields.items():
        if name not in ("file_name", "created_by"):  # what the page recorded stays
            setattr(job, name, value)
    job.save()
    return job


def _rows(params: ImportParams) -> Iterator[SourceRow]:
    with open_table(params.path, encoding=params.encoding, sheet=params.sheet) as table:
        columns = [spec.column for spec in params.mapping.columns.values()]
        columns += [attribute.column for attribute in params.mapping.custom]
        missing = list(dict.fromkeys(c for c in columns if not table.has(c)))
        if missing:
            raise InvalidInput(
                _("The file has no column %(columns)s (its columns: %(found)s).")
                % {
                    "columns": ", ".join(f"'{c}'" for c in missing),
                    "found": ", ".join(table.headers),
                },
                code="column_missing",
                details={"missing": missing},
            )
        yield from table.rows


def _checked(context: Context, handler: Kind, row: SourceRow) -> tuple[Any, RowError | None]:
    extra = row.values.get("\x00extra")
    if extra:
        return None, RowError(
            row.number,
            "",
            "",
            _("The row has %(n)s cells, more than the header's columns.") % {"n": extra},
            "extra_cells",
        )
    try:
        return handler.check(context, Cells(context.mapping, row)), None
    except CellError as error:
        value = "" if error.value is None else str(error.value)
        return None, RowError(row.number, error.column, value, error.message, error.code)
    except TraseuError as error:
        if error.code.startswith(("mapping_", "process_")):
            raise
        return None, RowError(row.number, "", "", error.message, error.code)


def _checked_rows(
    params: ImportParams, context: Context, handler: Kind
) -> Iterator[tuple[SourceRow, Any, RowError | None]]:
    """Every row with its checked item or its problem, read a chunk at a time so that the
    lookups a chunk needs (references, access) take one query each."""
    chunk: list[SourceRow] = []
    for row in _rows(params):
        chunk.append(row)
        if len(chunk) >= _batch_size(params, handler):
            yield from _check_chunk(context, handler, chunk)
            chunk = []
    yield from _check_chunk(context, handler, chunk)


def _check_chunk(
    context: Context, handler: Kind, chunk: list[SourceRow]
) -> Iterator[tuple[SourceRow, Any, RowError | None]]:
    if not chunk:
        return
    mapping = context.mapping
    cells = [Cells(mapping, row) for row in chunk]
    kind = getattr(handler, "ref_kind", "")
    for name, source, ref_kind in (
        ("external_id", context.source, kind),
        ("account", mapping.refs_source, "account"),
        ("deal", mapping.deal_source or context.source, "deal"),
    ):
        if ref_kind and name in mapping.columns:
            prefetch_refs(context, source, ref_kind, (quiet_text(c, name) for c in cells))
    precheck = getattr(handler, "precheck", None)
    if precheck is not None:
        precheck(context, cells)
    for row in chunk:
        item, problem = _checked(context, handler, row)
        yield row, item, problem


def _check(
    params: ImportParams, context: Context, handler: Kind, result: ImportResult, report: Progress
) -> None:
    error_file = error_path(params.path, params.errors_path)
    with ErrorWriter(error_file) as writer:
        for _row, _item, problem in _checked_rows(params, context, handler):
            result.rows += 1
            if problem is not None:
                result.errors.append(problem)
                writer.write(problem)
            if result.rows % 100 == 0:
                report("check", result.rows, None)
    result.counts["rejected"] = len(result.errors)
    if result.errors:
        result.error_file = error_file
    report("check", result.rows, result.rows)


def _store(
    params: ImportParams, context: Context, handler: Kind, result: ImportResult, report: Progress
) -> None:
    job = result.job
    total = result.rows - len(result.errors)
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.IMPORTING, rows_total=total, rows_done=0
    )
    if params.dry_run:
        try:
            with transaction.atomic():
                _store_rows(params, context, handler, result, report, total, commit=False)
                raise _DryRun
        except _DryRun:
            pass
        return
    _store_rows(params, context, handler, result, report, total, commit=True)
    result.stored = True


def _store_rows(
    params: ImportParams,
    context: Context,
    handler: Kind,
    result: ImportResult,
    report: Progress,
    total: int,
    *,
    commit: bool,
) -> None:
    batch: list[Any] = []
    done = 0

    def flush() -> None:
        nonlocal done
        _prefetch(context, handler, batch)
        with transaction.atomic(), _batch_scope(context, handler):
            store_batch = getattr(handler, "store_batch", None)
            if store_batch is not None and batch:
                for outcome, count in store_batch(context, batch).items():
                    result.counts[outcome] += count
            for item in batch if store_batch is None else ():
                outcome = handler.store(context, item)
                if outcome:
                    result.counts[outcome] += 1
            done += len(batch)
            if commit:
                _progress(result, done)
        batch.clear()
        report("store", done, total)

    for _row, item, problem in _checked_rows(params, context, handler):
        if problem is None:
            batch.append(item)
        if len(batch) >= _batch_size(params, handler):
            flush()
    flush()
    with transaction.atomic():
        for outcome, count in handler.finish(context).items():
            result.counts[outcome] += count


def _batch_scope(context: Context, handler: Kind) -> AbstractContextManager[Any]:
    """What the kind opens around storing one batch (inside its transaction), if anything:
    work deferred to the batch's end, caches valid for the batch."""
    scope = getattr(handler, "batch_scope", None)
    return scope(context) if scope is not None else nullcontext()


def _batch_size(params: ImportParams, handler: Kind) -> int:
    return params.batch_size or int(getattr(handler, "batch_size", BATCH))


def _prefetch(context: Context, handler: Kind, batch: list[Any]) -> None:
    """One query for the batch's own references and one for the accounts it points at."""
    kind = getattr(handler, "ref_kind", "")
    if kind:
        ids = [getattr(item, "external_id", "") for item in batch]
        prefetch_refs(context, context.source, kind, ids)
    accounts = [getattr(item, "account_reference", "") for item in batch]
    prefetch_refs(context, context.mapping.refs_source, "account", accounts)
    prefetch = getattr(handler, "prefetch", None)
    if prefetch is not None and batch:
        prefetch(context, batch)


def _progress(result: ImportResult, done: int) -> None:
    c = result.counts
    ImportJob.objects.filter(pk=result.job.pk).update(
        rows_done=done,
        created=c[CREATED],
        updated=c[UPDATED],
        unchanged=c[UNCHANGED],
        updated_at=timezone.now(),
    )


def _finish(job: ImportJob, result: ImportResult, status: str) -> None:
    c = result.counts
    job.status, job.finished_at = status, timezone.now()
    stored = result.rows - len(result.errors)
    job.rows_total = stored if status == JobStatus.DONE else result.rows
    job.rows_done = stored if status == JobStatus.DONE else 0
    job.created, job.updated, job.unchanged = c[CREATED], c[UPDATED], c[UNCHANGED]
    job.rejected = c["rejected"]
    job.error_file = str(result.error_file or "")
    job.save()
    job.refresh_from_db()


def job_failed(job: ImportJob, result: ImportResult, error: BaseException) -> None:
    message = getattr(error, "message", "") or str(error) or type(error).__name__
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        message=message[:2000],
        finished_at=timezone.now(),
        error_file=str(result.error_file or ""),
    )
