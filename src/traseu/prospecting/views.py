"""Prospecting pages: the lists, a list's prospects with their fit, and the writes on them.

Every write is a POST that calls one service; without JavaScript it answers 303 back to the
list (with a message), and a refused add comes back as the page with the error beside its
field (422). Another team's list is a 404 on every route; read-only users get 403 on writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from traseu.core.errors import InvalidInput, NotFound, TraseuError
from traseu.core.http import HtmxHttpRequest
from traseu.crm.access import require_writer
from traseu.crm.views.common import error_response, may_write, signed_in_user
from traseu.processes.models import ProcessVersion
from traseu.prospecting.conversion import prospects_convert
from traseu.prospecting.fit import profile_definition
from traseu.prospecting.forms import (
    STATUS_CHOICES,
    ConvertForm,
    ListForm,
    ProfileForm,
    ProspectForm,
    add_service_error,
    chosen_prospects,
    prospect_filters,
)
from traseu.prospecting.models import ProspectList, ProspectStatus
from traseu.prospecting.selectors import (
    FIT_BANDS,
    LIST_SORTING,
    PROSPECT_SORTING,
    process_choices,
    prospect_list_for,
    prospect_lists_page,
    prospects_page,
    status_counts,
)
from traseu.prospecting.services import (
    prospect_add,
    prospect_list_create,
    prospect_list_set_profile,
    prospect_set_status,
)

LIST_COLUMNS = (
    ("name", gettext_lazy("Name"), True),
    ("profile", gettext_lazy("Ideal customer profile"), False),
    ("prospects", gettext_lazy("Prospects"), True),
    ("statuses", gettext_lazy("New · researching · disqualified · converted"), False),
    ("fit", gettext_lazy("Average fit"), True),
    ("created", gettext_lazy("Created"), True),
)
PROSPECT_COLUMNS = (
    ("company", gettext_lazy("Company"), True),
    ("contact", gettext_lazy("Contact"), False),
    ("country", gettext_lazy("Country"), True),
    ("account", gettext_lazy("Existing account"), False),
    ("status", gettext_lazy("Status"), True),
    ("fit", gettext_lazy("Fit"), True),
)


def _headers(
    request: HtmxHttpRequest, columns: Sequence[tuple[str, Any, bool]], sort: str
) -> list[dict[str, Any]]:
    """Each column's header: a link that sorts by it (reversed when it is the current sort)."""
    query = request.GET.copy()
    for name in ("page", "sort"):
        query.pop(name, None)
    headers = []
    for key, label, sortable in columns:
        state = {key: "ascending", f"-{key}": "descending"}.get(sort, "") if sortable else ""
        query["sort"] = f"-{key}" if sort == key else key
        href = f"?{query.urlencode()}" if sortable else ""
        headers.append({"key": key, "label": label, "href": href, "state": state})
    return headers


def _render_list(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], page: Page[Any]
) -> HttpResponse:
    """The whole page, or only its results when the live search asks for them (HTMX)."""
    query = request.GET.copy()
    query.pop("page", None)
    context |= {"page": page, "rows": page.object_list, "query": query.urlencode()}
    htmx = request.htmx
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    response = render(request, f"{template}#results" if partial else template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def prospects_index(request: HtmxHttpRequest) -> HttpResponse:
    """The prospect lists the user sees, searchable and sortable."""
    sort = LIST_SORTING.resolve(request.GET.get("sort", ""))
    search = request.GET.get("q", "").strip()[:200]
    page = prospect_lists_page(
        user=signed_in_user(request), search=search, sort=sort, page=request.GET.get("page")
    )
    context = {
        "search": search,
        "sort": sort,
        "headers": _headers(request, LIST_COLUMNS, sort),
        "may_write": may_write(request),
        "form": ListForm(),
    }
    return _render_list(request, "prospecting/lists.html", context, page)


@login_required
@require_POST
def prospect_list_new(request: HtmxHttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        require_writer(user)
    except TraseuError as error:
        return error_response(request, error)
    form = ListForm(request.POST)
    if form.is_valid():
        try:
            created = prospect_list_create(
                name=form.cleaned_data["name"],
                profile=form.cleaned_data["profile"],
                acting_user=user,
            )
        except InvalidInput as error:
            add_service_error(form, error)
        else:
            return _back(created.pk)
    sort = LIST_SORTING.default
    page = prospect_lists_page(user=user, sort=sort)
    context = {
        "search": "",
        "sort": sort,
        "headers": _headers(request, LIST_COLUMNS, sort),
        "may_write": True,
        "form": form,
        "page": page,
        "rows": page.object_list,
    }
    return render(request, "prospecting/lists.html", context, status=422)


def _list_context(
    request: HtmxHttpRequest, prospect_list: ProspectList, **forms: Any
) -> dict[str, Any]:
    filters = prospect_filters(request.GET)
    sort = PROSPECT_SORTING.resolve(request.GET.get("sort", ""))
    page = prospects_page(
        prospect_list=prospect_list, filters=filters, sort=sort, page=request.GET.get("page")
    )
    processes = process_choices()
    profile = prospect_list.profile
    # Criteria described in the reader's language; the stored explanation has the words of
    # whoever triggered the scoring.
    labels = {c.key: c.describe() for c in profile_definition(profile).criteria} if profile else {}
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "plist": prospect_list,
        "filters": filters,
        "sort": sort,
        "headers": _headers(request, PROSPECT_COLUMNS, sort),
        "counts": status_counts(prospect_list),
        "statuses": ProspectStatus.choices,
        "status_choices": STATUS_CHOICES,
        "fit_bands": FIT_BANDS,
        "labels": labels,
        "processes": processes,
        "may_write": may_write(request),
        "page": page,
        "rows": page.object_list,
        "query": query.urlencode(),
        "add_form": forms.get("add_form") or ProspectForm(),
        "profile_form": ProfileForm(initial={"profile": prospect_list.profile_id}),
        "convert_form": forms.get("convert_form")
        or ConvertForm(processes=[(v.pk, str(v.name)) for v in processes]),
    }


def _list(request: HtmxHttpRequest, list_id: int) -> ProspectList | HttpResponse:
    try:
        return prospect_list_for(signed_in_user(request), list_id)
    except TraseuError as error:
        return error_response(request, error)


def _writable(request: HtmxHttpRequest, list_id: int) -> ProspectList | HttpResponse:
    """The list if the user sees it (else 404) and may change records (else 403)."""
    found = _list(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    try:
        require_writer(signed_in_user(request))
    except TraseuError as error:
        return error_response(request, error)
    return found


@login_required
@require_GET
def prospect_list_detail(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    """A list's prospects with their fit and its explanation, filters, and the bulk convert."""
    found = _list(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    context = _list_context(request, found)
    htmx = request.htmx
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    template = "prospecting/list.html#results" if partial else "prospecting/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _back(list_id: int) -> HttpResponse:
    """303 back to the list (the browser GETs it and shows the messages)."""
    return HttpResponseRedirect(reverse("prospect_list", args=[list_id]), status=303)


@login_required
@require_POST
def prospect_list_profile(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    found = _writable(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    form = ProfileForm(request.POST)
    if form.is_valid():
        prospect_list_set_profile(
            prospect_list=found,
            profile=form.cleaned_data["profile"],
            acting_user=signed_in_user(request),
        )
        messages.success(request, _("The prospects were scored against the profile."))
    else:
        messages.error(request, _("Pick one of the profiles."))
    return _back(list_id)


@login_required
@require_POST
def prospect_add_view(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    found = _writable(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    form = ProspectForm(request.POST)
    if form.is_valid():
        try:
            result = prospect_add(
                prospect_list=found, acting_user=signed_in_user(request), **form.cleaned_data
            )
        except InvalidInput as error:
            add_service_error(form, error)
        else:
            names = {"company": result.prospect.company_name}
            if result.created:
                messages.success(request, _("%(company)s added.") % names)
            else:
                messages.info(request, _("%(company)s is on the list already.") % names)
            return _back(list_id)
    context = _list_context(request, found, add_form=form)
    return render(request, "prospecting/list.html", context | {"add_open": True}, status=422)


@login_required
@require_POST
def prospect_status_view(request: HtmxHttpRequest, list_id: int, prospect_id: int) -> HttpResponse:
    found = _writable(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    prospect = found.prospects.filter(pk=prospect_id).first()
    if prospect is None:
        missing = _("No prospect %(id)s in this list.") % {"id": prospect_id}
        return error_response(request, NotFound(missing, code="prospect_not_found"))
    try:
        prospect_set_status(
            prospect=prospect,
            status=request.POST.get("status", ""),
            reason=request.POST.get("reason", ""),
            acting_user=signed_in_user(request),
        )
    except InvalidInput as error:
        messages.error(request, f"{prospect.company_name}: {error.message}")
    return _back(list_id)


@login_required
@require_POST
def prospects_convert_view(request: HtmxHttpRequest, list_id: int) -> HttpResponse:
    """Convert the ticked prospects; say how many became deals and why any did not."""
    found = _writable(request, list_id)
    if isinstance(found, HttpResponse):
        return found
    versions = {v.pk: v for v in process_choices()}
    form = ConvertForm(request.POST, processes=[(pk, v.name) for pk, v in versions.items()])
    chosen = chosen_prospects(request.POST)
    if not form.is_valid() or not chosen:
        messages.error(request, _("Tick the prospects to convert and pick a process."))
        return _back(list_id)
    version: ProcessVersion = versions[form.cleaned_data["process"]]
    report = prospects_convert(
        prospect_list=found,
        prospect_ids=chosen,
        process_version=version,
        acting_user=signed_in_user(request),
    )
    if report.converted:
        count = len(report.converted)
        messages.success(
            request,
            ngettext(
                "%(count)d prospect converted into a deal in %(process)s.",
                "%(count)d prospects converted into deals in %(process)s.",
                count,
            )
            % {"count": count, "process": version.name},
        )
    for failure in report.failed:
        name = failure.company or f"#{failure.prospect_id}"
        shown = failure.message if name in failure.message else f"{name}: {failure.message}"
        messages.error(request, shown)
    return _back(list_id)
