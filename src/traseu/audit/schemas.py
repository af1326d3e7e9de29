"""API shapes of the audit trail."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator

from traseu.apikit.ids import RecordId
from traseu.audit.models import Action, AuditEntry, Via

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _iso_time(value: Any) -> Any:
    """Only an ISO 8601 time (``2026-03-02T09:00``, a zone optional): pydantic alone would also
    read a number as a Unix time."""
    if not isinstance(value, str) or not ISO_TIME.match(value):
        raise ValueError("expected an ISO 8601 time such as 2026-03-02T09:00:00Z")
    return value


IsoTime = Annotated[dt.datetime, BeforeValidator(_iso_time)]


class AuditEntryOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None = Field(description="Username; null when nobody was signed in.")
    via: Via
    token_prefix: str = Field(description="The access token's prefix, for API changes.")
    object_type: str
    object_id: int
    object_label: str = Field(description="How the record read when it changed.")
    deal_id: int | None = Field(description="The deal the record belongs to, if any.")
    action: Action
    before: dict[str, Any] = Field(description="The changed fields' values before.")
    after: dict[str, Any] = Field(description="The changed fields' values after.")
    reason: str
    request_id: str
    ip: str | None

    @staticmethod
    def resolve_actor(obj: AuditEntry) -> str | None:
        return obj.actor.username if obj.actor else None


class AuditPage(Schema):
    items: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class AuditFiltersIn(Schema):
    object: str | None = Field(
        None, description="One record, as TYPE:ID (deal:12, account:3).", max_length=60
    )
    deal: RecordId | None = Field(
        None,
        description="Everything about one deal: the deal and its activities, contacts, "
        "documents and answers (404 if you may not see the deal).",
    )
    actor: str | None = Field(None, description="Username of who made the change.")
    via: Via | None = None
    action: Action | None = None
    since: IsoTime | None = Field(
        None, description="From this time on (inclusive); without a zone, the server's."
    )
    until: IsoTime | None = Field(None, description="Before this time (exclusive).")
    sort: str = Field("-at", description="at or -at (newest first).")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)
