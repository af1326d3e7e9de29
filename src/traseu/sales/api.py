"""REST API of the sales app: products, a deal's proposals (with their PDF), competitors and
market notes, the contract with its negotiation rounds.

Reads of a deal's records first fetch the deal with ``deal_for`` (404 if missing or not
yours); writes go through the services, which check write access, versions and input.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.openapi import conditional, idempotent, responses
from traseu.apikit.pagination import paginate
from traseu.apikit.versions import expected_version, set_etag
from traseu.core.errors import NotFound
from traseu.crm.access import deal_for
from traseu.sales import proposal_status, services
from traseu.sales.access import may_manage_catalogue, proposal_for
from traseu.sales.document import proposal_document
from traseu.sales.models import (
    Product,
    Proposal,
    ProposalLine,
)
from traseu.sales.pdf import proposal_pdf
from traseu.sales.schemas import (
    LineIn,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductPatch,
    ProposalIn,
    ProposalOut,
    ProposalPatch,
    StatusIn,
)
from traseu.sales.selectors import products_search

router = Router(tags=["sales"])
WRITE = (400, 403, 404, 409, 422)
PRODUCT_SORT = {"name": "name", "code": "code", "created_at": "created_at"}


# Products --------------------------------------------------------------------------------


@router.get("/products", url_name="product_list", response=responses({200: ProductPage}, 400, 422))
def products(request: HttpRequest, filters: Query[ProductFilters]) -> dict[str, Any]:
    """The catalogue, a page at a time (inactive products only for managers who ask)."""
    user = user_of(request)
    rows = products_search(
        filters.q, include_inactive=filters.include_inactive and may_manage_catalogue(user)
    )
    page = paginate(
        rows, sort=filters.sort, keys=PRODUCT_SORT, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post(
    "/products",
    url_name="product_create",
    response=responses({201: ProductOut}, *WRITE),
    openapi_extra=idempotent(),
)
def product_new(
    request: HttpRequest, response: HttpResponse, payload: ProductIn
) -> Status[Product]:
    """Add a product (sales managers and administrators)."""
    product = services.product_create(acting_user=user_of(request), data=payload.model_dump())
    set_etag(response, product.version)
    return Status(201, product)


def _product(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("No product %(id)s.") % {"id": product_id}, code="product_not_found")
    return product


@router.get(
    "/products/{id:product_id}", url_name="product_get", response=responses({200: ProductOut}, 404)
)
def product(request: HttpRequest, response: HttpResponse, product_id: int) -> Product:
    user_of(request)
    found = _product(product_id)
    set_etag(response, found.version)
    return found


@router.patch(
    "/products/{id:product_id}",
    url_name="product_update",
    response=responses({200: ProductOut}, *WRITE),
    openapi_extra=conditional(),
)
def product_edit(
    request: HttpRequest, response: HttpResponse, product_id: int, payload: ProductPatch
) -> Product:
    """Change the fields sent; proposals already made keep their copied code and price."""
    updated = services.product_update(
        product_id=product_id,
        acting_user=user_of(request),
        changes=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    set_etag(response, updated.version)
    return updated


# Proposals -------------------------------------------------------------------------------

LINES = Prefetch("lines", queryset=ProposalLine.objects.order_by("position", "pk"))


def _proposal(request: HttpRequest, proposal_id: int) -> Proposal:
    found = proposal_for(user_of(request), proposal_id)
    return Proposal.objects.prefetch_related(LINES).get(pk=found.pk)


def _answer(response: HttpResponse, proposal: Proposal) -> Proposal:
    proposal = Proposal.objects.prefetch_related(LINES).get(pk=proposal.pk)
    set_etag(response, proposal.version)
    return proposal


@router.get(
    "/deals/{id:deal_id}/proposals",
    url_name="deal_proposals",
    response=responses({200: list[ProposalOut]}, 404),
)
def deal_proposals(request: HttpRequest, deal_id: int) -> list[Proposal]:
    """Every version of the deal's proposal, newest first, with lines and totals."""
    deal = deal_for(user_of(request), deal_id)
    return list(Proposal.objects.filter(deal=deal).prefetch_related(LINES).order_by("-number"))


@router.post(
    "/deals/{id:deal_id}/proposals",
    url_name="deal_proposal_create",
    response=responses({201: ProposalOut}, *WRITE),
    openapi_extra=idempotent(),
)
def proposal_new(
    request: HttpRequest, response: HttpResponse, deal_id: int, payload: ProposalIn
) -> Status[Proposal]:
    """Start the next version (v1, v2 …); it copies the newest version's lines."""
    proposal = services.proposal_create(
        deal_id=deal_id, acting_user=user_of(request), data=payload.model_dump(exclude_none=True)
    )
    return Status(201, _answer(response, proposal))


@router.get(
    "/proposals/{id:proposal_id}",
    url_name="proposal_get",
    response=responses({200: ProposalOut}, 404),
)
def proposal(request: HttpRequest, response: HttpResponse, proposal_id: int) -> Proposal:
    return _answer(response, _proposal(request, proposal_id))


@router.patch(
    "/proposals/{id:proposal_id}",
    url_name="proposal_update",
    response=responses({200: ProposalOut}, *WRITE),
    openapi_extra=conditional(),
)
def proposal_edit(
    request: HttpRequest, response: HttpResponse, proposal_id: int, payload: ProposalPatch
) -> Proposal:
    """Edit a draft's header; a sent, accepted or rejected proposal answers 409."""
    updated = services.proposal_update(
        proposal_id=proposal_id,
        acting_user=user_of(request),
        changes=payload.model_dump(exclude_unset=True, exclude={"version"}),
        expected_version=expected_version(request, payload.version),
    )
    return _answer(response, updated)


def _line_data(payload: LineIn) -> dict[str, Any]:
    return payload.model_dump(exclude={"version"})


@router.post(
    "/proposals/{id:proposal_id}/lines",
    url_name="proposal_line_add",
    response=responses({201: ProposalOut}, *WRITE),
    openapi_extra=idempotent(),
)
def line_new(
    request: HttpRequest, response: HttpResponse, proposal_id: int, payload: LineIn
) -> Status[Proposal]:
    """Add a line to a draft; answers the whole proposal with its new totals."""
    line = services.proposal_line_add(
        proposal_id=proposal_id,
        acting_user=user_of(request),
        data=_line_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    return Status(201, _answer(response, line.proposal))


@router.put(
    "/proposals/{id:proposal_id}/lines/{id:line_id}",
    url_name="proposal_line_update",
    response=responses({200: ProposalOut}, *WRITE),
    openapi_extra=conditional(),
)
def line_edit(
    request: HttpRequest, response: HttpResponse, proposal_id: int, line_id: int, payload: LineIn
) -> Proposal:
    """Replace a draft line's values."""
    _line_of(request, proposal_id, line_id)
    line = services.proposal_line_update(
        line_id=line_id,
        acting_user=user_of(request),
        data=_line_data(payload),
        expected_version=expected_version(request, payload.version),
    )
    return _answer(response, line.proposal)


@router.delete(
    "/proposals/{id:proposal_id}/lines/{id:line_id}",
    url_name="proposal_line_delete",
    response=responses({200: ProposalOut}, *WRITE),
    openapi_extra=conditional(),
)
def line_delete(
    request: HttpRequest, response: HttpResponse, proposal_id: int, line_id: int
) -> Proposal:
    """Remove a draft line (send If-Match with the proposal's version to guard the edit)."""
    proposal = _line_of(request, proposal_id, line_id)
    services.proposal_line_remove(
        line_id=line_id,
        acting_user=user_of(request),
        expected_version=expected_version(request, None),
    )
    return _answer(response, proposal)


def _line_of(request: HttpRequest, proposal_id: int, line_id: int) -> Proposal:
    proposal = proposal_for(user_of(request), proposal_id)
    if not ProposalLine.objects.filter(pk=line_id, proposal=proposal).exists():
        raise NotFound(
            _("No line %(line)s on proposal %(id)s.") % {"line": line_id, "id": proposal_id},
            code="line_not_found",
        )
    return proposal


@router.post(
    "/proposals/{id:proposal_id}/status",
    url_name="proposal_status",
    response=responses({200: ProposalOut}, *WRITE),
    openapi_extra=idempotent(),
)
def status(
    request: HttpRequest, response: HttpResponse, proposal_id: int, payload: StatusIn
) -> Proposal:
    """Send, accept or reject: draft → sent → accepted | rejected; anything else is 409
    ``proposal_transition_invalid``; a second accepted version 409 ``proposal_already_accepted``."""
    moved = proposal_status.proposal_set_status(
        proposal_id=proposal_id,
        acting_user=user_of(request),
        status=payload.status,
        expected_version=expected_version(request, payload.version),
    )
    return _answer(response, moved)


@router.get(
    "/proposals/{id:proposal_id}/pdf",
    url_name="proposal_pdf",
    response=responses({200: None}, 404, 500),
    openapi_extra={
        "responses": {
            200: {  # an int, as django-ninja keys them: "200" would be a second 200 key
                "description": "The proposal as PDF",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def pdf(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """The proposal as PDF, in its language (500 ``pdf_font_missing`` without the font)."""
    found = _proposal(request, proposal_id)
    body = proposal_pdf(proposal_document(found))
    answer = HttpResponse(body, content_type="application/pdf")
    answer["Content-Disposition"] = (
        f'attachment; filename="proposal-{found.pk}-v{found.number}.pdf"'
    )
    return answer
