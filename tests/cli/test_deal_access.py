"""The command line applies the same rights as the pages and the API when it acts as someone
(``--as USER``): another team's deal is missing, a read-only teammate's deal is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.conftest import Result
from traseu.core.models import Team, TeamSharing
from traseu.crm.models import Deal, StageChange

pytestmark = pytest.mark.django_db


def test_another_teams_deal_is_missing_for_move_and_show(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()  # rep's, team A
    moved = traseu("deal", "move", str(deal.pk), "qualification", "--as", "rep_b")
    missing = traseu("deal", "move", "999999", "qualification", "--as", "rep_b")
    assert (moved.status, moved.err) == (2, f"traseu: error: No deal {deal.pk}. [deal_not_found]\n")
    assert missing.err == "traseu: error: No deal 999999. [deal_not_found]\n"
    shown = traseu("deal", "show", str(deal.pk), "--as", "rep_b")
    assert (shown.status, shown.out) == (2, "")
    assert "[deal_not_found]" in shown.err
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_the_operator_and_teammates_see_the_deal(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    assert traseu("deal", "show", str(deal.pk)).out.startswith(f"deal {deal.pk}: Acme rollout")
    assert traseu("deal", "show", str(deal.pk), "--as", "rep2").status == 0


def test_a_teammate_in_a_read_team_may_not_move(
    traseu: Callable[..., Result], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal(industry="")
    Team.objects.filter(name="A").update(sharing=TeamSharing.READ)
    result = traseu("deal", "move", str(deal.pk), "qualification", "--as", "rep2")
    assert result.status == 2
    assert result.err == (
        f"traseu: error: rep2 may see deal {deal.pk} but not change it. [deal_read_only]\n"
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("prospecting", 1)
