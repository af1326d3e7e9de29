"""Reads for the sales pages, the API and other apps."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Prefetch, Q, QuerySet

from traseu.sales.models import Product, Proposal, ProposalLine
from traseu.sales.money import LineInput, Totals, totals


def line_input(line: ProposalLine) -> LineInput:
    return LineInput(
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        tax_percent=line.tax_percent,
    )


def proposal_totals(proposal: Proposal, lines: Sequence[ProposalLine] | None = None) -> Totals:
    """The proposal's totals under the rounding rule of :mod:`traseu.sales.money`."""
    rows = list(proposal.lines.all()) if lines is None else lines
    return totals((line_input(line) for line in rows), proposal.currency)


def deal_proposals(deal_id: int) -> list[tuple[Proposal, Totals]]:
    """Every version of a deal's proposal, newest first, with its totals (two queries)."""
    proposals = Proposal.objects.filter(deal_id=deal_id).prefetch_related(
        Prefetch("lines", queryset=ProposalLine.objects.order_by("position", "pk"))
    )
    return [(p, proposal_totals(p, list(p.lines.all()))) for p in proposals.order_by("-number")]


def products_search(query: str = "", *, include_inactive: bool = False) -> QuerySet[Product]:
    products = Product.objects.all()
    if not include_inactive:
        products = products.filter(active=True)
    if query.strip():
        term = query.strip()
        products = products.filter(
            Q(name__icontains=term) | Q(code__icontains=term) | Q(description__icontains=term)
        )
    return products.order_by("name", "code")
