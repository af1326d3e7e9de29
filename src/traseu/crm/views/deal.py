"""The deal page and the writes of its panels.

Every write is a POST of a panel's form that calls one service. With HTMX the answer is the
refreshed panel plus, out of band, the fragments the write may change (always the live exit
checklist); without JavaScript it is a 303 back to the page at the panel's anchor. A service's
error is shown beside its field with status 422, and nothing is saved. Access: ``deal_for``
answers 404 for another team's deal (on every route), read-only users get 403 on writes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from traseu.core import errors
from traseu.core.http import HtmxHttpRequest
from traseu.core.models import User
from traseu.crm.access import contact_for, deal_for, may_write_deal, require_deal_writer
from traseu.crm.dealforms import (
    ActivityForm,
    ContactAddForm,
    ContactRoleForm,
    DetailsForm,
    DocumentForm,
    PanelForm,
    QualificationForm,
    activity_form,
    contact_form,
    document_form,
    page_forms,
    qualification_form,
)
from traseu.crm.dealpage import deal_page, document_label
from traseu.crm.models import Activity, ActivityType, Deal
from traseu.crm.panels import deal_panels
from traseu.crm.services import (
    account_update,
    activity_log,
    contact_create,
    deal_contact_set,
    deal_document_set,
    deal_update,
    qualification_answer,
    task_complete,
)
from traseu.processes.selectors import process_definition

TEMPLATE = "crm/deal.html"
Save = Callable[[Deal, User, Any], object]


def _user(request: HtmxHttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # every view here is behind login_required
    return user


def _deal(request: HtmxHttpRequest, deal_id: int) -> Deal:
    try:
        return deal_for(_user(request), deal_id)
    except errors.NotFound as error:
        raise Http404(error.message) from error


def _writable_deal(request: HtmxHttpRequest, deal_id: int) -> Deal:
    """The deal if the user may see it (else 404) and may change it (else 403)."""
    deal = _deal(request, deal_id)
    try:
        require_deal_writer(_user(request), deal)
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.message) from error
    return deal


# Rendering.


def _context(
    request: HtmxHttpRequest, deal: Deal, bound: dict[str, PanelForm] | None = None
) -> dict[str, Any]:
    # The qualification panel's framework: the one posted with an answer, or picked in the URL.
    framework = request.POST.get("framework") or request.GET.get("framework")
    page = deal_page(deal=deal, framework=framework)
    user = _user(request)
    may_write = may_write_deal(user, deal)
    return {
        "page": page,
        "deal": deal,
        "forms": page_forms(page, bound or {}),
        "may_write": may_write,
        "may_override": user.may_override_gates,
        "extra_panels": deal_panels(deal, user, may_write=may_write),
    }


def _fragments(
    request: HtmxHttpRequest,
    context: dict[str, Any],
    main: str,
    also: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    """``main`` swapped into its target, each of ``also`` out of band (by element id)."""
    html = render_to_string(f"{TEMPLATE}#{main}", context, request)
    for name in also:
        html += render_to_string(f"{TEMPLATE}#{name}", {**context, "oob": True}, request)
    return HttpResponse(html, status=status)


@login_required
@require_GET
def deal_detail(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    """The deal page: the route, the current stage's work, and every panel."""
    return render(request, TEMPLATE, _context(request, _deal(request, deal_id)))


def _submit(
    request: HtmxHttpRequest,
    deal_id: int,
    *,
    panel: str,
    bind: Callable[[Deal, QueryDict], PanelForm],
    save: Save,
    form_key: str | None = None,
    also: Sequence[str] = ("checklist",),
) -> HttpResponse:
    """Validate a panel's form, call its service, answer with the panel (or 303 to it)."""
    deal = _writable_deal(request, deal_id)
    form = bind(deal, request.POST)
    if form.is_valid():
        try:
            save(deal, _user(request), form)
        except errors.NotFound as error:
            raise Http404(error.message) from error
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.message) from error
        except errors.TraseuError as error:
            details = error.details if isinstance(error.details, dict) else {}
            form.add_service_error(details.get("field"), error.message)
        else:
            return _saved(request, deal_id, panel, also)
    context = _context(request, _deal(request, deal_id), {form_key or panel: form})
    if request.htmx:
        return _fragments(request, context, panel, status=422)
    return render(request, TEMPLATE, context, status=422)


def _saved(request: HtmxHttpRequest, deal_id: int, panel: str, also: Sequence[str]) -> HttpResponse:
    if request.htmx:
        return _fragments(request, _context(request, _deal(request, deal_id)), panel, also)
    messages.success(request, _("Saved."))
    framework = request.POST.get("framework", "") if panel == "qualification" else ""
    query = f"?{urlencode({'framework': framework})}" if framework else ""
    return HttpResponseRedirect(f"{reverse('deal', args=[deal_id])}{query}#{panel}", status=303)


# The panels' writes.


def _save_details(deal: Deal, user: User, form: DetailsForm) -> None:
    # One transaction: a bad account field must not leave the deal half-changed.
    with transaction.atomic():
        changes = form.deal_changes(deal)
        if changes:
            deal_update(
                deal_id=deal.pk,
                acting_user=user,
                changes=changes,
                expected_version=form.cleaned_data["version"],
            )
        account_changes = form.account_changes(deal.account)
        if account_changes:
            account_update(account_id=deal.account_id, acting_user=user, changes=account_changes)


@login_required
@require_POST
def deal_details(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _submit(
        request,
        deal_id,
        panel="details",
        bind=lambda deal, data: DetailsForm(data),
        save=_save_details,
        also=("header", "checklist"),
    )


def _save_activity(deal: Deal, user: User, form: ActivityForm) -> None:
    data = form.cleaned_data
    activity_log(
        deal=deal,
        type=data["type"],
        subject=data["subject"],
        notes=data["notes"],
        technique=data["technique"],
        acting_user=user,
    )


@login_required
@require_POST
def deal_activity_log(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _submit(request, deal_id, panel="activities", bind=activity_form, save=_save_activity)


def _save_answer(deal: Deal, user: User, form: QualificationForm) -> None:
    data = form.cleaned_data
    qualification_answer(
        deal=deal,
        criterion=data["criterion"],
        status=data["status"],
        note=data["note"],
        evidence=data["evidence"],
        framework=data["framework"] or process_definition(deal.process_version).qualification,
        acting_user=user,
    )


@login_required
@require_POST
def deal_qualification_answer(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _submit(
        request, deal_id, panel="qualification", bind=qualification_form, save=_save_answer
    )


def _save_contact(deal: Deal, user: User, form: ContactAddForm) -> None:
    # One transaction: a refused role must not leave a new contact behind.
    with transaction.atomic():
        contact_id = form.cleaned_data["contact"]
        if contact_id is None:
            contact = contact_create(acting_user=user, account=deal.account, **form.new_contact())
        else:  # the form's choices are the account's contacts not on the deal
            contact = contact_for(user, contact_id)
        deal_contact_set(
            deal=deal, contact=contact, role=form.cleaned_data["role"], acting_user=user
        )


@login_required
@require_POST
def deal_contact_add(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _submit(request, deal_id, panel="contacts", bind=contact_form, save=_save_contact)


@login_required
@require_POST
def deal_contact_role(request: HtmxHttpRequest, deal_id: int, contact_id: int) -> HttpResponse:
    def save(deal: Deal, user: User, form: ContactRoleForm) -> None:
        link = deal.deal_contacts.select_related("contact").filter(contact_id=contact_id).first()
        if link is None:
            raise errors.NotFound(_("This contact is not on the deal."))
        deal_contact_set(
            deal=deal, contact=link.contact, role=form.cleaned_data["role"], acting_user=user
        )

    return _submit(
        request,
        deal_id,
        panel="contacts",
        form_key="contact_role",
        bind=lambda deal, data: ContactRoleForm(data),
        save=save,
    )


def _save_document(deal: Deal, user: User, form: DocumentForm) -> None:
    data = form.cleaned_data
    deal_document_set(
        deal=deal,
        kind=data["kind"],
        title=data["title"].strip() or document_label(data["kind"]),
        status=data["status"],
        link=data["link"],
        acting_user=user,
    )


@login_required
@require_POST
def deal_document_set_view(request: HtmxHttpRequest, deal_id: int) -> HttpResponse:
    return _submit(request, deal_id, panel="documents", bind=document_form, save=_save_document)


@login_required
@require_POST
def deal_task_complete(request: HtmxHttpRequest, deal_id: int, task_id: int) -> HttpResponse:
    """Complete one of the deal's tasks (another deal's task id is a 404, like a missing one)."""
    deal = _writable_deal(request, deal_id)
    tasks = Activity.objects.filter(Q(type=ActivityType.TASK) | ~Q(template=""), deal=deal)
    if not tasks.filter(pk=task_id).exists():
        raise Http404(_("No task %(id)s on this deal.") % {"id": task_id})
    task_complete(task_id=task_id, acting_user=_user(request))
    return _saved(request, deal_id, "tasks", ("stage_tasks", "checklist"))


urlpatterns: list[URLPattern] = [
    path("deals/<int:deal_id>/", deal_detail, name="deal"),
    path("deals/<int:deal_id>/details/", deal_details, name="deal_details"),
    path("deals/<int:deal_id>/activities/", deal_activity_log, name="deal_activity_log"),
    path(
        "deals/<int:deal_id>/qualification/",
        deal_qualification_answer,
        name="deal_qualification_answer",
    ),
    path("deals/<int:deal_id>/contacts/", deal_contact_add, name="deal_contact_add"),
    path(
        "deals/<int:deal_id>/contacts/<int:contact_id>/role/",
        deal_contact_role,
        name="deal_contact_role",
    ),
    path("deals/<int:deal_id>/documents/", deal_document_set_view, name="deal_document_set"),
    path(
        "deals/<int:deal_id>/tasks/<int:task_id>/complete/",
        deal_task_complete,
        name="deal_task_complete",
    ),
]
