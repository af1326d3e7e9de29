"""Reads of the CRM core, shaped for pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.crm.models import Deal, StageChange
from traseu.process.definition import Stage
from traseu.processes.selectors import process_definition, process_version_latest

CARDS_PER_COLUMN = 30


@dataclass
class BoardColumn:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    deals: list[Deal] = field(default_factory=list)


@dataclass
class Board:
    process_key: str
    name: str
    currency: str
    columns: list[BoardColumn]


def pipeline_board(*, process_key: str, cards_per_column: int = CARDS_PER_COLUMN) -> Board:
    """Columns of the route (and lost) with count, total and weighted amount per stage.

    One aggregate query, then one query per column for its newest cards, so the cost does not
    grow with the number of deals.
    """
    latest = process_version_latest(key=process_key)
    definition = process_definition(latest)
    deals = Deal.objects.filter(process_version__process__key=process_key)
    totals = {
        row["stage"]: row
        for row in deals.values("stage").annotate(
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
            column.deals = list(
                deals.filter(stage=stage.key)
                .select_related("account", "owner")
                .order_by("-stage_entered_at")[:cards_per_column]
            )
        columns.append(column)
    return Board(process_key, definition.name, definition.currency, columns)


def deal_get(*, deal_id: int) -> Deal:
    """A deal with its account, owner, team and process version, or NotFound."""
    deal = (
        Deal.objects.select_related("account", "owner", "team", "process_version__process")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
    return deal


def deal_history(*, deal: Deal) -> QuerySet[StageChange]:
    """The deal's stage changes in the order they happened, with who made them."""
    return deal.stage_changes.select_related("actor").order_by("changed_at", "pk")


def deal_counts_by_process() -> dict[int, int]:
    """Deals per process id, over all its versions (one query)."""
    rows = Deal.objects.values("process_version__process_id").annotate(deals=Count("pk"))
    return {row["process_version__process_id"]: row["deals"] for row in rows}
