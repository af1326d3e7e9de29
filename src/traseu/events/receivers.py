"""Turning CRM moves into outbox events, inside the move's transaction.

One ``stage.changed`` per stage-change row the move wrote (a win straight into an after-sale
stage writes two), plus ``deal.won`` or ``deal.lost`` when a row closes the deal.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.dispatch import receiver

from traseu.crm.models import Deal, MoveKind, StageChange
from traseu.crm.signals import deal_moved
from traseu.events.kinds import EventKind
from traseu.events.services import emit

if TYPE_CHECKING:
    from traseu.core.models import User
    from traseu.crm.transitions import MoveOutcome


def deal_summary(deal: Deal) -> dict[str, Any]:
    """The deal fields every deal event carries (amounts as strings, never floats)."""
    return {
        "deal_id": deal.pk,
        "title": deal.title,
        "account_id": deal.account_id,
        "owner_id": deal.owner_id,
        "team_id": deal.team_id,
        "status": deal.status,
        "stage": deal.stage,
        "amount": None if deal.amount is None else str(deal.amount),
        "currency": deal.currency,
    }


def _change_payload(deal: Deal, change: StageChange, via: str) -> dict[str, Any]:
    return {
        **deal_summary(deal),
        "stage_change_id": change.pk,
        "from_stage": change.from_stage,
        "to_stage": change.to_stage,
        "move_kind": change.kind,
        "overridden": change.overridden,
        "actor_id": change.actor_id,
        "via": via,
    }


@receiver(deal_moved, sender=Deal, dispatch_uid="traseu.events.deal_moved")
def deal_moved_events(
    sender: type[Deal],
    *,
    outcome: MoveOutcome,
    actor: User,
    now: dt.datetime,
    via: str,
    **kwargs: Any,
) -> None:
    deal = outcome.deal
    for change in outcome.changes:
        payload = _change_payload(deal, change, via)
        emit(EventKind.STAGE_CHANGED, payload, deal=deal, actor=actor, now=now)
        if change.kind == MoveKind.WON:
            won = {**payload, "closed_at": deal.closed_at}
            emit(EventKind.DEAL_WON, won, deal=deal, actor=actor, now=now)
        elif change.kind == MoveKind.LOST:
            lost = {**payload, "closed_at": deal.closed_at, "lost_reason": deal.lost_reason}
            emit(EventKind.DEAL_LOST, lost, deal=deal, actor=actor, now=now)
