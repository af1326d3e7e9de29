"""Reads of the after-sale records, always through the deals the reader may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import QueryDict

from traseu.aftersale.models import FollowUp, Handoff, HandoffStatus
from traseu.core.models import User
from traseu.crm.access import deals_visible_to

QUEUE_LIMIT = 200
STATUSES = ("open", "accepted", "all")


@dataclass(frozen=True)
class DeliveryFilters:
    status: str = "open"  # open (waiting for delivery), accepted, all
    mine: bool = False  # only handoffs whose delivery owner is the reader
    q: str = ""  # part of the deal's title or the account's name

    @classmethod
    def from_query(cls, query: QueryDict, user: User) -> DeliveryFilters:
        status = query.get("status", "all" if "status" in query else "open")
        return cls(
            status=status if status in STATUSES else "open",
            mine=query.get("mine") == "1",
            q=query.get("q", "").strip()[:100],
        )


def delivery_queue(*, user: User, filters: DeliveryFilters) -> list[Handoff]:
    """Handoffs of the deals ``user`` may see: waiting ones first (oldest first, they have
    waited longest), then accepted ones (newest first). One query."""
    rows = Handoff.objects.filter(deal__in=deals_visible_to(user).values("pk"))
    if filters.status == "open":
        rows = rows.filter(status=HandoffStatus.CREATED)
    elif filters.status == "accepted":
        rows = rows.filter(status=HandoffStatus.ACCEPTED)
    if filters.mine:
        rows = rows.filter(delivery_owner=user)
    if filters.q:
        rows = rows.filter(
            Q(deal__title__icontains=filters.q) | Q(deal__account__name__icontains=filters.q)
        )
    waiting = Case(
        When(status=HandoffStatus.CREATED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rows = rows.annotate(waiting=waiting).select_related(
        "deal__account", "deal__owner", "delivery_owner", "accepted_by"
    )
    ordered: list[Handoff] = list(rows.order_by("waiting", "created_at", "pk")[:QUEUE_LIMIT])
    # Accepted ones newest first (the database sorted them oldest first with the waiting ones).
    open_rows = [h for h in ordered if h.status == HandoffStatus.CREATED]
    done_rows = sorted(
        (h for h in ordered if h.status != HandoffStatus.CREATED),
        key=lambda h: h.accepted_at or h.created_at,
        reverse=True,
    )
    return open_rows + done_rows


def follow_ups_for(
    *, user: User, status: str | None = None, mine: bool = False
) -> QuerySet[FollowUp]:
    rows = FollowUp.objects.filter(deal__in=deals_visible_to(user).values("pk"))
    if status:
        rows = rows.filter(status=status)
    if mine:
        rows = rows.filter(owner=user)
    return rows.select_related("deal__account", "owner", "activity", "feedback").order_by(
        "status", "due_on", "pk"
    )
