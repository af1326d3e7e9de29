"""REST API of the work on a deal: activities and tasks, qualification answers, the deal's
contacts and its documents. Each route first fetches the deal with ``deal_for`` (404 if
missing or not yours)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import idempotent, responses
from traseu.crm.access import deal_for
from traseu.crm.facts import qualification_current
from traseu.crm.models import Activity, DealContact, DealDocument, QualificationAnswer
from traseu.crm.schemas import (
    ActivityIn,
    ActivityOut,
    DealContactIn,
    DealContactOut,
    DealDocumentIn,
    DealDocumentOut,
    QualificationAnswerOut,
    QualificationIn,
    QualificationOut,
)
from traseu.crm.selectors import (
    contact_get,
    deal_activities,
    deal_activity,
    deal_contacts,
    deal_documents,
    qualification_history,
)
from traseu.crm.services import (
    activity_log,
    deal_contact_set,
    deal_document_set,
    qualification_answer,
    task_complete,
)

router = Router(tags=["deal work"])
WRITE = (400, 403, 404, 422)


@router.get(
    "/{id:deal_id}/activities",
    url_name="deal_activities",
    response=responses({200: list[ActivityOut]}, 404, 422),
)
def activities(
    request: HttpRequest,
    deal_id: int,
    kind: Literal["task", "activity"] | None = None,
    done: bool | None = None,
) -> list[Activity]:
    """Activities and tasks of the deal: open ones first, by due date."""
    deal = deal_for(user_of(request), deal_id)
    tasks = None if kind is None else kind == "task"
    return list(deal_activities(deal=deal, tasks=tasks, done=done))


@router.post(
    "/{id:deal_id}/activities",
    url_name="deal_activity_log",
    response=responses({201: ActivityOut}, *WRITE, 409),
    openapi_extra=idempotent(),
)
def activity_new(request: HttpRequest, deal_id: int, payload: ActivityIn) -> Status[Activity]:
    """Log something done (a call, a meeting...) or plan it (``done: false`` with ``due_at``)."""
    user = user_of(request)
    activity = activity_log(
        deal=deal_for(user, deal_id, write=True),
        type=payload.type.value,
        subject=payload.subject,
        acting_user=user,
        notes=payload.notes,
        done=payload.done,
        due_at=payload.due_at,
        technique=payload.technique,
    )
    return Status(201, activity)


@router.post(
    "/{id:deal_id}/tasks/{id:task_id}/complete",
    url_name="deal_task_complete",
    response=responses({200: ActivityOut}, *WRITE, 409),
    openapi_extra=idempotent(),
)
def task_done(request: HttpRequest, deal_id: int, task_id: int) -> Activity:
    """Mark a task of the deal done (completing a done task changes nothing)."""
    user = user_of(request)
    task = deal_activity(deal=deal_for(user, deal_id, write=True), activity_id=task_id)
    return task_complete(task_id=task.pk, acting_user=user)


@router.get(
    "/{id:deal_id}/qualification",
    url_name="deal_qualification",
    response=responses({200: QualificationOut}, 404),
)
def qualification(request: HttpRequest, deal_id: int) -> dict[str, Any]:
    """The current answer per question and every answer given, newest first."""
    deal = deal_for(user_of(request), deal_id)
    return {
        "current": qualification_current(deal.pk),
        "history": list(qualification_history(deal=deal)),
    }


@router.post(
    "/{id:deal_id}/qualification",
    url_name="deal_qualification_answer",
    response=responses({201: QualificationAnswerOut}, *WRITE, 409),
    openapi_extra=idempotent(),
)
def qualification_new(
    request: HttpRequest, deal_id: int, payload: QualificationIn
) -> Status[QualificationAnswer]:
    """Answer (or re-answer) a qualification question; earlier answers stay as history."""
    user = user_of(request)
    answer = qualification_answer(
        deal=deal_for(user, deal_id, write=True),
        criterion=payload.criterion,
        status=payload.status,
        acting_user=user,
        framework=payload.framework,
        note=payload.note,
    )
    return Status(201, answer)


@router.get(
    "/{id:deal_id}/contacts",
    url_name="deal_contacts",
    response=responses({200: list[DealContactOut]}, 404),
)
def contacts(request: HttpRequest, deal_id: int) -> list[DealContact]:
    """The people on the deal, with their buying roles."""
    return list(deal_contacts(deal=deal_for(user_of(request), deal_id)))


@router.put(
    "/{id:deal_id}/contacts/{id:contact_id}",
    url_name="deal_contact_set",
    response=responses({200: DealContactOut}, *WRITE),
)
def contact_set(
    request: HttpRequest, deal_id: int, contact_id: int, payload: DealContactIn
) -> DealContact:
    """Put a contact on the deal with a buying role, or change the role."""
    user = user_of(request)
    return deal_contact_set(
        deal=deal_for(user, deal_id, write=True),
        contact=contact_get(user=user, contact_id=contact_id),
        role=payload.role.value,
        acting_user=user,
    )


@router.get(
    "/{id:deal_id}/documents",
    url_name="deal_documents",
    response=responses({200: list[DealDocumentOut]}, 404),
)
def documents(request: HttpRequest, deal_id: int) -> list[DealDocument]:
    """The deal's documents (proposals, contracts...) with their status."""
    return list(deal_documents(deal=deal_for(user_of(request), deal_id)))


@router.put(
    "/{id:deal_id}/documents/{slug:kind}",
    url_name="deal_document_set",
    response=responses({200: DealDocumentOut}, *WRITE),
)
def document_set(
    request: HttpRequest, deal_id: int, kind: str, payload: DealDocumentIn
) -> DealDocument:
    """Record the deal's document of this kind (the newest one is updated) and its status."""
    user = user_of(request)
    return deal_document_set(
        deal=deal_for(user, deal_id, write=True),
        kind=kind,
        title=payload.title,
        status=payload.status.value,
        acting_user=user,
        link=payload.link,
    )
