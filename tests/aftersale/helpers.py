"""Winning a deal of the test route the way a rep would."""

from __future__ import annotations

from tests.conftest import FakeClock
from tests.crm.test_transitions import move, walk_to_contract
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.services import deal_document_set


def sign_contract(deal: Deal, people: dict[str, User], clock: FakeClock) -> Deal:
    deal = walk_to_contract(deal, people, clock)
    deal_document_set(
        deal=deal,
        kind="contract",
        title="Contract",
        status="signed",
        acting_user=people["rep"],
        clock=clock,
    )
    return deal


def win(deal: Deal, people: dict[str, User], clock: FakeClock) -> Deal:
    """Walk ``deal`` through every gate and close it won at ``clock.now``."""
    return move(sign_contract(deal, people, clock), "won", people["rep"], clock)
