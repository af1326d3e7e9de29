"""Keep competitor outcomes in step with the deal's outcome (inside the move's transaction).

When a deal is won, every competitor still ``open`` on it lost to us (``we_won``). When it is
lost, competitors still ``open`` become ``no_decision`` unless one is named as the winner (see
:func:`traseu.sales.competitors.deal_competitor_winner`, offered on the competitors panel of a
lost deal). Reopening a deal sets the outcomes back to ``open``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, QuerySet

from traseu.audit import services as audit
from traseu.crm.models import Deal, DealStatus
from traseu.crm.signals import deal_moved
from traseu.sales.models import CompetitorOutcome, DealCompetitor


def settle_competitors(
    sender: Any, *, outcome: Any, now: dt.datetime, actor: Any = None, **kwargs: Any
) -> None:
    deal: Deal = outcome.deal
    rows = DealCompetitor.objects.filter(deal_id=deal.pk)
    if deal.status == DealStatus.WON:
        _set(rows.filter(outcome=CompetitorOutcome.OPEN), CompetitorOutcome.WE_WON, actor, now)
    elif deal.status == DealStatus.LOST:
        _set(rows.filter(outcome=CompetitorOutcome.OPEN), CompetitorOutcome.NO_DECISION, actor, now)
    elif any(change.kind == "reopen" for change in outcome.changes):
        _set(rows.exclude(outcome=CompetitorOutcome.OPEN), CompetitorOutcome.OPEN, actor, now)


def _set(rows: QuerySet[DealCompetitor], value: str, actor: Any, now: dt.datetime) -> None:
    for row in rows.select_related("competitor"):
        audit.record(
            action="update",
            obj=row,
            actor=actor,
            deal_id=row.deal_id,
            at=now,
            before={"outcome": row.outcome},
            after={"outcome": value},
        )
    rows.update(outcome=value, updated_at=now, version=F("version") + 1)


deal_moved.connect(settle_competitors, dispatch_uid="traseu.sales.settle_competitors")
