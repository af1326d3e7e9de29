"""REST API of prospect lists and their prospects, limited to the lists the caller may see
(prospecting.selectors): another team's list or prospect answers 404.

Reads list the lists and their prospects; writes add a prospect to a list, disqualify one and
convert one into an account and a deal, through the services the prospect pages call.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import idempotent, responses
from traseu.apikit.pagination import paginate
from traseu.apikit.references import referenced
from traseu.core.errors import Conflict, InvalidInput, NotFound, TraseuError
from traseu.core.models import User
from traseu.processes.selectors import process_version_latest
from traseu.prospecting.conversion import NotConverted, prospects_convert
from traseu.prospecting.models import Prospect, ProspectList, ProspectStatus
from traseu.prospecting.selectors import (
    prospect_for,
    prospect_list_for,
    prospect_lists_visible_to,
)
from traseu.prospecting.services import prospect_add, prospect_set_status

router = Router(tags=["prospects"])
WRITE = (400, 403, 404, 409, 422)
MAX_EMPLOYEES = 2_147_483_647  # the column is a 32-bit integer on PostgreSQL
# Why a conversion can be refused: the prospect's state (409), else its values (422).
CONVERT_CONFLICTS = frozenset({"prospect_converted", "prospect_disqualified", "database_error"})

LIST_SORT_KEYS = {"created_at": "created_at", "name": "name"}
PROSPECT_SORT_KEYS = {"company_name": "company_name", "created": "id"}


class ProspectListOut(Schema):
    id: int
    name: str
    description: str
    owner: str = Field(alias="owner.username")
    created_at: dt.datetime


class ProspectListPage(Schema):
    items: list[ProspectListOut]
    next_cursor: str | None


class ProspectOut(Schema):
    id: int
    list_id: int = Field(alias="prospect_list_id")
    company_name: str
    domain: str
    industry: str
    employees: int | None
    annual_revenue: Decimal | None
    country: str
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_title: str
    contact_phone: str
    source: str
    external_id: str
    custom: dict[str, Any]
    status: str
    fit_score: int | None
    disqualified_reason: str
    account_id: int | None = Field(
        description="The existing account it was recognised as, or the one its conversion made."
    )
    deal_id: int | None = Field(description="The deal its conversion opened.")
    converted_at: dt.datetime | None
    created_at: dt.datetime


class ProspectPage(Schema):
    items: list[ProspectOut]
    next_cursor: str | None


class ProspectIn(Schema):
    """A company (and a contact there). ``company_name`` may be left out when ``domain`` (or
    the contact's company e-mail) names the company."""

    company_name: str = Field("", max_length=200)
    domain: str = Field("", max_length=200, description="Cleaned: https://www.acme.ro/ is acme.ro.")
    industry: str = Field("", max_length=100)
    employees: int | None = Field(None, ge=0, le=MAX_EMPLOYEES)
    annual_revenue: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    country: str = Field("", max_length=2, description="ISO 3166 code, e.g. RO.")
    contact_first_name: str = Field("", max_length=100)
    contact_last_name: str = Field("", max_length=100)
    contact_email: str = Field("", max_length=254)
    contact_title: str = Field("", max_length=120)
    contact_phone: str = Field("", max_length=40)
    source: str = Field("", max_length=100)
    external_id: str = Field(
        "", max_length=100, description="Your id for it: adding it again finds the same prospect."
    )
    custom: dict[str, Any] = {}


class DisqualifyIn(Schema):
    reason: str = Field(min_length=1, max_length=300, description="Why; kept with the prospect.")


class ConvertIn(Schema):
    process: str = Field(
        description="Process key; the deal starts in the first stage of its newest version."
    )


class ConvertOut(Schema):
    prospect: ProspectOut
    account_id: int
    account_created: bool = Field(description="False: an existing account was recognised.")
    deal_id: int


class ListFilters(Schema):
    sort: str = Field("-created_at", description="created_at, name; - for descending.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class ProspectQuery(Schema):
    status: ProspectStatus | None = None
    min_fit: int | None = Field(None, ge=0, le=100)
    sort: str = Field("company_name", description="company_name, created; - for descending.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/prospect-lists",
    url_name="prospect_list_index",
    response=responses({200: ProspectListPage}, 400, 422),
)
def prospect_list_index(request: HttpRequest, filters: Query[ListFilters]) -> dict[str, Any]:
    """The prospect lists the caller may see, a page at a time (follow ``next_cursor``)."""
    rows = prospect_lists_visible_to(user_of(request)).select_related("owner")
    page = paginate(
        rows, sort=filters.sort, keys=LIST_SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.get(
    "/prospect-lists/{id:list_id}",
    url_name="prospect_list_get",
    response=responses({200: ProspectListOut}, 404),
)
def prospect_list_get(request: HttpRequest, list_id: int) -> ProspectList:
    """One prospect list."""
    return prospect_list_for(user_of(request), list_id)


@router.get(
    "/prospect-lists/{id:list_id}/prospects",
    url_name="prospect_index",
    response=responses({200: ProspectPage}, 400, 404, 422),
)
def prospect_index(
    request: HttpRequest, list_id: int, filters: Query[ProspectQuery]
) -> dict[str, Any]:
    """The list's prospects, filtered by ``status`` and ``min_fit``, a page at a time."""
    rows = prospect_list_for(user_of(request), list_id).prospects.all()
    if filters.status is not None:
        rows = rows.filter(status=filters.status)
    if filters.min_fit is not None:
        rows = rows.filter(fit_score__gte=filters.min_fit)
    page = paginate(
        rows, sort=filters.sort, keys=PROSPECT_SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/prospect-lists/{id:list_id}/prospects",
    url_name="prospect_add",
    response=responses({200: ProspectOut, 201: ProspectOut}, *WRITE),
    openapi_extra=idempotent(),
)
def prospect_new(
    request: HttpRequest, response: HttpResponse, list_id: int, payload: ProspectIn
) -> Status[Prospect]:
    """Add a company to the list: 201 with the new prospect (recognised as an existing account
    when one matches, and scored against the list's profile). When the list has that company
    already (same domain, else same name, or the same ``external_id``), 200 with that prospect,
    unchanged. Values the service refuses: 422 with ``details.field``."""
    user = user_of(request)
    added = prospect_add(
        prospect_list=prospect_list_for(user, list_id), acting_user=user, **payload.model_dump()
    )
    if not added.created:
        return Status(200, added.prospect)
    response["Location"] = reverse("api-v1:prospect_get", args=[added.prospect.pk])
    return Status(201, added.prospect)


@router.get(
    "/prospects/{id:prospect_id}",
    url_name="prospect_get",
    response=responses({200: ProspectOut}, 404),
)
def prospect_get(request: HttpRequest, prospect_id: int) -> Prospect:
    """One prospect of a list you may see."""
    return prospect_for(user_of(request), prospect_id)


def _set_status(user: User, prospect_id: int, status: str, reason: str = "") -> Prospect:
    prospect = prospect_for(user, prospect_id)
    with transaction.atomic():  # a conversion running at the same time finishes first
        locked = Prospect.objects.select_for_update().get(pk=prospect.pk)
        try:
            prospect_set_status(prospect=locked, status=status, acting_user=user, reason=reason)
        except InvalidInput as error:
            if error.code != "prospect_converted":
                raise
            raise Conflict(error.message, code=error.code, details=error.details) from error
    return prospect_for(user, prospect_id)


@router.post(
    "/prospects/{id:prospect_id}/disqualify",
    url_name="prospect_disqualify",
    response=responses({200: ProspectOut}, *WRITE),
    openapi_extra=idempotent(),
)
def prospect_disqualify(request: HttpRequest, prospect_id: int, payload: DisqualifyIn) -> Prospect:
    """Disqualify the prospect, saying why (a blank reason is 422). A converted prospect stays
    converted: 409 ``prospect_converted``."""
    return _set_status(user_of(request), prospect_id, ProspectStatus.DISQUALIFIED, payload.reason)


@router.post(
    "/prospects/{id:prospect_id}/reopen",
    url_name="prospect_reopen",
    response=responses({200: ProspectOut}, *WRITE),
    openapi_extra=idempotent(),
)
def prospect_reopen(request: HttpRequest, prospect_id: int) -> Prospect:
    """Set the prospect back to ``researching`` (a disqualified one can then be converted);
    the disqualification reason is cleared. A converted prospect: 409 ``prospect_converted``."""
    return _set_status(user_of(request), prospect_id, ProspectStatus.RESEARCHING)


def _refusal(failure: NotConverted) -> TraseuError:
    """The error of a prospect the conversion refused: 409 for its state, else 422."""
    if failure.code == "prospect_not_found":
        return NotFound(failure.message, code=failure.code)
    if failure.code == "database_error":  # its message is the database's: not for clients
        message = _("%(company)s could not be converted; nothing was kept.") % {
            "company": failure.company
        }
        return Conflict(message, code=failure.code)
    if failure.code in CONVERT_CONFLICTS:
        return Conflict(failure.message, code=failure.code)
    return InvalidInput(failure.message, code=failure.code)


@router.post(
    "/prospects/{id:prospect_id}/convert",
    url_name="prospect_convert",
    response=responses({200: ConvertOut}, *WRITE),
    openapi_extra=idempotent(),
)
def prospect_convert(request: HttpRequest, prospect_id: int, payload: ConvertIn) -> dict[str, Any]:
    """Convert the prospect into a deal you own, in the first stage of the process's newest
    version (with that stage's tasks): on the account it is recognised as, or a new one, with
    its contact. Converted already or disqualified: 409 ``prospect_converted`` or
    ``prospect_disqualified``, and nothing changes; an unknown process: 422
    ``process_not_found``."""
    user = user_of(request)
    prospect = prospect_for(user, prospect_id)
    version = referenced("process", lambda: process_version_latest(key=payload.process))
    report = prospects_convert(
        prospect_list=prospect.prospect_list,
        prospect_ids=[prospect.pk],
        process_version=version,
        acting_user=user,
    )
    if report.failed:
        raise _refusal(report.failed[0])
    done = report.converted[0]
    return {
        "prospect": prospect_for(user, prospect_id),
        "account_id": done.account_id,
        "account_created": done.account_created,
        "deal_id": done.deal_id,
    }
