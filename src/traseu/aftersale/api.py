"""REST API of the after-sale work: handoffs, follow-ups with feedback, the feedback report.

Every record is read through the deals the caller may see: another team's is 404.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from traseu.aftersale.followups import FeedbackInput, IssueInput, follow_up_complete, follow_up_for
from traseu.aftersale.handoffs import (
    handoff_accept,
    handoff_for,
    handoff_update,
    handoffs_visible_to,
)
from traseu.aftersale.models import FollowUp, Handoff
from traseu.aftersale.report import NpsGroup, feedback_report
from traseu.aftersale.schemas import (
    FeedbackReportOut,
    FollowUpCompleteIn,
    FollowUpOut,
    HandoffOut,
    HandoffPatch,
    ReportFiltersIn,
)
from traseu.aftersale.selectors import follow_ups_for
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.apikit.auth import user_of
from traseu.apikit.openapi import conditional, idempotent, responses
from traseu.apikit.versions import expected_version, set_etag

router = Router(tags=["after the sale"])
LIMIT = 200
WRITE = (400, 403, 404, 409, 422)


@router.get(
    "/handoffs", url_name="handoff_list", response=responses({200: list[HandoffOut]}, 400, 422)
)
def handoff_list(
    request: HttpRequest,
    status: Literal["created", "accepted"] | None = None,
    mine: bool = False,
) -> list[Handoff]:
    """Handoffs of the deals you may see, waiting ones first (at most 200)."""
    user = user_of(request)
    rows = handoffs_visible_to(user)
    if status:
        rows = rows.filter(status=status)
    if mine:
        rows = rows.filter(delivery_owner=user)
    rows = rows.select_related("delivery_owner", "accepted_by")
    return list(rows.order_by("status", "created_at", "pk")[:LIMIT])


@router.get(
    "/handoffs/{id:handoff_id}",
    url_name="handoff_get",
    response=responses({200: HandoffOut}, 400, 404),
)
def handoff_get(request: HttpRequest, response: HttpResponse, handoff_id: int) -> Handoff:
    """One handoff; its ``version`` is also the ETag."""
    handoff = handoff_for(user_of(request), handoff_id)
    set_etag(response, handoff.version)
    return handoff


@router.patch(
    "/handoffs/{id:handoff_id}",
    url_name="handoff_update_api",
    response=responses({200: HandoffOut}, *WRITE),
    openapi_extra=conditional(),
)
def handoff_update_api(
    request: HttpRequest, response: HttpResponse, handoff_id: int, payload: HandoffPatch
) -> Handoff:
    """Change the commitments (the whole list), risks or delivery owner; fields left out stay.
    With a version (body or If-Match) a stale copy gets 409 ``stale_version`` and nothing
    changes. The deal's writers may edit it; others of the team get 403."""
    changes = payload.model_dump(exclude_unset=True, exclude={"version"})
    handoff = handoff_update(
        handoff_id=handoff_id,
        acting_user=user_of(request),
        commitments=changes.get("commitments"),
        risks=changes.get("risks"),
        delivery_owner=changes.get("delivery_owner"),
        expected_version=expected_version(request, payload.version),
    )
    set_etag(response, handoff.version)
    return handoff


@router.post(
    "/handoffs/{id:handoff_id}/accept",
    url_name="handoff_accept_api",
    response=responses({200: HandoffOut}, *WRITE),
    openapi_extra=idempotent(),
)
def handoff_accept_api(request: HttpRequest, handoff_id: int) -> Handoff:
    """Delivery acknowledges the handoff (the delivery owner, an account manager, a manager
    or an admin); a second accept is 409 ``handoff_already_accepted``."""
    return handoff_accept(handoff_id=handoff_id, acting_user=user_of(request))


@router.get(
    "/follow-ups", url_name="follow_up_list", response=responses({200: list[FollowUpOut]}, 400, 422)
)
def follow_up_list(
    request: HttpRequest,
    status: Literal["scheduled", "done"] | None = None,
    mine: bool = False,
) -> list[FollowUp]:
    """Follow-up calls of the deals you may see, open ones first by due date (at most 200)."""
    return list(follow_ups_for(user=user_of(request), status=status, mine=mine)[:LIMIT])


@router.get(
    "/follow-ups/{id:follow_up_id}",
    url_name="follow_up_get",
    response=responses({200: FollowUpOut}, 400, 404),
)
def follow_up_get(request: HttpRequest, follow_up_id: int) -> FollowUp:
    return follow_up_for(user_of(request), follow_up_id)


@router.post(
    "/follow-ups/{id:follow_up_id}/complete",
    url_name="follow_up_complete_api",
    response=responses({200: FollowUpOut}, *WRITE),
    openapi_extra=idempotent(),
)
def follow_up_complete_api(
    request: HttpRequest, follow_up_id: int, payload: FollowUpCompleteIn
) -> FollowUp:
    """Record the call's outcome and, when the client was reached, the feedback (``nps`` and
    ``satisfaction`` required) and issues (each with an ``owner`` becomes their task). A done
    follow-up is 409 ``follow_up_done``."""
    data = FeedbackInput(
        outcome=payload.outcome,
        nps=payload.nps,
        satisfaction=payload.satisfaction,
        comment=payload.comment,
        issues=[IssueInput(i.category, i.description, i.owner) for i in payload.issues],
    )
    follow_up_complete(follow_up_id=follow_up_id, acting_user=user_of(request), data=data)
    found: FollowUp = follow_ups_for(user=user_of(request)).get(pk=follow_up_id)
    return found


def _nps(group: NpsGroup) -> dict[str, Any]:
    s = group.summary
    return {
        "name": group.name,
        "responses": s.responses,
        "promoters": s.promoters,
        "passives": s.passives,
        "detractors": s.detractors,
        "nps": s.score,
        "satisfaction": group.satisfaction,
    }


@router.get(
    "/reports/feedback",
    url_name="feedback_report",
    response=responses({200: FeedbackReportOut}, 400, 404, 422),
)
def feedback_report_api(request: HttpRequest, filters: Query[ReportFiltersIn]) -> dict[str, Any]:
    """NPS (promoters 9-10 minus detractors 0-6, in percentage points) overall, by month, by
    product sold and by sales rep; issues by category and the open ones. Unknown process:
    404; ``since`` after ``until``: 422."""
    scope = report_scope(
        ReportRequest(
            process=filters.process,
            since=filters.since,
            until=filters.until,
            user=user_of(request),
        )
    )
    report = feedback_report(scope)
    return {
        "process": scope.process,
        "overall": _nps(report.overall),
        "months": [_nps(g) for g in report.months],
        "products": [_nps(g) for g in report.products],
        "reps": [_nps(g) for g in report.reps],
        "categories": [
            {"category": c.category, "raised": c.raised, "open": c.open} for c in report.categories
        ],
        "open_issues": [
            {
                "deal": i.deal_id,
                "title": i.deal,
                "category": i.category,
                "issue": i.description,
                "raised": i.raised,
                "owner": i.owner or None,
            }
            for i in report.open_issues
        ],
    }
