"""The import wizard's first steps: upload the file, map its columns (or pick a preset), map
the stage names of a deals file. Each step that succeeds starts a dry run and shows it
(:mod:`traseu.imports.views_jobs`).

Refused input comes back as the same page with the error beside its field (422). Only users
who may write reach these pages (403 otherwise); an upload is seen by the person who sent it
and administrators (404 for anyone else).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from traseu.core.errors import InvalidInput, TraseuError
from traseu.crm.access import require_writer
from traseu.crm.views.common import error_response, see_other, signed_in_user
from traseu.imports.forms import ColumnsForm, StagesForm, UploadForm
from traseu.imports.jobs import job_start
from traseu.imports.mapping import Mapping, load_mapping_text, load_preset
from traseu.imports.staging import Staged, staged_create, staged_get
from traseu.imports.wizard import (
    ColumnChoice,
    MappingChoicesError,
    build_document,
    mapping_yaml,
    missing_columns,
    validate_document,
)
from traseu.process.definition import StageKind
from traseu.process.errors import ProcessDocumentError
from traseu.processes.selectors import process_definition, process_versions_latest

STEPS = (
    ("upload", gettext_lazy("Upload")),
    ("map", gettext_lazy("Map columns")),
    ("preview", gettext_lazy("Preview")),
    ("run", gettext_lazy("Import")),
)


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, f"imports/{template}", context, status=status)


def _add_error(form: Any, error: TraseuError) -> None:
    field = error.details.get("field") if isinstance(error.details, dict) else None
    form.add_error(field if field in form.fields else None, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the file, what it holds, its encoding."""
    user = signed_in_user(request)
    try:
        require_writer(user)
    except TraseuError as error:
        return error_response(request, error)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            staged = staged_create(
                file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                encoding=form.cleaned_data["encoding"],
                user=user,
            )
        except InvalidInput as error:
            _add_error(form, error)
        else:
            return see_other(reverse("import_map", args=[staged.token]))
    status = 422 if form.errors else 200
    return _page(request, "upload.html", {"form": form, "step": "upload", "steps": STEPS}, status)


def _staged(request: HttpRequest, token: str) -> Staged:
    user = signed_in_user(request)
    require_writer(user)
    return staged_get(token=token, user=user)


def _start_preview(request: HttpRequest, staged: Staged, mapping: Mapping) -> HttpResponse:
    staged.save_mapping(mapping_yaml(mapping.model_dump(mode="json", exclude_defaults=True)))
    job = job_start(
        staged=staged,
        mapping=mapping,
        user=signed_in_user(request),
        dry_run=True,
        skip_invalid=True,
    )
    return see_other(reverse("import_job", args=[job.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2: a preset, or a target for each column; deals go on to their stage names."""
    try:
        staged = _staged(request, token)
    except TraseuError as error:
        return error_response(request, error)
    form = ColumnsForm(request.POST or None, staged=staged)
    if request.method == "POST" and form.is_valid():
        try:
            return _mapped(request, staged, form)
        except MappingChoicesError as error:
            for header, message in error.fields.items():
                number = staged.headers.index(header)
                form.add_error(f"col_{number}", message)
            for message in error.general:
                form.add_error(None, message)
        except TraseuError as error:
            _add_error(form, error)
    context = {"form": form, "staged": staged, "step": "map", "steps": STEPS}
    return _page(request, "map.html", context, 422 if form.errors else 200)


def _mapped(request: HttpRequest, staged: Staged, form: ColumnsForm) -> HttpResponse:
    preset = form.cleaned_data.get("preset")
    if preset:
        mapping = load_preset(preset, staged.kind)
        problem = missing_columns(mapping, staged.headers)
        if problem is not None:
            raise InvalidInput(problem.message, code=problem.code, details={"field": "preset"})
        return _start_preview(request, staged, mapping)
    targets = form.targets()
    choices = [ColumnChoice(h, t, staged.distinct(h)) for h, t in targets.items()]
    if staged.kind == "deals" and "field:stage" in targets.values():
        # Check everything but the stage names now; they are the next step.
        document = build_document(
            kind=staged.kind,
            columns=choices,
            source=form.cleaned_data["source"],
            stages={"-": "lost"},
            process="-",
        )
        del document["stages"], document["defaults"]
        staged.save_draft(document)
        return see_other(reverse("import_stages", args=[staged.token]))
    document = build_document(kind=staged.kind, columns=choices, source=form.cleaned_data["source"])
    return _start_preview(request, staged, Mapping.model_validate(document))


def _process_choices() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Every process (key, name) and the stages of each that a deal can be in while open or
    after the sale."""
    processes: list[tuple[str, str]] = []
    stages: dict[str, list[tuple[str, str]]] = {}
    for version in process_versions_latest():
        key = version.process.key
        processes.append((key, version.name))
        definition = process_definition(version)
        stages[key] = [
            (s.key, s.name)
            for s in definition.stages
            if s.kind not in (StageKind.WON, StageKind.LOST)
        ]
    return processes, stages


@login_required
@require_http_methods(["GET", "POST"])
def import_stages(request: HttpRequest, token: str) -> HttpResponse:
    """Step 2b (deals): which stage, or won or lost, each stage name of the file means."""
    try:
        staged = _staged(request, token)
    except TraseuError as error:
        return error_response(request, error)
    draft = staged.draft()
    if draft is None:
        return see_other(reverse("import_map", args=[staged.token]))
    processes, stages = _process_choices()
    if not processes:
        missing = InvalidInput(_("No sales process exists yet: apply one before importing deals."))
        return error_response(request, missing)
    chosen = request.POST.get("process") or request.GET.get("process") or ""
    if chosen not in stages:
        chosen = "classic" if "classic" in stages else processes[0][0]
    stage_column = draft["columns"]["stage"]
    stage_column = stage_column if isinstance(stage_column, str) else stage_column["column"]
    names = staged.distinct(stage_column) or []
    form = StagesForm(
        request.POST or None,
        initial={"process": chosen},
        names=names,
        processes=processes,
        stages=stages[chosen],
    )
    if request.method == "POST" and form.is_valid():
        document = {**draft, "stages": form.stage_map(), "defaults": {"process": chosen}}
        if not document["stages"]:
            document.pop("stages")
        try:
            return _start_preview(request, staged, validate_document(document))
        except MappingChoicesError as error:
            for message in error.general:
                form.add_error(None, message)
        except TraseuError as error:
            _add_error(form, error)
    context = {
        "form": form,
        "staged": staged,
        "stage_column": stage_column,
        "too_many": staged.distinct(stage_column) is None,
        "step": "map",
        "steps": STEPS,
    }
    return _page(request, "stages.html", context, 422 if form.errors else 200)


@login_required
@require_GET
def mapping_download(request: HttpRequest, token: str) -> HttpResponse:
    """The mapping document the wizard made, to reuse with ``traseu import --mapping``."""
    try:
        staged = _staged(request, token)
        text = staged.mapping_text()
        if not text:
            raise InvalidInput(_("This upload has no mapping yet."), code="mapping_missing")
        load_mapping_text(text)
    except ProcessDocumentError:
        return error_response(request, InvalidInput(_("The stored mapping is not valid.")))
    except TraseuError as error:
        return error_response(request, error)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{staged.kind}-mapping.yaml"'
    return response
