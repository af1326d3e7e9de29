"""In a real browser: the sales panels load with the deal page, a proposal is built with HTMX
(CSRF header, 422 swaps, totals), sent, and the live checklist follows."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROUTE
from traseu.core.models import Role, Team, User
from traseu.crm.models import Account
from traseu.crm.services import deal_create
from traseu.processes.services import process_apply_file
from traseu.sales.models import Proposal
from traseu.sales.services import product_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-7"


def test_build_and_send_a_proposal_in_the_browser(live_server: Any, page: Any, shot: Any) -> None:
    version = process_apply_file(path=ROUTE).version
    rep = User.objects.create_user("ana", password=PASSWORD, role=Role.SALES_REP)
    rep.teams.add(Team.objects.create(name="A"))
    manager = User.objects.create_user("mara", password=None, role=Role.SALES_MANAGER)
    product_create(
        acting_user=manager,
        data={"name": "Licență anuală", "code": "LIC", "unit_price": "1200", "currency": "EUR"},
    )
    deal = deal_create(
        title="Acme rollout",
        account=Account.objects.create(name="Acme"),
        owner=rep,
        process_version=version,
        acting_user=rep,
        amount="2400",
    )
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{base}/deals/{deal.pk}/")
    panel = page.locator("#sales-proposals")
    panel.get_by_role("button", name="Create proposal").click()
    panel.locator("summary", has_text="Add a line").click()
    panel.locator("input[name=product_code]").fill("LIC")
    panel.locator("input[name=quantity]").fill("-1")
    panel.get_by_role("button", name="Add line").click()
    page.locator("#sales-proposals .errors", has_text="greater than zero").wait_for()
    panel.locator("input[name=quantity]").fill("2")
    panel.locator("input[name=tax_percent]").fill("19")
    panel.get_by_role("button", name="Add line").click()
    page.locator("#sales-proposals .total", has_text="2856.00 EUR").wait_for()
    panel.get_by_role("button", name="Mark as sent").click()
    page.locator("#sales-proposals .badge", has_text="Sent").wait_for()
    shot("sales-01-deal-page-panels")
    assert Proposal.objects.get(deal=deal).status == "sent"
    page.goto(f"{base}/sales/proposals/{Proposal.objects.get(deal=deal).pk}/")
    shot("sales-02-proposal-document")
    assert page.locator("table.sums tr.grand").inner_text().split()[-2:] == ["2,856.00", "EUR"]
