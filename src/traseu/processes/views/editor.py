"""The designer's writing pages: the YAML editor with live validation, the stage form, and a new
process from a shipped template.

All three save through one service, :func:`traseu.processes.publishing.process_publish`, which
checks the right to publish, validates the whole document and stores a version only if it
changed. Document problems answer 422 with every problem (beside the field on the forms),
a refused publish 403, a stale editor 409; nothing is stored in any of these cases.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from traseu.core.errors import InvalidInput, TraseuError
from traseu.core.http import HtmxHttpRequest
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.processes.designer import document_with_stage_fields, stage_form_initial, template_text
from traseu.processes.forms import NewProcessForm, StageFormSet, add_problems, stage_changes
from traseu.processes.overview import version_text
from traseu.processes.publishing import document_check, process_publish
from traseu.processes.selectors import process_definition, process_version_get
from traseu.processes.services import ApplyResult
from traseu.processes.views import signed_in_user
from traseu.processes.views.pages import version_number

EDIT = "processes/edit.html"


def _see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def by_line(problems: list[DocumentProblem]) -> list[DocumentProblem]:
    """Problems in the order an author meets them in the text (whole-document ones first)."""
    return sorted(problems, key=lambda problem: problem.line)


def _version_url(key: str, result: ApplyResult) -> str:
    return f"{reverse('process_detail', args=[key])}?version={result.version.number}"


def _posted_base(request: HttpRequest) -> int | None:
    raw = request.POST.get("base", "").strip()
    if raw and not raw.isdigit():
        raise InvalidInput(_("'base' must be a version number."), code="invalid_version")
    return int(raw) if raw else None


def _published(request: HttpRequest, result: ApplyResult) -> None:
    number = result.version.number
    if result.created:
        messages.success(request, _("Published version %(number)s.") % {"number": number})
    else:
        message = _("Nothing changed: the document equals version %(number)s.")
        messages.info(request, message % {"number": number})


@login_required
@require_http_methods(["GET"])
def process_edit(request: HttpRequest, key: str) -> HttpResponse:
    """The YAML editor on the latest version (or, with ``?version=N``, on an older one's text)."""
    latest = process_version_get(key=key)
    number = version_number(request, "version")
    start = latest
    if number not in (None, latest.number):
        start = process_version_get(key=key, number=number)
    definition = process_definition(start)
    check = {"definition": definition}
    return _editor_page(request, key, version_text(start), latest.number, check, start=start)


def _editor_page(
    request: HttpRequest,
    key: str,
    text: str,
    base: int | None,
    check: dict[str, Any],
    *,
    start: Any = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    context = {
        "key": key,
        "name": process_version_get(key=key).name if start is None else start.name,
        "start": start,
        "text": text,
        "lines": range(1, text.count("\n") + 2),
        "base": base,
        "may_publish": user.may_publish_processes,
        **check,
    }
    return render(request, EDIT, context, status=status)


@login_required
@require_POST
def process_validate(request: HttpRequest) -> HttpResponse:
    """Check the posted document (``text``; ``key``: the process it must keep). Stores nothing:
    answers the list of problems, or that the document is valid."""
    try:
        definition = document_check(request.POST.get("text", ""), key=request.POST.get("key", ""))
    except ProcessDocumentError as error:
        return render(request, f"{EDIT}#check", {"problems": by_line(error.problems)})
    return render(request, f"{EDIT}#check", {"definition": definition})


@login_required
@require_POST
def process_publish_view(request: HtmxHttpRequest, key: str) -> HttpResponse:
    """Publish the posted ``text`` as the next version of ``key`` (``base``: the version the
    editor was opened on). With HTMX the answer is the check panel; else a redirect or the page."""
    process_version_get(key=key)  # 404 for an unknown process: this page creates none
    text = request.POST.get("text", "")
    base = _posted_base(request)
    try:
        result = process_publish(text=text, acting_user=signed_in_user(request), key=key, base=base)
    except ProcessDocumentError as error:
        return _publish_answer(request, key, text, base, {"problems": by_line(error.problems)}, 422)
    except TraseuError as error:
        return _publish_answer(request, key, text, base, {"error": error}, error.status)
    if not request.htmx:
        _published(request, result)
        return _see_other(_version_url(key, result))
    status = 201 if result.created else 200
    return _publish_answer(request, key, text, result.version.number, {"result": result}, status)


def _publish_answer(
    request: HtmxHttpRequest,
    key: str,
    text: str,
    base: int | None,
    check: dict[str, Any],
    status: int,
) -> HttpResponse:
    if request.htmx:
        context = {"key": key, "base": base, "oob": True, **check}
        return render(request, f"{EDIT}#published", context, status=status)
    return _editor_page(request, key, text, base, check, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def process_stages(request: HttpRequest, key: str) -> HttpResponse:
    """The stage form: name, goal, probability and responsible role of every stage, written
    into the document of version ``base`` and published like the editor's text."""
    user = signed_in_user(request)
    base = _posted_base(request) if request.method == "POST" else None
    version = process_version_get(key=key, number=base)
    definition = process_definition(version)
    formset = StageFormSet(
        request.POST if request.method == "POST" else None,
        initial=stage_form_initial(definition),
        prefix="stages",
    )
    context: dict[str, Any] = {"key": key, "version": version, "formset": formset}
    context["may_publish"] = user.may_publish_processes
    if request.method == "GET":
        return render(request, "processes/stages.html", context)
    if formset.is_valid():
        text = document_with_stage_fields(definition, stage_changes(formset))
        try:
            result = process_publish(text=text, acting_user=user, key=key, base=version.number)
        except ProcessDocumentError as error:
            context["problems"] = add_problems(formset, error.problems)
        except TraseuError as error:
            context["error"] = error
            return render(request, "processes/stages.html", context, status=error.status)
        else:
            _published(request, result)
            return _see_other(_version_url(key, result))
    return render(request, "processes/stages.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def process_new(request: HttpRequest) -> HttpResponse:
    """A new process: a shipped document under a new key and name, published as version 1."""
    user = signed_in_user(request)
    form = NewProcessForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "may_publish": user.may_publish_processes}
    if request.method == "GET":
        return render(request, "processes/new.html", context)
    if form.is_valid():
        data = form.cleaned_data
        text = template_text(data["template"], key=data["key"], name=data["name"])
        try:
            result = process_publish(text=text, acting_user=user, key=data["key"], new=True)
        except ProcessDocumentError as error:
            for problem in error.problems:
                form.add_error("key" if problem.path == "key" else None, problem.message)
        except TraseuError as error:
            context["error"] = error
            return render(request, "processes/new.html", context, status=error.status)
        else:
            _published(request, result)
            return _see_other(reverse("process_detail", args=[data["key"]]))
    return render(request, "processes/new.html", context, status=422)
