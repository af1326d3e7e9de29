"""The designer's reading pages: the list of processes, a version's route, and a comparison."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from traseu.core.errors import InvalidInput
from traseu.processes.compare import compare, yaml_diff
from traseu.processes.designer import diagram
from traseu.processes.overview import process_overview, process_versions, version_text
from traseu.processes.selectors import process_definition, process_version_get
from traseu.processes.views import signed_in_user


def version_number(request: HttpRequest, name: str) -> int | None:
    """A version number from the query string (absent or empty: none)."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(
            _("'%(name)s' must be a version number, not '%(value)s'.")
            % {"name": name, "value": raw},
            code="invalid_version",
            details={"field": name},
        )
    return int(raw)


@login_required
@require_GET
def process_list(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    rows = process_overview(user=user)
    return render(
        request,
        "processes/list.html",
        {"rows": rows, "may_publish": user.may_publish_processes},
    )


@login_required
@require_GET
def process_detail(request: HttpRequest, key: str) -> HttpResponse:
    user = signed_in_user(request)
    version = process_version_get(key=key, number=version_number(request, "version"))
    versions = process_versions(user=user, key=key)
    definition = process_definition(version)
    context = {
        "key": key,
        "version": version,
        "versions": versions,
        "latest": versions[0],
        "current": next(row for row in versions if row.number == version.number),
        "definition": definition,
        "diagram": diagram(definition),
        "may_publish": user.may_publish_processes,
    }
    return render(request, "processes/detail.html", context)


@login_required
@require_GET
def process_compare(request: HttpRequest, key: str) -> HttpResponse:
    """``?a=N&b=M``: what changed from version a to version b (defaults: the latest two)."""
    user = signed_in_user(request)
    versions = process_versions(user=user, key=key)
    if not versions:
        process_version_get(key=key)  # raises the usual 404
    b = version_number(request, "b") or versions[0].number
    a = version_number(request, "a") or (b - 1 if b > 1 else b)
    older, newer = process_version_get(key=key, number=a), process_version_get(key=key, number=b)
    before, after = process_definition(older), process_definition(newer)
    context = {
        "key": key,
        "versions": versions,
        "a": older,
        "b": newer,
        "name": newer.name,
        "comparison": compare(before, after),
        "diff": yaml_diff(
            version_text(older),
            version_text(newer),
            before_name=f"{key} v{a}",
            after_name=f"{key} v{b}",
        ),
    }
    return render(request, "processes/compare.html", context)
