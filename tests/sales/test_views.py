"""The sales panels on the deal page, the proposal document and PDF, the product catalogue.

Bad input answers 422 with the error beside its field and changes nothing; another team's deal
is a 404; a read-only user cannot write.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from tests.conftest import FakeClock
from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.transitions import deal_move_to_stage
from traseu.sales.models import (
    Competitor,
    Contract,
    DealCompetitor,
    Product,
    Proposal,
    ProposalLine,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_deal_page_shows_the_three_panels(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    html = signed_in(client, people["rep"]).get(f"/deals/{deal.pk}/").content.decode()
    for key in ("sales-proposals", "sales-competitors", "sales-contract"):
        assert f'id="{key}"' in html
    assert f'hx-get="/sales/deals/{deal.pk}/panels/sales-proposals/"' in html
    fragment = client.get(f"/sales/deals/{deal.pk}/panels/sales-proposals/", **HTMX)
    assert fragment.status_code == 200
    assert f'action="/sales/deals/{deal.pk}/proposals/"' in fragment.content.decode()
    page = client.get(f"/sales/deals/{deal.pk}/panels/sales-contract/").content.decode()
    assert "<nav" in page  # without JavaScript: a page of its own
    assert f'action="/sales/deals/{deal.pk}/contract/"' in page
    assert client.get(f"/sales/deals/{deal.pk}/panels/nope/").status_code == 404
    other = signed_in(Client(), people["rep_b"])
    assert other.get(f"/sales/deals/{deal.pk}/panels/sales-proposals/").status_code == 404


def test_create_proposal_add_lines_send_accept_with_htmx(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal], product: Product
) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    response = client.post(f"/sales/deals/{deal.pk}/proposals/", {"title": "Ofertă"}, **HTMX)
    assert response.status_code == 200
    proposal = Proposal.objects.get(deal=deal)
    assert (proposal.number, proposal.title, proposal.language) == (1, "Ofertă", "en")
    url = f"/sales/proposals/{proposal.pk}/lines/"
    data = {"version": "1", "product_code": "LIC-1", "quantity": "2", "tax_percent": "19"}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "238.00" in response.content.decode()  # 2 x 100 + 19 % tax
    response = client.post(
        f"/sales/proposals/{proposal.pk}/status/", {"version": "2", "status": "sent"}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="checklist"' in response.content.decode()  # refreshed out of band
    assert 'hx-swap-oob="true"' in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "sent"
    assert proposal.sent_at is not None
    # A sent proposal's lines are no longer editable: the form is gone and a post is refused.
    response = client.post(url, {**data, "version": "3"}, **HTMX)
    assert response.status_code == 422
    assert "Only a draft can be edited" in response.content.decode()
    assert ProposalLine.objects.count() == 1


def test_bad_line_is_422_beside_the_field_and_changes_nothing(
    client: Client,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
) -> None:
    proposal = make_proposal(make_deal())
    client = signed_in(client, people["rep"])
    before = AuditEntry.objects.count()
    response = client.post(
        f"/sales/proposals/{proposal.pk}/lines/",
        {"version": "1", "description": "Seat", "quantity": "-2", "unit_price": "10"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="proposal-{proposal.pk}-line-quantity_error"' in html
    assert "Must be greater than zero." in html
    assert not ProposalLine.objects.exists()
    assert AuditEntry.objects.count() == before


def test_stale_version_is_refused(
    client: Client,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
) -> None:
    proposal = make_proposal(make_deal(), {"description": "A", "quantity": "1", "unit_price": "1"})
    response = signed_in(client, people["rep"]).post(
        f"/sales/proposals/{proposal.pk}/status/", {"version": "1", "status": "sent"}, **HTMX
    )
    assert response.status_code == 422
    assert "changed since you read it" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "draft"


def test_other_team_gets_404_everywhere_and_viewer_403(
    client: Client,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
) -> None:
    deal = make_deal()
    proposal = make_proposal(deal, {"description": "A", "quantity": "1", "unit_price": "1"})
    line = proposal.lines.get()
    other = signed_in(Client(), people["rep_b"])
    for url in (
        f"/sales/proposals/{proposal.pk}/",
        f"/sales/proposals/{proposal.pk}/pdf/",
    ):
        assert other.get(url).status_code == 404
    posts = (
        f"/sales/deals/{deal.pk}/proposals/",
        f"/sales/proposals/{proposal.pk}/lines/",
        f"/sales/proposal-lines/{line.pk}/",
        f"/sales/proposal-lines/{line.pk}/remove/",
        f"/sales/proposals/{proposal.pk}/status/",
        f"/sales/deals/{deal.pk}/competitors/",
        f"/sales/deals/{deal.pk}/market-notes/",
        f"/sales/deals/{deal.pk}/contract/",
        f"/sales/deals/{deal.pk}/contract/rounds/",
    )
    for url in posts:
        assert other.post(url, {"version": "2"}).status_code == 404, url
    viewer = signed_in(Client(), people["viewer"])
    assert viewer.get(f"/sales/proposals/{proposal.pk}/").status_code == 200
    for url in posts:
        assert viewer.post(url, {"version": "2"}).status_code == 403, url
    assert Proposal.objects.count() == 1
    assert ProposalLine.objects.count() == 1


def test_proposal_document_in_romanian(
    client: Client,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
) -> None:
    proposal = make_proposal(
        make_deal(), {"description": "Consultanță", "quantity": "3", "unit_price": "1234.5"}
    )
    Proposal.objects.filter(pk=proposal.pk).update(language="ro")
    html = signed_in(client, people["rep"]).get(f"/sales/proposals/{proposal.pk}/").content.decode()
    assert '<html lang="ro">' in html
    assert "Consultanță" in html
    assert "3.703,50" in html  # Romanian number format
    assert "sales/proposal.css" in html


def test_competitor_note_and_contract_through_the_panels(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    response = client.post(
        f"/sales/deals/{deal.pk}/competitors/",
        {
            "new_name": "Rival SRL",
            "strengths": "Preț",
            "weaknesses": "Suport",
            "positioning": "Implementare rapidă",
            "price": "4500",
        },
        **HTMX,
    )
    assert response.status_code == 200
    entry = DealCompetitor.objects.get(deal=deal)
    assert (entry.competitor.name, entry.price, entry.analysed) == (
        "Rival SRL",
        Decimal(4500),
        True,
    )
    bad = client.post(f"/sales/deals/{deal.pk}/competitors/", {"strengths": "x"}, **HTMX)
    assert bad.status_code == 422
    assert "Choose a competitor" in bad.content.decode()
    assert (
        client.post(
            f"/sales/deals/{deal.pk}/market-notes/", {"text": "Piață în creștere"}, **HTMX
        ).status_code
        == 200
    )
    response = client.post(
        f"/sales/deals/{deal.pk}/contract/",
        {"terms": "12 luni", "start_date": "2026-04-01", "end_date": "2026-03-01"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "The end cannot come before the start." in response.content.decode()
    assert not Contract.objects.exists()
    assert (
        client.post(f"/sales/deals/{deal.pk}/contract/", {"terms": "12 luni"}, **HTMX).status_code
        == 200
    )
    contract = Contract.objects.get(deal=deal)
    assert (contract.status, contract.value) == ("drafting", Decimal("5000.00"))
    response = client.post(
        f"/sales/deals/{deal.pk}/contract/rounds/",
        {
            "asked_by": "client",
            "asked": "10 % discount",
            "conceded_by": "us",
            "conceded": "5 %",
            "person": "Ana",
        },
        **HTMX,
    )
    assert response.status_code == 200
    contract.refresh_from_db()
    assert contract.status == "negotiating"
    assert contract.rounds.get().conceded == "5 %"


def test_catalogue_list_search_and_manager_only_edit(
    client: Client, people: dict[str, User], product: Product
) -> None:
    rep = signed_in(Client(), people["rep"])
    page = rep.get("/sales/products/?q=lic").content.decode()
    assert "LIC-1" in page
    assert "/sales/products/new/" not in page
    assert "LIC-1" not in rep.get("/sales/products/?q=zzz").content.decode()
    assert rep.get("/sales/products/new/").status_code == 403
    manager = signed_in(client, people["manager"])
    response = manager.post(
        "/sales/products/new/",
        {"name": "Seat", "code": "lic-1", "unit_price": "9", "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 422
    assert "exists already" in response.content.decode()
    response = manager.post(
        f"/sales/products/{product.pk}/",
        {
            "version": "1",
            "name": "Licență",
            "code": "LIC-1",
            "unit_price": "150",
            "currency": "eur",
            "active": "on",
        },
    )
    assert response.status_code == 303
    product.refresh_from_db()
    assert (product.unit_price, product.currency, product.version) == (Decimal(150), "EUR", 2)


def test_without_javascript_a_write_redirects_and_an_error_is_a_page(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    response = client.post(f"/sales/deals/{deal.pk}/market-notes/", {"text": "Piața crește"})
    assert response.status_code == 303
    assert response["Location"] == f"/deals/{deal.pk}/#sales-competitors"
    response = client.post(f"/sales/deals/{deal.pk}/market-notes/", {"text": " "})
    assert response.status_code == 422
    assert "<nav" in response.content.decode()
    assert deal.market_notes.count() == 1


def test_the_lost_deal_panel_names_the_winner(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal], clock: FakeClock
) -> None:
    deal = make_deal()
    rival = Competitor.objects.create(name="Rival")
    client = signed_in(client, people["rep"])
    url = f"/sales/deals/{deal.pk}/competitors/winner/"
    panel_url = f"/sales/deals/{deal.pk}/panels/sales-competitors/"
    assert "Record who won" not in client.get(panel_url, **HTMX).content.decode()
    refused = client.post(url, {"competitor": str(rival.pk)}, **HTMX)
    assert refused.status_code == 422
    assert "Only a lost deal" in refused.content.decode()
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="lost",
        acting_user=people["rep"],
        lost_reason="Price",
        clock=clock,
    )
    assert "Record who won" in client.get(panel_url, **HTMX).content.decode()
    assert client.post(url, {"competitor": str(rival.pk)}, **HTMX).status_code == 200
    assert DealCompetitor.objects.get(deal=deal).outcome == "they_won"
    audit = AuditEntry.objects.filter(object_type="deal_competitor", deal_id=deal.pk)
    assert audit.count() == 1
