"""A rep's day on the real server: sign in, open a deal, drag it, read the checklist, fix it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROUTE
from traseu.core.models import Role, Team, User
from traseu.crm.models import Deal
from traseu.processes.services import process_apply_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-7"


@pytest.fixture
def rep(live_server: Any) -> User:
    process_apply_file(path=ROUTE)
    user = User.objects.create_user("ana", password=PASSWORD, role=Role.SALES_REP)
    user.teams.add(Team.objects.create(name="A"))
    return user


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/pipeline/test-route/")


def drag(page: Any, title: str, stage: str) -> None:
    card = page.locator("li.card", has_text=title)
    target = page.locator(f'ul.cards[data-stage="{stage}"]')
    with page.expect_response(lambda r: "/move/" in r.url):
        card.drag_to(target)
    page.wait_for_load_state("networkidle")


def test_a_deal_runs_its_route_through_the_gate(
    live_server: Any, rep: User, page: Any, shot: Any
) -> None:
    base = live_server.url
    sign_in(page, base)
    shot("01-board-empty")

    page.click("text=New deal")
    page.fill("#id_title", "Acme rollout")
    page.fill("#id_account_name", "Acme SRL")
    page.fill("#id_amount", "12000")
    page.get_by_role("button", name="Open the deal").click()
    page.wait_for_url(f"{base}/deals/*/")
    deal = Deal.objects.get(title="Acme rollout")
    shot("02-deal-page")

    page.goto(f"{base}/pipeline/test-route/")
    drag(page, "Acme rollout", "qualification")
    rejection = page.locator(".rejection")
    rejection.wait_for()
    assert "Industry is filled in" in rejection.inner_text()
    assert (
        page.locator('ul.cards[data-stage="prospecting"] li.card', has_text="Acme rollout").count()
        == 1
    )
    shot("03-board-refused")

    rejection.locator("a.fix").first.click()
    page.wait_for_url(f"{base}/deals/{deal.pk}/#details")
    page.locator("#details").get_by_label("Industry").fill("Retail")
    page.locator("#details").get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    deal.account.refresh_from_db()
    assert deal.account.industry == "Retail"

    page.goto(f"{base}/pipeline/test-route/")
    drag(page, "Acme rollout", "qualification")
    moved = page.locator('ul.cards[data-stage="qualification"] li.card', has_text="Acme rollout")
    moved.wait_for()
    assert page.locator(".rejection").count() == 0
    deal.refresh_from_db()
    assert deal.stage == "qualification"
    shot("04-board-accepted")

    page.select_option("select[name=language]", "ro")
    page.click("form.lang button")
    page.wait_for_load_state("networkidle")
    assert "Oportunitate nouă" in page.content() or "Calificare" in page.content()
    assert page.locator("html").get_attribute("lang") == "ro"
    shot("05-board-romanian")
