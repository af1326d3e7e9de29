"""The demo's sales work: a small product catalogue, proposals built from it, competitors on
each deal, contracts with a negotiation round; all through the sales services, so the stage
criteria ("proposal sent", "competitors analysed", "contract signed") are met the real way."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.sales import competitors, contracts, proposal_status, services
from traseu.sales.models import (
    Competitor,
    Contract,
    ContractStatus,
    DealCompetitor,
    Product,
    Proposal,
    ProposalStatus,
)

Clock = Callable[[], dt.datetime]
PRODUCTS = (
    ("TRS-LIC", "Licență anuală Traseu / Annual licence", "1200.00"),
    ("TRS-SEAT", "Utilizator suplimentar / Extra seat", "180.00"),
    ("TRS-ONB", "Implementare și instruire / Onboarding and training", "2500.00"),
    ("TRS-SUP", "Suport prioritar / Priority support", "900.00"),
)
# Demo list prices are in EUR; other currencies at a round rate (a demo, not accounting).
RATES = {"EUR": Decimal(1), "RON": Decimal(5), "USD": Decimal("1.1")}
COMPETITORS = (
    ("Pipedrive", "https://www.pipedrive.com"),
    ("HubSpot", "https://www.hubspot.com"),
    ("Soluție internă / In-house", ""),
)


def ensure_catalogue(manager: User, currency: str = "EUR") -> None:
    """The demo products and competitors (created once)."""
    for code, name, price in PRODUCTS:
        if not Product.objects.filter(code=code).exists():
            services.product_create(
                acting_user=manager,
                data={"code": code, "name": name, "unit_price": price, "currency": currency},
            )
    for name, website in COMPETITORS:
        if not Competitor.objects.filter(name=name).exists():
            competitors.competitor_create(
                acting_user=manager, data={"name": name, "website": website}
            )


def analyse_competitors(deal: Deal, rng: random.Random, clock: Clock) -> None:
    """One or two competitors on the deal, each with a full analysis."""
    known = set(DealCompetitor.objects.filter(deal=deal).values_list("competitor_id", flat=True))
    pool = [c for c in Competitor.objects.order_by("pk") if c.pk not in known]
    for competitor in rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2)))):
        competitors.deal_competitor_add(
            deal_id=deal.pk,
            competitor_id=competitor.pk,
            acting_user=deal.owner,
            data={
                "price": str((deal.amount or Decimal(10000)) * Decimal(rng.choice(("0.8", "1.1")))),
                "strengths": rng.choice(("Known brand", "Lower price", "Already in use")),
                "weaknesses": rng.choice(("Generic process", "Slow support", "Costly add-ons")),
                "likely_next_move": rng.choice(("Discount at the end", "Free pilot")),
                "positioning": "Their own sales process, enforced, with Romanian support.",
            },
            clock=clock,
        )


def proposal_to(deal: Deal, status: str, rng: random.Random, clock: Clock) -> None:
    """Bring the deal's proposal to ``status`` (sent or accepted), building it if needed."""
    proposal = Proposal.objects.filter(deal=deal).order_by("-number").first()
    if proposal is None or proposal.status == ProposalStatus.REJECTED:
        proposal = services.proposal_create(deal_id=deal.pk, acting_user=deal.owner, clock=clock)
        if not proposal.lines.exists():
            for code, quantity, unit_price in _lines_for(deal, proposal.currency, rng):
                services.proposal_line_add(
                    proposal_id=proposal.pk,
                    acting_user=deal.owner,
                    data={
                        "product_code": code,
                        "unit_price": str(unit_price),
                        "quantity": str(quantity),
                        "discount_percent": "0",
                        "tax_percent": "19",
                    },
                    expected_version=None,
                )
    steps = {"sent": ["sent"], "accepted": ["sent", "accepted"]}.get(status, [])
    for step in steps:
        proposal.refresh_from_db()
        if step in [s for s, _label in proposal.next_statuses]:
            proposal_status.proposal_set_status(
                proposal_id=proposal.pk,
                acting_user=deal.owner,
                status=step,
                expected_version=None,
                clock=clock,
            )


def _lines_for(deal: Deal, currency: str, rng: random.Random) -> list[tuple[str, int, Decimal]]:
    """One to three catalogue products whose lines add up (before tax) to the deal's amount, so
    the proposal, the contract and the handoff tell the same story: each product takes a share
    of the amount, as a whole number of units near its list price."""
    picked = rng.sample(PRODUCTS, k=rng.randint(1, 3))
    amount = deal.amount or Decimal(10000)
    share = (amount / len(picked)).quantize(Decimal("0.01"))
    lines = []
    for index, (code, _name, price) in enumerate(picked):
        part = amount - share * (len(picked) - 1) if index == len(picked) - 1 else share
        list_price = Decimal(price) * RATES.get(currency, Decimal(1))
        quantity = max(1, int(part / list_price))
        lines.append((code, quantity, (part / quantity).quantize(Decimal("0.01"))))
    return lines


def contract_to(deal: Deal, status: str, clock: Clock) -> None:
    """Bring the deal's contract to ``status`` (negotiated once on the way to signed)."""
    contract = Contract.objects.filter(deal=deal).first()
    if contract is None:
        contract = contracts.contract_create(
            deal_id=deal.pk,
            acting_user=deal.owner,
            data={"terms": "12 months, payment in 30 days.", "start_date": clock().date()},
            clock=clock,
        )
    if contract.status == ContractStatus.DRAFTING and status != ContractStatus.DRAFTING:
        contracts.negotiation_round_add(
            deal_id=deal.pk,
            acting_user=deal.owner,
            data={
                "asked_by": "client",
                "asked": "Payment in 60 days",
                "conceded_by": "us",
                "conceded": "Payment in 45 days",
                "person": "Procurement",
            },
            clock=clock,
        )
    contract.refresh_from_db()
    if contract.status != status and status in (ContractStatus.SIGNED, ContractStatus.CANCELLED):
        contracts.contract_update(
            deal_id=deal.pk,
            acting_user=deal.owner,
            changes={"status": status},
            expected_version=None,
            clock=clock,
        )


def name_winner(deal: Deal, rng: random.Random, clock: Clock) -> None:
    """A lost deal often went to a competitor (added now if the rep had not recorded any)."""
    if not DealCompetitor.objects.filter(deal=deal).exists() and rng.random() < 0.6:
        analyse_competitors(deal, rng, clock)
    entries = list(DealCompetitor.objects.filter(deal=deal))
    if entries and rng.random() < 0.7:
        competitors.deal_competitor_winner(
            deal_id=deal.pk,
            competitor_id=rng.choice(entries).competitor_id,
            acting_user=deal.owner,
            clock=clock,
        )
