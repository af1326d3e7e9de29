"""Handoff services: created when a deal is won, edited by sales, accepted by delivery.

Every write runs in one transaction with its audit row and its outbox event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.aftersale import outbox
from traseu.aftersale.models import Handoff, HandoffStatus
from traseu.audit import services as audit
from traseu.core.concurrency import check_version
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.core.models import Role, User
from traseu.crm.access import deal_for, deals_visible_to, require_writer
from traseu.crm.models import Deal, DealContact
from traseu.crm.transitions import assignee_for

Clock = Callable[[], dt.datetime]
DELIVERY_ROLE = Role.ACCOUNT_MANAGER
EDIT_FIELDS = ("commitments", "risks", "delivery_owner")
MAX_COMMITMENTS = 50


def sold_lines(deal: Deal) -> list[dict[str, str]]:
    """The accepted proposal's lines, else one line for the deal itself."""
    lines = outbox.accepted_proposal_lines(deal)
    if lines:
        return [{str(k): str(v) for k, v in line.items()} for line in lines]
    # The same keys as a proposal line (traseu.sales.services.accepted_proposal_lines).
    amount = "" if deal.amount is None else str(deal.amount)
    return [
        {
            "product_code": "",
            "description": deal.title,
            "quantity": "1",
            "unit_price": amount,
            "line_total": amount,
            "currency": deal.currency,
        }
    ]


def contact_snapshot(deal: Deal) -> list[dict[str, str]]:
    links = DealContact.objects.filter(deal=deal).select_related("contact").order_by("pk")
    return [
        {
            "name": str(link.contact),
            "email": link.contact.email,
            "phone": link.contact.phone,
            "job_title": link.contact.job_title,
            "role": link.role,
        }
        for link in links
    ]


def delivery_owner_for(deal: Deal) -> User:
    """The account's account manager, else an account manager of the deal's team (the one
    with the fewest open tasks), else the deal's owner."""
    manager = deal.account.account_manager if deal.account.account_manager_id else None
    return manager or assignee_for(deal, DELIVERY_ROLE)


def handoff_create_for_win(*, deal: Deal, actor: User, now: dt.datetime) -> Handoff | None:
    """The deal's handoff, created at its first win (inside the move's transaction); None when
    the deal already has one (it was won before, reopened and won again)."""
    if Handoff.objects.filter(deal=deal).exists():
        return None
    handoff = Handoff.objects.create(
        deal=deal,
        sold=sold_lines(deal),
        contacts=contact_snapshot(deal),
        delivery_owner=delivery_owner_for(deal),
        created_at=now,
    )
    audit.record(
        action="create",
        obj=handoff,
        actor=actor,
        deal_id=deal.pk,
        at=now,
        after=audit.values(handoff, ("status", "delivery_owner", "sold")),
    )
    outbox.emit("handoff.created", handoff_payload(handoff), deal=deal, actor=actor)
    return handoff


def handoff_payload(handoff: Handoff) -> dict[str, Any]:
    return {
        "handoff": handoff.pk,
        "deal": handoff.deal_id,
        "status": handoff.status,
        "sold": handoff.sold,
        "delivery_owner": handoff.delivery_owner.username if handoff.delivery_owner else None,
    }


def handoffs_visible_to(user: User) -> QuerySet[Handoff]:
    return Handoff.objects.filter(deal__in=deals_visible_to(user).values("pk"))


def handoff_for(user: User, handoff_id: int) -> Handoff:
    """The handoff if ``user`` may see its deal; else 404 (missing or not yours alike)."""
    handoff = (
        handoffs_visible_to(user)
        .select_related("deal__account", "deal__owner", "delivery_owner", "accepted_by")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        raise NotFound(_("No handoff %(id)s.") % {"id": handoff_id}, code="handoff_not_found")
    return handoff


def parse_commitments(items: Sequence[Any]) -> list[dict[str, str]]:
    """``[{"what": ..., "due": "YYYY-MM-DD" or ""}]`` checked item by item; InvalidInput names
    every bad item."""
    problems: list[str] = []
    commitments: list[dict[str, str]] = []
    if len(items) > MAX_COMMITMENTS:
        problems.append(_("At most %(n)s commitments.") % {"n": MAX_COMMITMENTS})
    for number, item in enumerate(items, start=1):
        what = str(item.get("what", "") if isinstance(item, dict) else "").strip()
        due = str(item.get("due", "") or "" if isinstance(item, dict) else "").strip()
        if not what or len(what) > 300:
            problems.append(
                _("Commitment %(n)s: say what was promised (1 to 300 characters).") % {"n": number}
            )
        if due:
            try:
                due = dt.date.fromisoformat(due).isoformat()
            except ValueError:
                problems.append(
                    _("Commitment %(n)s: '%(due)s' is not a date (YYYY-MM-DD).")
                    % {"n": number, "due": due}
                )
        commitments.append({"what": what, "due": due})
    if problems:
        raise InvalidInput(
            " ".join(problems),
            code="invalid_commitments",
            details={"field": "commitments", "problems": problems},
        )
    return commitments


def _delivery_owner(deal: Deal, username: str) -> User:
    owner = User.objects.filter(username=username, is_active=True).first()
    if owner is None or owner.role == Role.READ_ONLY:
        raise InvalidInput(
            _("No active user %(name)s who may take the delivery.") % {"name": username},
            code="user_not_found",
            details={"field": "delivery_owner"},
        )
    return owner


def handoff_update(
    *,
    handoff_id: int,
    acting_user: User,
    commitments: Sequence[Any] | None = None,
    risks: str | None = None,
    delivery_owner: str | None = None,
    expected_version: int | None = None,
    clock: Clock = timezone.now,
) -> Handoff:
    """Change the commitments, risks or delivery owner (only what is given). Bad input
    changes nothing; so does a write based on a stale copy (``expected_version`` not the
    current one: Conflict ``stale_version``)."""
    require_writer(acting_user)
    with transaction.atomic():
        handoff = handoff_for(acting_user, handoff_id)
        deal_for(acting_user, handoff.deal_id, write=True)
        handoff = Handoff.objects.select_for_update().get(pk=handoff.pk)
        check_version(
            handoff.version,
            expected_version,
            _("The handoff changed since you read it (version %(now)s, not %(then)s)."),
        )
        before = audit.values(handoff, EDIT_FIELDS)
        if commitments is not None:
            handoff.commitments = parse_commitments(commitments)
        if risks is not None:
            if len(risks) > 5000:
                raise InvalidInput(_("Risks: at most 5000 characters."), details={"field": "risks"})
            handoff.risks = risks.strip()
        if delivery_owner is not None:
            handoff.delivery_owner = _delivery_owner(handoff.deal, delivery_owner)
        handoff.version += 1
        handoff.save()
        audit.record(
            action="update",
            obj=handoff,
            actor=acting_user,
            deal_id=handoff.deal_id,
            at=clock(),
            before=before,
            after=audit.values(handoff, EDIT_FIELDS),
        )
    return handoff_for(acting_user, handoff.pk)


def may_accept(user: User, handoff: Handoff) -> bool:
    """Delivery acknowledges: the delivery owner, an account manager, a manager or an admin."""
    return user.is_active and (
        handoff.delivery_owner_id == user.pk
        or user.role in (Role.ACCOUNT_MANAGER, Role.SALES_MANAGER, Role.ADMIN)
        or user.is_superuser
    )


def handoff_accept(*, handoff_id: int, acting_user: User, clock: Clock = timezone.now) -> Handoff:
    """Delivery acknowledges the handoff (once: a second accept is a 409)."""
    require_writer(acting_user)
    with transaction.atomic():
        handoff = handoff_for(acting_user, handoff_id)
        if not may_accept(acting_user, handoff):
            raise PermissionDenied(
                _("Only the delivery owner, an account manager or a manager may accept it."),
                code="handoff_accept_forbidden",
            )
        now = clock()
        updated = Handoff.objects.filter(pk=handoff.pk, status=HandoffStatus.CREATED).update(
            status=HandoffStatus.ACCEPTED,
            accepted_at=now,
            accepted_by=acting_user,
            version=handoff.version + 1,
        )
        if not updated:
            raise Conflict(_("The handoff was already accepted."), code="handoff_already_accepted")
        handoff.refresh_from_db()
        audit.record(
            action="update",
            obj=handoff,
            actor=acting_user,
            deal_id=handoff.deal_id,
            at=now,
            before={"status": HandoffStatus.CREATED},
            after=audit.values(handoff, ("status", "accepted_by", "accepted_at")),
        )
        outbox.emit(
            "handoff.accepted",
            {**handoff_payload(handoff), "accepted_by": acting_user.username},
            deal=handoff.deal,
            actor=acting_user,
        )
    return handoff_for(acting_user, handoff.pk)
