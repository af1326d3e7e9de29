"""Accounts and contacts: searchable, sortable, filtered lists; an account page; new-record forms.

For now every signed-in user sees every account and contact (the permissions issue narrows
this in :mod:`traseu.crm.lists`); read-only users may not create them (403).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from traseu.core.errors import InvalidInput, TraseuError
from traseu.core.http import HtmxHttpRequest
from traseu.crm.access import accounts_writable_by, require_writer
from traseu.crm.directory_forms import (
    CUSTOMER_CHOICES,
    AccountForm,
    ContactForm,
    account_filters,
    add_service_error,
    contact_filters,
)
from traseu.crm.lists import (
    ACCOUNT_SORTING,
    CONTACT_SORTING,
    account_choices,
    account_detail,
    accounts_page,
    contact_account_choices,
    contacts_page,
)
from traseu.crm.services import account_create, contact_create
from traseu.crm.views.common import error_response, may_write, see_other, signed_in_user

# (key, label, sortable) of each list column, in display order.
ACCOUNT_COLUMNS = (
    ("name", _("Name"), True),
    ("domain", _("Web domain"), False),
    ("industry", _("Industry"), True),
    ("country", _("Country"), True),
    ("employees", _("Employees"), True),
    ("customer", _("Customer"), False),
    ("open_deals", _("Open deals"), False),
    ("created", _("Created"), True),
)
CONTACT_COLUMNS = (
    ("name", _("Name"), True),
    ("job_title", _("Job title"), True),
    ("account", _("Account"), True),
    ("email", _("E-mail"), True),
    ("phone", _("Phone"), False),
    ("created", _("Created"), True),
)


def _headers(
    request: HtmxHttpRequest, columns: tuple[tuple[str, Any, bool], ...], sort: str
) -> list[dict[str, Any]]:
    """Each column's header: a link that sorts by it (reversed when it is the current sort)."""
    query = request.GET.copy()
    for name in ("page", "sort"):
        query.pop(name, None)
    headers = []
    for key, label, sortable in columns:
        state = {key: "ascending", f"-{key}": "descending"}.get(sort, "") if sortable else ""
        query["sort"] = f"-{key}" if sort == key else key
        headers.append(
            {
                "key": key,
                "label": label,
                "href": f"?{query.urlencode()}" if sortable else "",
                "state": state,
            }
        )
    return headers


def _list_response(
    request: HtmxHttpRequest,
    template: str,
    context: dict[str, Any],
    page: Page[Any],
    full_page: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """The whole page, or only its results when the live search asks for them (HTMX)."""
    query = request.GET.copy()
    query.pop("page", None)
    context |= {"page": page, "rows": page.object_list, "query": query.urlencode()}
    htmx = request.htmx
    partial = bool(htmx) and htmx.target == "results" and not htmx.history_restore_request
    if not partial:
        context |= full_page()
    response = render(request, f"{template}#results" if partial else template, context)
    # The same URL answers a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def accounts(request: HtmxHttpRequest) -> HttpResponse:
    filters = account_filters(request.GET)
    sort = ACCOUNT_SORTING.resolve(request.GET.get("sort", ""))
    page = accounts_page(
        user=signed_in_user(request), filters=filters, sort=sort, page=request.GET.get("page")
    )
    context = {
        "filters": filters,
        "sort": sort,
        "headers": _headers(request, ACCOUNT_COLUMNS, sort),
        "customer": request.GET.get("customer", ""),
    }

    def full_page() -> dict[str, Any]:
        return {
            "choices": account_choices(user=signed_in_user(request)),
            "customer_choices": CUSTOMER_CHOICES,
            "may_write": may_write(request),
        }

    return _list_response(request, "crm/accounts.html", context, page, full_page)


@login_required
@require_GET
def account(request: HtmxHttpRequest, account_id: int) -> HttpResponse:
    try:
        detail = account_detail(user=signed_in_user(request), account_id=account_id)
    except TraseuError as error:
        return error_response(request, error)
    writable = may_write(request) and (
        accounts_writable_by(signed_in_user(request)).filter(pk=account_id).exists()
    )
    return render(request, "crm/account.html", {"detail": detail, "may_write": writable})


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HtmxHttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        require_writer(user)
    except TraseuError as error:
        return error_response(request, error)
    form = AccountForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = account_create(acting_user=user, owner=user, **form.cleaned_data)
            except InvalidInput as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Account %(name)s created.") % {"name": created.name})
                return see_other(reverse("account", args=[created.pk]))
        return render(request, "crm/account_new.html", {"form": form}, status=422)
    return render(request, "crm/account_new.html", {"form": form})


@login_required
@require_GET
def contacts(request: HtmxHttpRequest) -> HttpResponse:
    filters = contact_filters(request.GET)
    sort = CONTACT_SORTING.resolve(request.GET.get("sort", ""))
    page = contacts_page(
        user=signed_in_user(request), filters=filters, sort=sort, page=request.GET.get("page")
    )
    context = {
        "filters": filters,
        "sort": sort,
        "headers": _headers(request, CONTACT_COLUMNS, sort),
    }

    def full_page() -> dict[str, Any]:
        return {
            "accounts": contact_account_choices(user=signed_in_user(request)),
            "may_write": may_write(request),
        }

    return _list_response(request, "crm/contacts.html", context, page, full_page)


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HtmxHttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    try:
        require_writer(user)
    except TraseuError as error:
        return error_response(request, error)
    initial = {"account": request.GET.get("account")} if request.GET.get("account") else None
    form = ContactForm(request.POST or None, initial=initial, user=user)
    if request.method == "POST":
        if form.is_valid():
            try:
                created = contact_create(acting_user=user, **form.cleaned_data)
            except InvalidInput as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Contact %(name)s created.") % {"name": created})
                if created.account_id:
                    return see_other(reverse("account", args=[created.account_id]))
                query = urlencode({"q": created.email or created.last_name})
                return see_other(f"{reverse('contacts')}?{query}")
        return render(request, "crm/contact_new.html", {"form": form}, status=422)
    return render(request, "crm/contact_new.html", {"form": form})


urlpatterns: list[URLPattern] = [
    path("accounts/", accounts, name="accounts"),
    path("accounts/new/", account_new, name="account_new"),
    path("accounts/<int:account_id>/", account, name="account"),
    path("contacts/", contacts, name="contacts"),
    path("contacts/new/", contact_new, name="contact_new"),
]
