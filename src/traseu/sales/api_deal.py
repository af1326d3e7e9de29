"""REST API of competitors, market notes and contracts (see :mod:`traseu.sales.api`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import conditional, idempotent, responses
from traseu.apikit.versions import expected_version, set_etag
from traseu.core.errors import NotFound
from traseu.crm.access import deal_for
from traseu.sales import competitors, contracts
from traseu.sales.access import deal_competitor_for
from traseu.sales.models import Competitor, Contract, DealCompetitor, MarketNote, NegotiationRound
from traseu.sales.schemas import (
    CompetitorIn,
    CompetitorOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    DealCompetitorIn,
    DealCompetitorOut,
    DealCompetitorPatch,
    MarketNoteIn,
    MarketNoteOut,
    RoundIn,
    WinnerIn,
)

router = Router(tags=["sales"])
WRITE = (400, 403, 404, 409, 422)


@router.get(
    "/competitors", url_name="competitor_list", response=responses({200: list[CompetitorOut]})
)
def competitor_list(request: HttpRequest) -> list[Competitor]:
    """Every competitor on record (the list is shared by all teams)."""
    user_of(request)
    return list(Competitor.objects.order_by("name"))


@router.post(
    "/competitors",
    url_name="competitor_create",
    response=responses({201: CompetitorOut}, *WRITE),
    openapi_extra=idempotent(),
)
def competitor_new(request: HttpRequest, payload: CompetitorIn) -> Status[Competitor]:
    return Status(
        201, competitors.competitor_create(acting_user=user_of(request), data=payload.model_dump())
    )


def _entry(entry_id: int) -> DealCompetitor:
    return DealCompetitor.objects.select_related("competitor").get(pk=entry_id)


@router.get(
    "/deals/{id:deal_id}/competitors",
    url_name="deal_competitors",
    response=responses({200: list[DealCompetitorOut]}, 404),
)
def deal_competitors(request: HttpRequest, deal_id: int) -> list[DealCompetitor]:
    deal = deal_for(user_of(request), deal_id)
    return list(DealCompetitor.objects.filter(deal=deal).select_related("competitor"))


@router.post(
    "/deals/{id:deal_id}/competitors",
    url_name="deal_competitor_add",
    response=responses({201: DealCompetitorOut}, *WRITE),
    openapi_extra=idempotent(),
)
def deal_competitor_new(
    request: HttpRequest, deal_id: int, payload: DealCompetitorIn
) -> Status[DealCompetitor]:
    """Put a competitor on the deal with what is known of their offer."""
    row = competitors.deal_competitor_add(
        deal_id=deal_id,
        competitor_id=payload.competitor_id,
        acting_user=user_of(request),
        data=payload.model_dump(exclude={"competitor_id"}),
    )
    return Status(201, _entry(row.pk))


@router.patch(
    "/deal-competitors/{id:entry_id}",
    url_name="deal_competitor_update",
    response=responses({200: DealCompetitorOut}, *WRITE),
    openapi_extra=conditional(),
)
def deal_competitor_edit(
    request: HttpRequest, response: HttpResponse, entry_id: int, payload: DealCompetitorPatch
) -> DealCompetitor:
    user = user_of(request)
    deal_competitor_for(user, entry_id)
    row = competitors.deal_competitor_update(
        deal_competitor_id=entry_id,
        acting_user=user,
        changes=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    set_etag(response, row.version)
    return _entry(row.pk)


@router.post(
    "/deals/{id:deal_id}/competitors/winner",
    url_name="deal_competitor_winner",
    response=responses({200: list[DealCompetitorOut]}, *WRITE),
    openapi_extra=idempotent(),
)
def winner(request: HttpRequest, deal_id: int, payload: WinnerIn) -> list[DealCompetitor]:
    """Name the competitor that won a lost deal (409 ``deal_not_lost`` for other deals)."""
    competitors.deal_competitor_winner(
        deal_id=deal_id, competitor_id=payload.competitor_id, acting_user=user_of(request)
    )
    return list(DealCompetitor.objects.filter(deal_id=deal_id).select_related("competitor"))


@router.get(
    "/deals/{id:deal_id}/market-notes",
    url_name="deal_market_notes",
    response=responses({200: list[MarketNoteOut]}, 404),
)
def market_notes(request: HttpRequest, deal_id: int) -> list[MarketNote]:
    deal = deal_for(user_of(request), deal_id)
    return list(MarketNote.objects.filter(deal=deal).select_related("author"))


@router.post(
    "/deals/{id:deal_id}/market-notes",
    url_name="deal_market_note_add",
    response=responses({201: MarketNoteOut}, *WRITE),
    openapi_extra=idempotent(),
)
def market_note_new(
    request: HttpRequest, deal_id: int, payload: MarketNoteIn
) -> Status[MarketNote]:
    return Status(
        201,
        competitors.market_note_add(
            deal_id=deal_id, acting_user=user_of(request), text=payload.text
        ),
    )


def _contract(deal_id: int, response: HttpResponse) -> Contract:
    contract = Contract.objects.prefetch_related("rounds").get(deal_id=deal_id)
    set_etag(response, contract.version)
    return contract


@router.get(
    "/deals/{id:deal_id}/contract",
    url_name="deal_contract",
    response=responses({200: ContractOut}, 404),
)
def contract(request: HttpRequest, response: HttpResponse, deal_id: int) -> Contract:
    """The deal's contract with its negotiation rounds (404 ``contract_not_found`` if none)."""
    deal = deal_for(user_of(request), deal_id)
    if not Contract.objects.filter(deal=deal).exists():
        raise NotFound(_("This deal has no contract yet."), code="contract_not_found")
    return _contract(deal.pk, response)


@router.post(
    "/deals/{id:deal_id}/contract",
    url_name="deal_contract_create",
    response=responses({201: ContractOut}, *WRITE),
    openapi_extra=idempotent(),
)
def contract_new(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: ContractIn
) -> Status[Contract]:
    """Open the deal's contract (drafting); 409 ``contract_exists`` if it has one."""
    data: dict[str, Any] = payload.model_dump(exclude_none=True)
    contracts.contract_create(deal_id=deal_id, acting_user=user_of(request), data=data)
    return Status(201, _contract(deal_id, response))


@router.patch(
    "/deals/{id:deal_id}/contract",
    url_name="deal_contract_update",
    response=responses({200: ContractOut}, *WRITE),
    openapi_extra=conditional(),
)
def contract_edit(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: ContractPatch
) -> Contract:
    """Change terms or status (drafting → negotiating → signed; cancel any time); 409
    ``contract_transition_invalid`` or ``contract_closed`` when not allowed."""
    contracts.contract_update(
        deal_id=deal_id,
        acting_user=user_of(request),
        changes=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    return _contract(deal_id, response)


@router.post(
    "/deals/{id:deal_id}/contract/rounds",
    url_name="deal_contract_round_add",
    response=responses({201: ContractOut}, *WRITE),
    openapi_extra=idempotent(),
)
def round_new(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: RoundIn
) -> Status[Contract]:
    """Record a negotiation round: who asked for what, what was conceded and by whom."""
    data = payload.model_dump(exclude_none=True)
    contracts.negotiation_round_add(deal_id=deal_id, acting_user=user_of(request), data=data)
    return Status(201, _contract(deal_id, response))


__all__ = ["NegotiationRound", "router"]
