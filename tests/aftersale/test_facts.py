"""``deal.feedback_received``: the stage criteria see the follow-up's feedback once recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.aftersale.helpers import win
from tests.conftest import FakeClock
from traseu.aftersale.followups import FeedbackInput, follow_up_complete
from traseu.aftersale.models import FollowUp
from traseu.core.models import User
from traseu.crm.facts import deal_facts
from traseu.crm.models import Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def test_feedback_received_turns_true_when_the_feedback_is_recorded(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    open_deal = make_deal()
    assert deal_facts(open_deal, now=clock.now).deal["feedback_received"] is False
    won = win(make_deal(), people, clock)
    assert deal_facts(won, now=clock.now).deal["feedback_received"] is False
    follow_up = FollowUp.objects.get(deal=won)
    clock.advance(days=15)
    follow_up_complete(
        follow_up_id=follow_up.pk,
        acting_user=people["am"],
        data=FeedbackInput(outcome="reached", nps=8, satisfaction=4, comment="Fine."),
        clock=clock,
    )
    won.refresh_from_db()
    assert deal_facts(won, now=clock.now).deal["feedback_received"] is True


def test_a_reached_call_without_feedback_is_not_feedback(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    won = win(make_deal(), people, clock)
    follow_up = FollowUp.objects.get(deal=won)
    clock.advance(days=15)
    follow_up_complete(
        follow_up_id=follow_up.pk,
        acting_user=people["am"],
        data=FeedbackInput(outcome="not_reached"),
        clock=clock,
    )
    won.refresh_from_db()
    assert deal_facts(won, now=clock.now).deal["feedback_received"] is False
