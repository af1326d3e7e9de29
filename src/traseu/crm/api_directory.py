"""REST API of accounts and contacts, each limited to what the caller may see (crm.access)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import conditional, idempotent, responses
from traseu.apikit.pagination import paginate
from traseu.apikit.references import referenced
from traseu.apikit.versions import expected_version, set_etag
from traseu.core.models import User
from traseu.core.selectors import user_active_get
from traseu.crm.access import account_for
from traseu.crm.models import Account, Contact
from traseu.crm.schemas_directory import (
    AccountFilters,
    AccountIn,
    AccountOut,
    AccountPage,
    AccountPatch,
    ContactFilters,
    ContactIn,
    ContactOut,
    ContactPage,
)
from traseu.crm.selectors import (
    ACCOUNT_SORT_KEYS,
    CONTACT_SORT_KEYS,
    account_get,
    account_list,
    contact_get,
    contact_list,
)
from traseu.crm.services import account_create, account_update, contact_create

accounts = Router(tags=["accounts"])
contacts = Router(tags=["contacts"])


def _owner(username: str | None, field: str = "owner") -> User | None:
    if username is None:
        return None
    return referenced(field, lambda: user_active_get(username=username))


@accounts.get("/", url_name="account_list", response=responses({200: AccountPage}, 400, 422))
def account_index(request: HttpRequest, filters: Query[AccountFilters]) -> dict[str, Any]:
    """Accounts, filtered and sorted, a page at a time (follow ``next_cursor``)."""
    rows = account_list(
        user=user_of(request),
        search=filters.q,
        domain=filters.domain,
        owner=filters.owner,
        customer=filters.customer,
    )
    page = paginate(
        rows, sort=filters.sort, keys=ACCOUNT_SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@accounts.post(
    "/",
    url_name="account_create",
    response=responses({201: AccountOut}, 400, 403, 409, 422),
    openapi_extra=idempotent(),
)
def account_new(
    request: HttpRequest, response: HttpResponse, payload: AccountIn
) -> Status[Account]:
    """Create an account; the domain is cleaned (``https://www.acme.ro/`` is ``acme.ro``)."""
    user = user_of(request)
    # An account without an owner and without deals is visible to every team: the caller owns
    # what they create unless they name someone else.
    owner = _owner(payload.owner) if payload.owner is not None else user
    account = account_create(acting_user=user, owner=owner, **payload.values())
    set_etag(response, account.version)
    return Status(201, account_get(user=user, account_id=account.pk))


@accounts.get(
    "/{id:account_id}", url_name="account_get", response=responses({200: AccountOut}, 404)
)
def account(request: HttpRequest, response: HttpResponse, account_id: int) -> Account:
    """One account; its ``version`` is also the ETag."""
    found = account_get(user=user_of(request), account_id=account_id)
    set_etag(response, found.version)
    return found


@accounts.patch(
    "/{id:account_id}",
    url_name="account_update",
    response=responses({200: AccountOut}, 400, 403, 404, 409, 422),
    openapi_extra=conditional(),
)
def account_edit(
    request: HttpRequest, response: HttpResponse, account_id: int, payload: AccountPatch
) -> Account:
    """Change the fields sent. With a version (body or If-Match) a stale copy gets 409
    ``stale_version`` and nothing changes."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    for field in ("owner", "account_manager"):
        if field in changes:
            changes[field] = _owner(changes[field], field)
    user = user_of(request)
    account_for(user, account_id, write=True)
    account_update(
        account_id=account_id,
        acting_user=user,
        changes=changes,
        expected_version=expected_version(request, payload.version),
    )
    updated = account_get(user=user, account_id=account_id)
    set_etag(response, updated.version)
    return updated


@contacts.get("/", url_name="contact_list", response=responses({200: ContactPage}, 400, 422))
def contact_index(request: HttpRequest, filters: Query[ContactFilters]) -> dict[str, Any]:
    """Contacts, filtered and sorted, a page at a time (follow ``next_cursor``)."""
    rows = contact_list(user=user_of(request), account=filters.account, search=filters.q)
    page = paginate(
        rows, sort=filters.sort, keys=CONTACT_SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@contacts.post(
    "/",
    url_name="contact_create",
    response=responses({201: ContactOut}, 400, 403, 409, 422),
    openapi_extra=idempotent(),
)
def contact_new(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    """Create a contact, on an account or not; a last name or an e-mail is needed."""
    user = user_of(request)
    values = payload.model_dump(exclude={"account_id"})
    if payload.account_id is not None:
        account_id = payload.account_id
        values["account"] = referenced(
            "account_id", lambda: account_for(user, account_id, write=True)
        )
    contact = contact_create(acting_user=user, **values)
    return Status(201, contact_get(user=user, contact_id=contact.pk))


@contacts.get(
    "/{id:contact_id}", url_name="contact_get", response=responses({200: ContactOut}, 404)
)
def contact(request: HttpRequest, contact_id: int) -> Contact:
    """One contact."""
    return contact_get(user=user_of(request), contact_id=contact_id)
