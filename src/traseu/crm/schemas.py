"""API shapes of the CRM core: what goes in and what comes out of the REST API.

Amounts and probabilities are decimal strings (``"5000.00"``), times ISO 8601 in UTC, users are
referred to by username.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from traseu.apikit.ids import RecordId
from traseu.apikit.rows import Columns
from traseu.apikit.schemas import Patch
from traseu.crm.models import (
    Activity,
    ActivityType,
    BuyingRole,
    Deal,
    DealStatus,
    DocumentStatus,
    StageChange,
    TimelineEvent,
)
from traseu.process.definition import QUALIFICATION_STATUSES

Custom = dict[str, Any]
QualificationStatus = Literal[QUALIFICATION_STATUSES]  # type: ignore[valid-type]


class UserRef(Schema):
    id: int
    username: str


class AccountRef(Schema):
    id: int
    name: str


class ProcessRef(Schema):
    key: str
    version: int


class DealOut(Schema):
    id: int
    title: str
    account: AccountRef
    owner: UserRef
    team: str | None
    process: ProcessRef
    stage: str
    status: str
    lost_reason: str
    amount: Decimal | None
    currency: str
    expected_close: dt.date | None
    probability: Decimal
    source: str
    custom: Custom
    stage_entered_at: dt.datetime
    created_at: dt.datetime
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    version: int = Field(description="Send it back (or as If-Match) when editing.")

    @staticmethod
    def resolve_team(obj: Deal) -> str | None:
        return obj.team.name if obj.team_id and obj.team else None

    @staticmethod
    def resolve_process(obj: Deal) -> dict[str, Any]:
        version = obj.process_version
        return {"key": version.process.key, "version": version.number}


DEAL_COLUMNS = Columns(
    {
        "id": "id",
        "title": "title",
        "account": Columns({"id": "account_id", "name": "account__name"}),
        "owner": Columns({"id": "owner_id", "username": "owner__username"}),
        "team": "team__name",
        "process": Columns(
            {"key": "process_version__process__key", "version": "process_version__number"}
        ),
        "stage": "stage",
        "status": "status",
        "lost_reason": "lost_reason",
        "amount": "amount",
        "currency": "currency",
        "expected_close": "expected_close",
        "probability": "probability",
        "source": "source",
        "custom": "custom",
        "stage_entered_at": "stage_entered_at",
        "created_at": "created_at",
        "closed_at": "closed_at",
        "updated_at": "updated_at",
        "version": "version",
    }
)
"""DealOut read straight from ``.values()`` rows (apikit.rows): the list's fast path."""


class DealPage(Schema):
    items: list[DealOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class DealFilters(Schema):
    owner: str | None = Field(None, description="Username of the owner.")
    stage: str | None = None
    status: DealStatus | None = None
    process: str | None = Field(None, description="Process key.")
    sort: str = Field(
        "-created_at",
        description="created_at, updated_at, stage_entered_at, "
        "amount, title; prefix - for descending.",
    )
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class DealCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    account_id: RecordId
    process: str = Field(description="Process key; the deal runs on its newest version.")
    owner: str | None = Field(None, description="Username; default: you.")
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("", max_length=3)
    expected_close: dt.date | None = None
    source: str = Field("", max_length=100)
    custom: Custom = {}


class DealPatch(Patch):
    """Only the fields sent change; ``custom`` is merged key by key. Only ``amount`` and
    ``expected_close`` may be null."""

    not_null = ("title", "currency", "source", "custom")

    title: str | None = Field(None, min_length=1, max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3)
    expected_close: dt.date | None = None
    source: str | None = Field(None, max_length=100)
    custom: Custom | None = Field(None, description="Merged key by key.")
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class MoveIn(Schema):
    to: str = Field(description="The stage key to move to.")
    reason: str = ""
    lost_reason: str = Field("", max_length=300)
    override: bool = Field(False, description="Waive unmet criteria (managers; needs a reason).")


class StageChangeOut(Schema):
    id: int
    from_stage: str
    to_stage: str
    kind: str
    from_entered_at: dt.datetime | None
    changed_at: dt.datetime
    duration_seconds: int | None
    actor: str | None
    via: str
    reason: str
    overridden: bool
    criteria: list[dict[str, Any]]

    @staticmethod
    def resolve_duration_seconds(obj: StageChange) -> int | None:
        return int(obj.duration.total_seconds()) if obj.duration is not None else None

    @staticmethod
    def resolve_actor(obj: StageChange) -> str | None:
        return obj.actor.username if obj.actor else None


class ActivityOut(Schema):
    id: int
    type: str
    subject: str
    notes: str
    owner: str
    due_at: dt.datetime | None
    done: bool
    done_at: dt.datetime | None
    stage: str
    template: str
    technique: str
    created_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Activity) -> str:
        return obj.owner.username


class MoveOut(Schema):
    deal: DealOut
    changes: list[StageChangeOut] = Field(description="The history rows the move wrote.")
    tasks: list[ActivityOut] = Field(description="Tasks of the stages entered.")


class TimelineEventOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    actor: str | None
    data: dict[str, Any]

    @staticmethod
    def resolve_actor(obj: TimelineEvent) -> str | None:
        return obj.actor.username if obj.actor else None


class ChecklistItemOut(Schema):
    criterion: str
    kind: str
    code: str
    met: bool
    message: str
    help: str


class ChecklistOut(Schema):
    """The exit criteria of the deal's current stage, evaluated now."""

    stage: str
    met: bool = Field(description="True when every exit criterion is met.")
    items: list[ChecklistItemOut]


class ActivityIn(Schema):
    type: ActivityType
    subject: str = Field("", max_length=200)
    notes: str = ""
    done: bool = Field(True, description="False plans it (give due_at).")
    due_at: dt.datetime | None = None
    technique: str = Field("", max_length=63)


class QualificationAnswerOut(Schema):
    id: int
    framework: str
    criterion: str
    status: str
    note: str
    stage: str
    answered_at: dt.datetime
    answered_by: str | None

    @staticmethod
    def resolve_answered_by(obj: Any) -> str | None:
        return obj.answered_by.username if obj.answered_by else None


class QualificationOut(Schema):
    current: dict[str, dict[str, str]] = Field(
        description='Newest answer per framework and criterion: {"bant": {"budget": ...}}.'
    )
    history: list[QualificationAnswerOut]


class QualificationIn(Schema):
    framework: str = Field("bant", pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    criterion: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    status: QualificationStatus
    note: str = ""


class DealContactOut(Schema):
    contact_id: int
    name: str
    email: str
    role: str

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return str(obj.contact)

    @staticmethod
    def resolve_email(obj: Any) -> str:
        return str(obj.contact.email)


class DealContactIn(Schema):
    role: BuyingRole


class DealDocumentOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    link: str
    updated_at: dt.datetime


class DealDocumentIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    status: DocumentStatus
    link: str = Field("", max_length=200)
