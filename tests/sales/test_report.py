"""Win/loss per competitor: the report, its page and `traseu report competitors`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import FakeClock
from traseu.analytics.tables import ReportRequest
from traseu.core.models import Role, User
from traseu.crm.models import Deal
from traseu.crm.transitions import deal_move_to_stage
from traseu.sales import competitors
from traseu.sales.models import Competitor
from traseu.sales.report import competitors_output

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcomes(people: dict[str, User], make_deal: Callable[..., Deal], clock: FakeClock) -> None:
    """Rival is met on three deals: we win one, lose one to them, one is open; Other on one
    deal of team B that Rival lost."""
    rival, other = Competitor.objects.create(name="Rival"), Competitor.objects.create(name="Other")
    deals = [make_deal() for _ in range(3)]
    deal_b = make_deal(owner="rep_b")
    for deal in deals:
        competitors.deal_competitor_add(
            deal_id=deal.pk, competitor_id=rival.pk, acting_user=deal.owner
        )
    competitors.deal_competitor_add(
        deal_id=deal_b.pk, competitor_id=other.pk, acting_user=deal_b.owner
    )
    clock.advance(days=3)
    boss = User.objects.create_user("boss", password=None, role=Role.ADMIN)
    for deal, outcome in ((deals[0], "won"), (deals[1], "lost"), (deal_b, "won")):
        deal_move_to_stage(
            deal_id=deal.pk,
            to_stage=outcome,
            acting_user=boss,
            override=True,
            reason="test",
            lost_reason="Price" if outcome == "lost" else "",
            clock=clock,
        )
    competitors.deal_competitor_winner(
        deal_id=deals[1].pk, competitor_id=rival.pk, acting_user=people["rep"]
    )


def test_report_counts_outcomes_per_competitor(people: dict[str, User], outcomes: None) -> None:
    output = competitors_output(ReportRequest(user=None))
    rows = {row["competitor"]: row for row in output.tables[0].rows}
    assert rows["Rival"] == {
        "competitor": "Rival",
        "deals": 3,
        "we_won": 1,
        "they_won": 1,
        "no_decision": 0,
        "open": 1,
        "win_rate": 0.5,
        "lost_reasons": "Price (1)",
    }
    assert rows["Other"]["we_won"] == 1
    mine = competitors_output(ReportRequest(user=people["rep"]))
    assert [row["competitor"] for row in mine.tables[0].rows] == ["Rival"]


def test_report_page_and_cli(
    client: Client,
    people: dict[str, User],
    outcomes: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client.force_login(people["rep"])
    page = client.get("/reports/competitors/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rival" in html
    assert "Other" not in html
    from traseu.cli import main

    assert main(["report", "competitors", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["report"] == "competitors"
    names = [row["competitor"] for row in printed["tables"]["competitors"]]
    assert names == ["Rival", "Other"]
