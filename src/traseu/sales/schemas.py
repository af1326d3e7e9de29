"""API shapes of the sales app. Money and quantities are decimal strings (``"1500.00"``);
totals follow the rounding rule of :mod:`traseu.sales.money`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from traseu.apikit.ids import RecordId
from traseu.apikit.schemas import Patch
from traseu.sales.models import Contract, DealCompetitor, Proposal
from traseu.sales.selectors import proposal_totals

Money = Decimal
Currency = Field(min_length=3, max_length=3, pattern="^[A-Za-z]{3}$", description="ISO 4217")


class ProductOut(Schema):
    id: int
    name: str
    code: str
    unit_price: Decimal
    currency: str
    active: bool
    description: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ProductPage(Schema):
    items: list[ProductOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class ProductFilters(Schema):
    q: str = Field("", max_length=100, description="Searches name, code and description.")
    include_inactive: bool = False
    sort: Literal["name", "-name", "code", "-code", "created_at", "-created_at"] = "name"
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)


class ProductIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=60)
    unit_price: Decimal = Field(ge=0, max_digits=14, decimal_places=4)
    currency: str = Currency
    active: bool = True
    description: str = Field("", max_length=5000)


class ProductPatch(Patch):
    not_null = ("name", "code", "unit_price", "currency", "active", "description")

    name: str | None = Field(None, min_length=1, max_length=200)
    code: str | None = Field(None, min_length=1, max_length=60)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=4)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
    active: bool | None = None
    description: str | None = Field(None, max_length=5000)
    version: int | None = Field(None, description="The version you read (or send If-Match).")


class LineOut(Schema):
    id: int
    position: int
    product_id: int | None
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_percent: Decimal
    net: Decimal = Field(description="Quantity x price less the discount, rounded.")
    tax: Decimal
    total: Decimal


class TotalsOut(Schema):
    gross: Decimal
    discount: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal


class ProposalOut(Schema):
    id: int
    deal_id: int
    number: int = Field(description="The version: 1 for v1, 2 for v2 …")
    title: str
    introduction: str
    currency: str
    language: str
    valid_until: dt.date | None
    status: Literal["draft", "sent", "accepted", "rejected"]
    sent_at: dt.datetime | None
    accepted_at: dt.datetime | None
    rejected_at: dt.datetime | None
    created_at: dt.datetime
    version: int
    lines: list[LineOut]
    totals: TotalsOut

    @staticmethod
    def resolve_lines(obj: Proposal) -> list[dict[str, Any]]:
        lines = list(obj.lines.all())
        totals = proposal_totals(obj, lines)
        return [
            {
                **{
                    name: getattr(line, name)
                    for name in (
                        "id", "position", "product_id", "code", "description", "quantity",
                        "unit_price", "discount_percent", "tax_percent",
                    )
                },
                "net": amounts.net,
                "tax": amounts.tax,
                "total": amounts.total,
            }
            for line, amounts in zip(lines, totals.lines, strict=True)
        ]  # fmt: skip

    @staticmethod
    def resolve_totals(obj: Proposal) -> dict[str, Decimal]:
        totals = proposal_totals(obj)
        return {
            "gross": totals.gross,
            "discount": totals.discount,
            "subtotal": totals.subtotal,
            "tax": totals.tax,
            "total": totals.total,
        }


class ProposalIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    introduction: str | None = Field(None, max_length=10000)
    valid_until: dt.date | None = None
    language: Literal["en", "ro"] | None = Field(None, description="Default: the deal's.")
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")


class ProposalPatch(Patch):
    not_null = ("title", "introduction", "language", "currency")

    title: str | None = Field(None, min_length=1, max_length=200)
    introduction: str | None = Field(None, max_length=10000)
    valid_until: dt.date | None = None
    language: Literal["en", "ro"] | None = None
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
    version: int | None = Field(None, description="The proposal's version you read.")


class LineIn(Schema):
    product_code: str = Field("", max_length=60, description="Optional catalogue product.")
    description: str = Field("", max_length=500, description="Default: the product's name.")
    quantity: Decimal = Field(gt=0, max_digits=14, decimal_places=4)
    unit_price: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=4, description="Default: the product's."
    )
    discount_percent: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)
    tax_percent: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)
    version: int | None = Field(None, description="The proposal's version you read.")


class StatusIn(Schema):
    status: Literal["sent", "accepted", "rejected"]
    version: int | None = Field(None, description="The proposal's version you read.")


class CompetitorOut(Schema):
    id: int
    name: str
    website: str
    notes: str
    version: int


class CompetitorIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    website: str = Field("", max_length=200)
    notes: str = Field("", max_length=5000)


Outcome = Literal["open", "we_won", "they_won", "no_decision"]


class DealCompetitorOut(Schema):
    id: int
    deal_id: int
    competitor: CompetitorOut
    offer: str
    price: Decimal | None
    strengths: str
    weaknesses: str
    likely_next_move: str
    positioning: str
    outcome: Outcome
    analysed: bool = Field(description="Strengths, weaknesses and our positioning written.")
    version: int

    @staticmethod
    def resolve_analysed(obj: DealCompetitor) -> bool:
        return obj.analysed


class DealCompetitorIn(Schema):
    competitor_id: RecordId
    offer: str = Field("", max_length=5000)
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    strengths: str = Field("", max_length=5000)
    weaknesses: str = Field("", max_length=5000)
    likely_next_move: str = Field("", max_length=5000)
    positioning: str = Field("", max_length=5000)


class DealCompetitorPatch(Patch):
    not_null = ("offer", "strengths", "weaknesses", "likely_next_move", "positioning", "outcome")

    offer: str | None = Field(None, max_length=5000)
    price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    strengths: str | None = Field(None, max_length=5000)
    weaknesses: str | None = Field(None, max_length=5000)
    likely_next_move: str | None = Field(None, max_length=5000)
    positioning: str | None = Field(None, max_length=5000)
    outcome: Outcome | None = None
    version: int | None = None


class WinnerIn(Schema):
    competitor_id: RecordId | None = Field(
        None, description="The competitor that won the lost deal; null: none or unknown."
    )


class MarketNoteIn(Schema):
    text: str = Field(min_length=1, max_length=5000)


class MarketNoteOut(Schema):
    id: int
    text: str
    author: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return obj.author.username if obj.author_id else None


class RoundOut(Schema):
    number: int
    asked_by: Literal["client", "us"]
    asked: str
    conceded_by: Literal["client", "us", ""]
    conceded: str
    person: str
    at: dt.datetime


class ContractOut(Schema):
    id: int
    deal_id: int
    terms: str
    value: Decimal | None
    currency: str
    start_date: dt.date | None
    end_date: dt.date | None
    status: Literal["drafting", "negotiating", "signed", "cancelled"]
    signed_on: dt.date | None
    version: int
    rounds: list[RoundOut]

    @staticmethod
    def resolve_rounds(obj: Contract) -> list[Any]:
        return list(obj.rounds.all())


class ContractIn(Schema):
    terms: str = Field("", max_length=20000)
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class ContractPatch(Patch):
    not_null = ("terms", "currency", "status")

    terms: str | None = Field(None, max_length=20000)
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = Field(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    status: Literal["drafting", "negotiating", "signed", "cancelled"] | None = None
    signed_on: dt.date | None = None
    version: int | None = None


class RoundIn(Schema):
    asked_by: Literal["client", "us"]
    asked: str = Field(min_length=1, max_length=5000)
    conceded_by: Literal["client", "us", ""] = ""
    conceded: str = Field("", max_length=5000)
    person: str = Field("", max_length=200)
    at: dt.datetime | None = Field(None, description="Default: now.")
