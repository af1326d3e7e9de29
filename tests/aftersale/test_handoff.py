"""Closing won creates exactly one handoff (and one follow-up), inside the move's transaction."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.aftersale.helpers import sign_contract, win
from tests.conftest import FakeClock
from tests.crm.test_transitions import move, walk_to_contract
from traseu.aftersale import receivers
from traseu.aftersale.handoffs import handoff_accept, handoff_update
from traseu.aftersale.models import FollowUp, Handoff, HandoffStatus
from traseu.audit.models import AuditEntry
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.transitions import GateRejected
from traseu.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def test_winning_creates_one_handoff_with_what_was_sold_contacts_and_owner(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = win(make_deal(amount="7500"), people, clock)
    handoff = Handoff.objects.get(deal=deal)
    assert handoff.status == HandoffStatus.CREATED
    assert handoff.created_at == clock.now
    assert handoff.sold == [  # no accepted proposal: the deal itself
        {
            "product_code": "",
            "description": "Acme rollout",
            "quantity": "1",
            "unit_price": "7500.00",
            "line_total": "7500.00",
            "currency": "EUR",
        }
    ]
    assert [(c["name"], c["role"]) for c in handoff.contacts] == [("Popa", "decision_maker")]
    assert handoff.delivery_owner == people["am"]
    assert list(
        OutboxEvent.objects.filter(deal=deal, kind="handoff.created").values_list(
            "payload__handoff", flat=True
        )
    ) == [handoff.pk]
    assert AuditEntry.objects.filter(object_type="handoff", object_id=handoff.pk).count() == 1


def test_reopening_and_winning_again_keeps_the_one_handoff(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = win(make_deal(), people, clock)
    first = Handoff.objects.get(deal=deal)
    clock.advance(days=1)
    move(deal, "contract", people["manager"], clock, reason="Client asked for changes")
    clock.advance(days=1)
    deal = move(deal, "won", people["rep"], clock)
    assert deal.status == "won"
    assert list(Handoff.objects.filter(deal=deal)) == [first]
    assert FollowUp.objects.filter(deal=deal).count() == 1
    assert OutboxEvent.objects.filter(deal=deal, kind="handoff.created").count() == 1


def test_a_refused_win_creates_nothing(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = walk_to_contract(make_deal(), people, clock)  # the contract is not signed
    with pytest.raises(GateRejected):
        move(deal, "won", people["rep"], clock)
    assert not Handoff.objects.exists()
    assert not FollowUp.objects.exists()


def test_losing_creates_nothing(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = move(make_deal(), "lost", people["rep"], clock, lost_reason="price")
    assert deal.status == "lost"
    assert not Handoff.objects.exists()


def test_a_failing_receiver_rolls_the_move_back_and_the_handoff_with_it(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deal = sign_contract(make_deal(), people, clock)

    def broken(**kwargs: object) -> None:
        raise RuntimeError("the follow-up could not be planned")

    monkeypatch.setattr(receivers, "follow_up_schedule_for_win", broken)
    with pytest.raises(RuntimeError):
        move(deal, "won", people["rep"], clock)
    deal.refresh_from_db()
    assert (deal.stage, deal.status) == ("contract", "open")
    assert not Handoff.objects.exists()
    assert not OutboxEvent.objects.filter(kind="handoff.created").exists()


def test_delivery_accepts_once_and_the_event_is_emitted(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    handoff = Handoff.objects.get(deal=win(make_deal(), people, clock))
    with pytest.raises(PermissionDenied):
        handoff_accept(handoff_id=handoff.pk, acting_user=people["rep2"], clock=clock)
    clock.advance(hours=3)
    accepted = handoff_accept(handoff_id=handoff.pk, acting_user=people["am"], clock=clock)
    assert (accepted.status, accepted.accepted_by, accepted.accepted_at) == (
        "accepted",
        people["am"],
        clock.now,
    )
    with pytest.raises(Conflict):
        handoff_accept(handoff_id=handoff.pk, acting_user=people["am"], clock=clock)
    events = OutboxEvent.objects.filter(kind="handoff.accepted")
    assert [e.payload["accepted_by"] for e in events] == ["am"]


def test_other_teams_and_read_only_users_cannot_touch_a_handoff(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    handoff = Handoff.objects.get(deal=win(make_deal(), people, clock))
    with pytest.raises(NotFound):
        handoff_accept(handoff_id=handoff.pk, acting_user=people["rep_b"], clock=clock)
    with pytest.raises(NotFound):
        handoff_update(handoff_id=handoff.pk, acting_user=people["rep_b"], risks="x")
    with pytest.raises(PermissionDenied):
        handoff_update(handoff_id=handoff.pk, acting_user=people["viewer"], risks="x")
    handoff.refresh_from_db()
    assert (handoff.status, handoff.risks) == ("created", "")


def test_commitments_are_checked_and_bad_input_changes_nothing(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    handoff = Handoff.objects.get(deal=win(make_deal(), people, clock))
    with pytest.raises(InvalidInput) as caught:
        handoff_update(
            handoff_id=handoff.pk,
            acting_user=people["rep"],
            commitments=[{"what": "Training", "due": "2026-13-01"}, {"what": ""}],
            risks="Tight timeline",
        )
    assert caught.value.details["field"] == "commitments"
    assert caught.value.details["problems"] == [
        "Commitment 1: '2026-13-01' is not a date (YYYY-MM-DD).",
        "Commitment 2: say what was promised (1 to 300 characters).",
    ]
    handoff.refresh_from_db()
    assert (handoff.commitments, handoff.risks, handoff.version) == ([], "", 1)

    updated = handoff_update(
        handoff_id=handoff.pk,
        acting_user=people["rep"],
        commitments=[{"what": "Training for 10 users", "due": "2026-04-15"}],
        risks="Tight timeline",
        delivery_owner="manager",
    )
    assert updated.commitments == [{"what": "Training for 10 users", "due": "2026-04-15"}]
    assert (updated.risks, updated.delivery_owner, updated.version) == (
        "Tight timeline",
        people["manager"],
        2,
    )
    entry = AuditEntry.objects.filter(object_type="handoff", action="update").get()
    assert entry.after["risks"] == "Tight timeline"


def test_the_accepted_proposal_lines_are_what_was_sold(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from traseu.aftersale import outbox

    lines = [
        {
            "product_code": "TRS-LIC",
            "description": "Annual licence",
            "quantity": "10",
            "unit_price": "1200",
            "discount_percent": "0",
            "tax_percent": "19",
            "line_total": "14280.00",
            "currency": "EUR",
        }
    ]
    monkeypatch.setattr(outbox, "proposal_lines", lambda deal: lines)
    handoff = Handoff.objects.get(deal=win(make_deal(), people, clock))
    assert handoff.sold == lines
