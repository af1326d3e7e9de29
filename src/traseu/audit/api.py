"""REST API of the audit trail: ``GET /api/v1/audit/`` for sales managers and administrators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import responses
from traseu.apikit.pagination import paginate
from traseu.audit.schemas import AuditFiltersIn, AuditPage
from traseu.audit.selectors import (
    AUDIT_SORT_KEYS,
    AuditFilters,
    audit_entries,
    parse_object,
)

router = Router(tags=["audit"])


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is read in the server's time zone."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value)


@router.get("/", url_name="audit_list", response=responses({200: AuditPage}, 400, 403, 404, 422))
def audit_list(request: HttpRequest, filters: Query[AuditFiltersIn]) -> dict[str, Any]:
    """Who changed what, when and through what, newest first, a page at a time (follow
    ``next_cursor``). Sales managers see their teams' deals and colleagues' changes;
    administrators everything; anyone else gets 403 ``audit_forbidden``."""
    user = user_of(request)
    object_type, object_id = parse_object(filters.object) if filters.object else ("", None)
    chosen = AuditFilters(
        object_type=object_type,
        object_id=object_id,
        deal_id=filters.deal,
        actor=filters.actor or "",
        via=filters.via or "",
        action=filters.action or "",
        since=_aware(filters.since),
        until=_aware(filters.until),
    )
    rows = audit_entries(user=user, filters=chosen)
    page = paginate(
        rows, sort=filters.sort, keys=AUDIT_SORT_KEYS, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}
