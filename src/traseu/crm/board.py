"""The pipeline board: one column per stage of a process, with totals and the newest cards.

Cost does not grow with the number of deals: one aggregate query for every column's count and
amounts, then one query per column for a page of cards (with each card's next open task as a
subquery). Columns page further with :func:`board_cards`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from traseu.core.models import User
from traseu.crm.access import deals_visible_to
from traseu.crm.models import Activity, Deal, DealStatus
from traseu.process.definition import ProcessDefinition, Stage, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition, process_version_latest

CARDS_PER_COLUMN = 20
LOST_WINDOW_DAYS = 30  # the lost column shows recent losses, not every loss ever
DEFAULT_STALL_DAYS = 21  # when the stage has no days-in-stage KPI


@dataclass(frozen=True)
class BoardFilters:
    owner: int | None = None
    team: int | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None
    #: ICP fit: deals whose account scored at least ``min_fit`` (0-100) against the ideal
    #: customer profile ``icp`` (an id). An account never scored against it does not match.
    icp: int | None = None
    min_fit: int | None = None

    def apply(self, deals: QuerySet[Deal]) -> QuerySet[Deal]:
        conditions = {
            "owner_id": self.owner,
            "team_id": self.team,
            "amount__gte": self.min_amount,
            "amount__lte": self.max_amount,
            "expected_close__gte": self.close_from,
            "expected_close__lte": self.close_to,
        }
        deals = deals.filter(**{k: v for k, v in conditions.items() if v is not None})
        if self.icp is not None:
            # A join on the account's stored fit (prospecting.AccountFit, one row per account
            # and profile, so no deal repeats) in the same queries: their number is unchanged.
            deals = deals.filter(
                account__fits__profile_id=self.icp, account__fits__score__gte=self.min_fit or 0
            )
        return deals


@dataclass
class Card:
    deal: Deal
    days_in_stage: int
    stalled: bool
    next_task: str | None
    next_due: dt.datetime | None


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    cards: list[Card] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


@dataclass
class Board:
    version: ProcessVersion
    definition: ProcessDefinition
    columns: list[BoardColumn]

    @property
    def currency(self) -> str:
        return self.definition.currency


def stall_days(stage: Stage) -> int:
    """Days after which a deal counts as stalled in ``stage``: its KPI, else a default."""
    for kpi in stage.kpis:
        if kpi.metric == "days_in_stage" and kpi.direction == "max" and kpi.target > 0:
            return int(kpi.target)
    return DEFAULT_STALL_DAYS


def _board_deals(user: User, process_key: str, filters: BoardFilters) -> QuerySet[Deal]:
    recent_loss = timezone.now() - dt.timedelta(days=LOST_WINDOW_DAYS)
    deals = deals_visible_to(user).filter(process_version__process__key=process_key)
    deals = deals.filter(~Q(status=DealStatus.LOST) | Q(closed_at__gte=recent_loss))
    return filters.apply(deals)


def _cards(deals: QuerySet[Deal], stage: Stage, *, offset: int, limit: int) -> list[Card]:
    next_task = Activity.objects.filter(deal=OuterRef("pk"), done=False).order_by("due_at", "pk")
    rows = (
        deals.filter(stage=stage.key)
        .select_related("account", "owner")
        .annotate(
            next_task=Subquery(next_task.values("subject")[:1]),
            next_due=Subquery(next_task.values("due_at")[:1]),
        )
        .order_by("-stage_entered_at", "-pk")[offset : offset + limit]
    )
    now, threshold = timezone.now(), stall_days(stage)
    cards = []
    for deal in rows:
        days = (now - deal.stage_entered_at).days
        annotations: Any = deal
        cards.append(
            Card(
                deal=deal,
                days_in_stage=days,
                stalled=stage.kind is not StageKind.LOST and days > threshold,
                next_task=annotations.next_task,
                next_due=annotations.next_due,
            )
        )
    return cards


def board_for(
    *,
    user: User,
    process_key: str,
    filters: BoardFilters | None = None,
    cards_per_column: int = CARDS_PER_COLUMN,
) -> Board:
    """The board of the latest version of ``process_key`` as ``user`` may see it."""
    version = process_version_latest(key=process_key)
    definition = process_definition(version)
    deals = _board_deals(user, process_key, filters or BoardFilters())
    totals = {
        row["stage"]: row
        for row in deals.order_by()
        .values("stage")
        .annotate(
            count=Count("pk"), total=Sum("amount"), weighted=Sum(F("amount") * F("probability"))
        )
    }
    columns = []
    for stage in definition.stages:
        row = totals.get(stage.key, {})
        column = BoardColumn(
            stage=stage,
            count=row.get("count", 0),
            total=row.get("total") or Decimal(0),
            weighted=(row.get("weighted") or Decimal(0)).quantize(Decimal("0.01")),
        )
        if column.count:
            column.cards = _cards(deals, stage, offset=0, limit=cards_per_column)
        columns.append(column)
    return Board(version=version, definition=definition, columns=columns)


def board_cards(
    *,
    user: User,
    process_key: str,
    stage_key: str,
    offset: int,
    filters: BoardFilters | None = None,
    limit: int = CARDS_PER_COLUMN,
) -> tuple[Stage | None, list[Card]]:
    """The next page of one column's cards (for "show more")."""
    definition = process_definition(process_version_latest(key=process_key))
    stage = definition.stage(stage_key)
    if stage is None:
        return None, []
    deals = _board_deals(user, process_key, filters or BoardFilters())
    return stage, _cards(deals, stage, offset=max(offset, 0), limit=limit)
