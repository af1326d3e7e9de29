"""REST API of prospect lists and their prospects (read-only for now), limited to the lists
the caller may see (prospecting.selectors): another team's list or prospect answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import responses
from traseu.apikit.pagination import paginate
from traseu.prospecting.models import ProspectList, ProspectStatus
from traseu.prospecting.selectors import prospect_list_for, prospect_lists_visible_to

router = Router(tags=["prospects"])

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
    company_name: str
    domain: str
    industry: str
    country: str
    status: str
    fit_score: int | None
    disqualified_reason: str


class ProspectPage(Schema):
    items: list[ProspectOut]
    next_cursor: str | None


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
