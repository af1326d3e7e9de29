"""The sales API: products, proposals with totals and PDF, competitors, contracts; the error
shape, versions (If-Match), 404 for another team's deal, 403 for read-only users."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.sales.models import Product, Proposal

pytestmark = pytest.mark.django_db
API = "/api/v1"


def api(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(API + url, body, content_type="application/json", **headers)


def test_products_create_list_page_and_edit(people: dict[str, User], product: Product) -> None:
    manager = api(people["manager"])
    for n in range(3):
        response = post(
            manager,
            "/products",
            {"name": f"Seat {n}", "code": f"S{n}", "unit_price": "10.5", "currency": "eur"},
        )
        assert response.status_code == 201
    assert response.json()["currency"] == "EUR"
    assert response["ETag"] == '"1"'
    page = manager.get(API + "/products?limit=2&sort=code").json()
    assert [p["code"] for p in page["items"]] == ["LIC-1", "S0"]
    page2 = manager.get(API + f"/products?limit=2&sort=code&cursor={page['next_cursor']}").json()
    assert [p["code"] for p in page2["items"]] == ["S1", "S2"]
    assert page2["next_cursor"] is None
    refused = post(
        api(people["rep"]),
        "/products",
        {"name": "X", "code": "X", "unit_price": "1", "currency": "EUR"},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "catalogue_forbidden"
    stale = manager.patch(
        API + f"/products/{product.pk}",
        {"name": "Y"},
        content_type="application/json",
        HTTP_IF_MATCH='"9"',
    )
    assert stale.status_code == 409
    assert stale.json()["details"] == {"version": 1}
    assert Product.objects.get(pk=product.pk).name == "Licență anuală"


def test_proposal_lifecycle_with_totals_and_pdf(
    people: dict[str, User], make_deal: Callable[..., Deal], product: Product
) -> None:
    deal = make_deal()
    rep = api(people["rep"])
    created = post(rep, f"/deals/{deal.pk}/proposals", {"language": "ro"})
    assert created.status_code == 201
    body = created.json()
    assert (body["number"], body["status"], body["language"]) == (1, "draft", "ro")
    pid = body["id"]
    line = post(
        rep,
        f"/proposals/{pid}/lines",
        {"product_code": "LIC-1", "quantity": "3", "discount_percent": "5", "tax_percent": "19"},
        HTTP_IF_MATCH='"1"',
    )
    assert line.status_code == 201
    # 300 - 5 % = 285.00; tax 54.15; total 339.15
    assert line.json()["totals"] == {
        "gross": "300.00",
        "discount": "15.00",
        "subtotal": "285.00",
        "tax": "54.15",
        "total": "339.15",
    }
    empty_version = post(rep, f"/proposals/{pid}/status", {"status": "accepted", "version": 2})
    assert empty_version.status_code == 409
    assert empty_version.json()["code"] == "proposal_transition_invalid"
    assert (
        post(rep, f"/proposals/{pid}/status", {"status": "sent", "version": 2}).status_code == 200
    )
    v2 = post(rep, f"/deals/{deal.pk}/proposals", {})
    assert v2.json()["number"] == 2
    assert v2.json()["totals"]["total"] == "339.15"  # the lines were copied
    assert post(rep, f"/proposals/{pid}/status", {"status": "accepted"}).status_code == 200
    again = post(
        rep,
        f"/proposals/{v2.json()['id']}/lines",
        {"description": "x", "quantity": "1", "unit_price": "1"},
    )
    assert again.status_code == 201  # v2 is still a draft; accepting it would be refused:
    assert post(rep, f"/proposals/{v2.json()['id']}/status", {"status": "sent"}).status_code == 200
    second = post(rep, f"/proposals/{v2.json()['id']}/status", {"status": "accepted"})
    assert second.status_code == 409
    assert second.json()["code"] == "proposal_already_accepted"
    pdf = rep.get(API + f"/proposals/{pid}/pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "339,15 EUR" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    listed = rep.get(API + f"/deals/{deal.pk}/proposals").json()
    assert [(p["number"], p["status"]) for p in listed] == [(2, "sent"), (1, "accepted")]


def test_bad_input_is_422_and_changes_nothing(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    rep = api(people["rep"])
    pid = post(rep, f"/deals/{deal.pk}/proposals", {}).json()["id"]
    for body in (
        {"description": "x", "quantity": "0", "unit_price": "1"},
        {"description": "x", "quantity": "1", "unit_price": "1", "tax_percent": "150"},
        {"product_code": "NOPE", "quantity": "1"},
    ):
        response = post(rep, f"/proposals/{pid}/lines", body)
        assert response.status_code == 422, body
        assert set(response.json()) == {"code", "message", "details"}
    assert Proposal.objects.get(pk=pid).lines.count() == 0
    assert Proposal.objects.get(pk=pid).version == 1


def test_other_team_404_and_viewer_403(
    people: dict[str, User], make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    deal = make_deal()
    proposal = make_proposal(deal)
    other = api(people["rep_b"])
    for url in (
        f"/deals/{deal.pk}/proposals",
        f"/proposals/{proposal.pk}",
        f"/proposals/{proposal.pk}/pdf",
        f"/deals/{deal.pk}/competitors",
        f"/deals/{deal.pk}/contract",
        f"/deals/{deal.pk}/market-notes",
    ):
        assert other.get(API + url).status_code == 404, url
    assert post(other, f"/deals/{deal.pk}/contract", {}).status_code == 404
    assert (
        post(
            other,
            f"/proposals/{proposal.pk}/lines",
            {"description": "x", "quantity": "1", "unit_price": "1"},
        ).status_code
        == 404
    )
    viewer = api(people["viewer"])
    assert viewer.get(API + f"/proposals/{proposal.pk}").status_code == 200
    assert post(viewer, f"/deals/{deal.pk}/contract", {}).status_code == 403
    assert post(viewer, f"/deals/{deal.pk}/proposals", {}).status_code == 403
    assert Proposal.objects.count() == 1


def test_competitors_and_contract_over_the_api(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    rep = api(people["rep"])
    competitor = post(rep, "/competitors", {"name": "Rival", "website": "https://rival.example"})
    assert competitor.status_code == 201
    entry = post(
        rep,
        f"/deals/{deal.pk}/competitors",
        {
            "competitor_id": competitor.json()["id"],
            "strengths": "cheap",
            "weaknesses": "slow",
            "positioning": "fast rollout",
            "price": "4000",
        },
    )
    assert entry.status_code == 201
    assert entry.json()["analysed"] is True
    assert (
        post(
            rep, f"/deals/{deal.pk}/competitors/winner", {"competitor_id": competitor.json()["id"]}
        ).json()["code"]
        == "deal_not_lost"
    )
    contract = post(rep, f"/deals/{deal.pk}/contract", {"terms": "12 months"})
    assert contract.status_code == 201
    assert contract.json()["value"] == "5000.00"
    rounds = post(
        rep,
        f"/deals/{deal.pk}/contract/rounds",
        {"asked_by": "client", "asked": "net 60", "conceded_by": "us", "conceded": "net 45"},
    )
    assert rounds.json()["status"] == "negotiating"
    bad = rep.patch(
        API + f"/deals/{deal.pk}/contract",
        {"status": "drafting", "version": 1},
        content_type="application/json",
    )
    assert bad.status_code == 409
    assert bad.json()["code"] == "stale_version"
    signed = rep.patch(
        API + f"/deals/{deal.pk}/contract", {"status": "signed"}, content_type="application/json"
    )
    assert signed.status_code == 200
    assert signed.json()["signed_on"] is not None
    closed = rep.patch(
        API + f"/deals/{deal.pk}/contract", {"terms": "changed"}, content_type="application/json"
    )
    assert closed.json()["code"] == "contract_closed"
