"""REST API of deals: list, read, create, edit, move, and what happened to them.

Every route that names a deal fetches it through :func:`traseu.crm.access.deal_for`, so a deal
of another team answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.errors import GateRejection
from traseu.apikit.openapi import conditional, idempotent, responses
from traseu.apikit.pagination import paginate
from traseu.apikit.references import referenced
from traseu.apikit.rows import page_response
from traseu.apikit.versions import expected_version, set_etag
from traseu.crm.access import deal_for, deal_owner_for
from traseu.crm.models import Deal, StageChange, TimelineEvent
from traseu.crm.schemas import (
    DEAL_COLUMNS,
    ChecklistOut,
    DealCreate,
    DealFilters,
    DealOut,
    DealPage,
    DealPatch,
    MoveIn,
    MoveOut,
    StageChangeOut,
    TimelineEventOut,
)
from traseu.crm.selectors import (
    DEAL_SORT_KEYS,
    account_get,
    deal_exit_checklist,
    deal_history,
    deal_list,
    deal_timeline,
)
from traseu.crm.services import deal_create, deal_update
from traseu.crm.transitions import deal_move_to_stage
from traseu.processes.selectors import process_version_latest

router = Router(tags=["deals"])


@router.get("/", url_name="deal_list", response=responses({200: DealPage}, 400, 422))
def deals(request: HttpRequest, filters: Query[DealFilters]) -> HttpResponse:
    """The deals you may see, filtered and sorted, a page at a time (follow ``next_cursor``)."""
    rows = deal_list(
        user=user_of(request),
        owner=filters.owner,
        stage=filters.stage,
        status=filters.status,
        process=filters.process,
    )
    page = paginate(
        rows,
        sort=filters.sort,
        keys=DEAL_SORT_KEYS,
        cursor=filters.cursor,
        limit=filters.limit,
        values=DEAL_COLUMNS.paths(),
    )
    return page_response(DealOut, DEAL_COLUMNS, page.items, page.next_cursor)


@router.post(
    "/",
    url_name="deal_create",
    response=responses({201: DealOut}, 400, 403, 409, 422),
    openapi_extra=idempotent(),
)
def deal_new(request: HttpRequest, response: HttpResponse, payload: DealCreate) -> Status[Deal]:
    """Open a deal in the first stage of the process's newest version, with that stage's tasks."""
    user = user_of(request)
    deal = deal_create(
        title=payload.title,
        account=referenced(
            "account_id", lambda: account_get(user=user, account_id=payload.account_id)
        ),
        owner=deal_owner_for(user, payload.owner),
        process_version=referenced("process", lambda: process_version_latest(key=payload.process)),
        acting_user=user,
        amount=payload.amount,
        currency=payload.currency,
        expected_close=payload.expected_close,
        source=payload.source,
        custom=payload.custom,
    )
    deal = deal_for(user, deal.pk)
    set_etag(response, deal.version)
    return Status(201, deal)


@router.get("/{id:deal_id}", url_name="deal_get", response=responses({200: DealOut}, 404))
def deal(request: HttpRequest, response: HttpResponse, deal_id: int) -> Deal:
    """One deal; its ``version`` is also the ETag."""
    found = deal_for(user_of(request), deal_id)
    set_etag(response, found.version)
    return found


@router.patch(
    "/{id:deal_id}",
    url_name="deal_update",
    response=responses({200: DealOut}, 400, 403, 404, 409, 422),
    openapi_extra=conditional(),
)
def deal_edit(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: DealPatch
) -> Deal:
    """Change the fields sent. With a version (body or If-Match) a stale copy gets 409
    ``stale_version`` and nothing changes; ``details.version`` is the current one."""
    user = user_of(request)
    deal_for(user, deal_id, write=True)
    deal_update(
        deal_id=deal_id,
        acting_user=user,
        changes=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    updated = deal_for(user, deal_id)
    set_etag(response, updated.version)
    return updated


@router.post(
    "/{id:deal_id}/move",
    url_name="deal_move",
    response=responses({200: MoveOut}, 400, 403, 404, 409, 422, s409=GateRejection),
    openapi_extra=idempotent(),
)
def deal_move(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: MoveIn
) -> dict[str, Any]:
    """Move the deal to another stage through its gate.

    409 ``gate_rejected`` lists every unmet criterion (``details.unmet``) and every broken
    route rule (``details.violations``); nothing changes. An override (managers, with a
    reason) waives unmet criteria, never rules."""
    user = user_of(request)
    deal_for(user, deal_id, write=True)
    outcome = deal_move_to_stage(
        deal_id=deal_id,
        to_stage=payload.to,
        acting_user=user,
        reason=payload.reason,
        lost_reason=payload.lost_reason,
        override=payload.override,
        via="api",
    )
    moved = outcome.deal  # as stored, with what DealOut shows loaded under the lock
    set_etag(response, moved.version)
    return {"deal": moved, "changes": outcome.changes, "tasks": outcome.tasks}


@router.get(
    "/{id:deal_id}/history",
    url_name="deal_history",
    response=responses({200: list[StageChangeOut]}, 404),
)
def history(request: HttpRequest, deal_id: int) -> list[StageChange]:
    """Every stage change, oldest first, with the criteria snapshot of each move."""
    return list(deal_history(deal=deal_for(user_of(request), deal_id)))


@router.get(
    "/{id:deal_id}/timeline",
    url_name="deal_timeline",
    response=responses({200: list[TimelineEventOut]}, 404),
)
def timeline(request: HttpRequest, deal_id: int) -> list[TimelineEvent]:
    """Everything that happened to the deal, oldest first."""
    return list(deal_timeline(deal=deal_for(user_of(request), deal_id)))


@router.get(
    "/{id:deal_id}/checklist",
    url_name="deal_checklist",
    response=responses({200: ChecklistOut}, 404),
)
def checklist(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """The exit criteria of the current stage, met or not, as the gate would judge them now."""
    found = deal_for(user_of(request), deal_id)
    results = deal_exit_checklist(deal=found, now=timezone.now())
    return {
        "stage": found.stage,
        "met": all(result.met for result in results),
        "items": [
            {
                "criterion": r.criterion,
                "kind": r.kind,
                "code": r.code,
                "met": r.met,
                "message": r.message,
                "help": r.help,
            }
            for r in results
        ],
    }
