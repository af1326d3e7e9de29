"""API shapes of the after-sale records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from traseu.aftersale.models import Feedback, FeedbackIssue, FollowUp, Handoff
from traseu.apikit.schemas import Patch


def _iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` text is a date here (not a number of days since 1970)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("a date is YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError("a date is YYYY-MM-DD") from error


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class ReportFiltersIn(Schema):
    process: str | None = Field(None, max_length=63, description="process key (default: busiest)")
    since: IsoDate | None = Field(None, description="first day of feedback, YYYY-MM-DD")
    until: IsoDate | None = Field(None, description="last day of feedback, YYYY-MM-DD")


class CommitmentOut(Schema):
    what: str
    due: str = Field(description="YYYY-MM-DD, or empty when no date was promised")


class HandoffContactOut(Schema):
    name: str
    email: str
    phone: str
    job_title: str
    role: str


class HandoffOut(Schema):
    id: int
    deal: int
    status: Literal["created", "accepted"]
    sold: list[dict[str, str]]
    commitments: list[CommitmentOut]
    contacts: list[HandoffContactOut]
    risks: str
    delivery_owner: str | None
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    accepted_by: str | None
    version: int = Field(description="Send it back (or as If-Match) when editing.")

    @staticmethod
    def resolve_deal(obj: Handoff) -> int:
        return obj.deal_id

    @staticmethod
    def resolve_delivery_owner(obj: Handoff) -> str | None:
        return obj.delivery_owner.username if obj.delivery_owner else None

    @staticmethod
    def resolve_accepted_by(obj: Handoff) -> str | None:
        return obj.accepted_by.username if obj.accepted_by else None


class CommitmentIn(Schema):
    what: str = Field(description="What was promised, 1 to 300 characters.")
    due: str = Field("", description="YYYY-MM-DD, or empty when no date was promised.")


class HandoffPatch(Patch):
    """Fields left out stay as they are; ``commitments`` replaces the whole list."""

    not_null = ("commitments", "risks", "delivery_owner")
    commitments: list[CommitmentIn] | None = None
    risks: str | None = None
    delivery_owner: str | None = Field(None, description="Username of who delivers.")
    version: int | None = Field(None, description="The version read; a stale one is 409.")


class IssueOut(Schema):
    id: int
    category: str
    description: str
    task: int | None
    task_owner: str | None
    open: bool

    @staticmethod
    def resolve_task(obj: FeedbackIssue) -> int | None:
        return obj.task_id

    @staticmethod
    def resolve_task_owner(obj: FeedbackIssue) -> str | None:
        return obj.task.owner.username if obj.task else None

    @staticmethod
    def resolve_open(obj: FeedbackIssue) -> bool:
        return obj.task is None or not obj.task.done


class FeedbackOut(Schema):
    nps: int
    satisfaction: int
    comment: str
    received_at: dt.datetime
    issues: list[IssueOut]

    @staticmethod
    def resolve_issues(obj: Feedback) -> list[FeedbackIssue]:
        return list(obj.issues.select_related("task__owner"))


class FollowUpOut(Schema):
    id: int
    deal: int
    task: int
    owner: str
    due_on: dt.date
    window_start: dt.date
    window_end: dt.date
    status: Literal["scheduled", "done"]
    outcome: str
    completed_at: dt.datetime | None
    feedback: FeedbackOut | None

    @staticmethod
    def resolve_deal(obj: FollowUp) -> int:
        return obj.deal_id

    @staticmethod
    def resolve_task(obj: FollowUp) -> int:
        return obj.activity_id

    @staticmethod
    def resolve_owner(obj: FollowUp) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_feedback(obj: FollowUp) -> Feedback | None:
        return getattr(obj, "feedback", None)


class IssueIn(Schema):
    category: Literal["product", "service", "delivery", "sales"]
    description: str = Field(min_length=1, max_length=300)
    owner: str = Field("", max_length=150, description="username: the issue becomes their task")


class FollowUpCompleteIn(Schema):
    outcome: Literal["reached", "not_reached"]
    nps: int | None = Field(None, ge=0, le=10, description="required when reached")
    satisfaction: int | None = Field(None, ge=1, le=5, description="required when reached")
    comment: str = Field("", max_length=5000)
    issues: list[IssueIn] = Field(default_factory=list, max_length=20)


class NpsOut(Schema):
    name: str
    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    satisfaction: float | None


class CategoryOut(Schema):
    category: str
    raised: int
    open: int


class OpenIssueOut(Schema):
    deal: int
    title: str
    category: str
    issue: str
    raised: str
    owner: str | None


class FeedbackReportOut(Schema):
    process: str
    overall: NpsOut
    months: list[NpsOut]
    products: list[NpsOut]
    reps: list[NpsOut]
    categories: list[CategoryOut]
    open_issues: list[OpenIssueOut]
