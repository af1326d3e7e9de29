"""The one transition path: gate, history, tasks, roles, overrides and outcomes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest

from tests.conftest import FakeClock
from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Activity, Contact, Deal, StageChange, TimelineEvent
from traseu.crm.services import (
    activity_log,
    deal_contact_set,
    deal_document_set,
    qualification_answer,
    task_complete,
)
from traseu.crm.transitions import GateRejected, deal_move_to_stage

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def move(deal: Deal, to: str, user: User, clock: FakeClock, **kw: object) -> Deal:
    deal_move_to_stage(deal_id=deal.pk, to_stage=to, acting_user=user, clock=clock, **kw)  # type: ignore[arg-type]
    deal.refresh_from_db()
    return deal


def satisfy_qualification(deal: Deal, user: User, clock: FakeClock) -> None:
    qualification_answer(
        deal=deal, criterion="budget", status="confirmed", acting_user=user, clock=clock
    )
    task = Activity.objects.get(deal=deal, template="bant_call")
    task_complete(task_id=task.pk, acting_user=user, clock=clock)


def walk_to_contract(deal: Deal, people: dict[str, User], clock: FakeClock) -> Deal:
    """Satisfy every gate up to the contract stage, the way a rep would."""
    rep = people["rep"]
    deal.account.industry = "Software"
    deal.account.save()
    move(deal, "qualification", rep, clock)
    satisfy_qualification(deal, rep, clock)
    move(deal, "first_contact", rep, clock)
    activity_log(deal=deal, type="call", subject="First call", acting_user=rep, clock=clock)
    contact = Contact.objects.create(account=deal.account, last_name="Popa")
    deal_contact_set(
        deal=deal, contact=contact, role="decision_maker", acting_user=rep, clock=clock
    )
    move(deal, "preparation", rep, clock)
    deal_document_set(
        deal=deal, kind="proposal", title="Offer", status="sent", acting_user=rep, clock=clock
    )
    return move(deal, "contract", rep, clock)


def test_a_new_deal_starts_in_the_first_stage_with_its_tasks(make_deal: MakeDeal) -> None:
    deal = make_deal()
    assert (deal.stage, deal.status, str(deal.probability)) == ("prospecting", "open", "0.0500")
    task = Activity.objects.get(deal=deal)
    assert (task.template, task.stage, task.owner.username, task.done) == (
        "research",
        "prospecting",
        "rep",
        False,
    )
    assert task.due_at == deal.created_at + dt.timedelta(days=2)
    created = StageChange.objects.get(deal=deal)
    assert (created.from_stage, created.to_stage, created.kind) == ("", "prospecting", "created")


def test_a_refused_move_lists_every_unmet_criterion_and_changes_nothing(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    """Given a fresh deal, when the rep skips to contract, every gate on the way is reported."""
    deal = make_deal(amount="500")
    with pytest.raises(GateRejected) as caught:
        move(deal, "contract", people["rep"], clock)
    unmet = [(u["criterion"], u["code"]) for u in caught.value.details["unmet"]]
    assert unmet == [
        ("prospecting.exit.industry_known", "field_missing"),
        ("qualification.exit.bant_budget", "qualification_below"),
        ("qualification.exit.task_bant_call_done", "task_not_done"),
        ("first_contact.exit.call_logged", "activity_missing"),
        ("first_contact.exit.decision_maker_known", "contact_role_missing"),
        ("preparation.exit.proposal_sent", "document_status_missing"),
    ]
    assert all(u["message"] and u["help"] for u in caught.value.details["unmet"])
    assert caught.value.status == 409
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("prospecting", 1)
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_a_move_writes_history_timeline_tasks_and_probability(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail")
    clock.advance(days=3, hours=4)
    move(deal, "qualification", people["rep"], clock, reason="fits the ICP")
    change = StageChange.objects.filter(deal=deal).last()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.kind, change.actor) == (
        "prospecting",
        "qualification",
        "forward",
        people["rep"],
    )
    assert change.duration == dt.timedelta(days=3, hours=4)
    assert change.from_entered_at == deal.created_at
    assert change.criteria == [
        {
            "code": "field_missing",
            "kind": "field_present",
            "area": "account",
            "criterion": "prospecting.exit.industry_known",
            "stage": "prospecting",
            "phase": "exit",
            "met": True,
            "message": "Industry is filled in",
            "help": "Fill in account.industry on the deal or its account.",
        }
    ]
    assert (deal.stage, str(deal.probability), deal.stage_entered_at, deal.version) == (
        "qualification",
        "0.1000",
        clock.now,
        2,
    )
    assert TimelineEvent.objects.filter(deal=deal, kind="stage.changed").count() == 1
    assert (
        Activity.objects.filter(
            deal=deal, stage="qualification", template="bant_call", owner=people["rep"]
        ).count()
        == 1
    )


def test_tasks_go_to_the_role_holder_of_the_owners_team_else_the_owner(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    """The preparation review is a manager's task; team B has no manager, so its rep gets it."""
    deal = walk_to_contract(make_deal(), people, clock)
    review = Activity.objects.get(deal=deal, template="review")
    assert review.owner == people["manager"]

    deal_b = make_deal(owner="rep_b", industry="Retail")
    deal_move_to_stage(
        deal_id=deal_b.pk,
        to_stage="preparation",
        acting_user=people["manager"],
        override=True,
        reason="test",
        clock=clock,
    )
    assert Activity.objects.get(deal=deal_b, template="review").owner == people["rep_b"]


def test_winning_stops_at_won_for_the_handoff_then_after_sale_begins(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = walk_to_contract(make_deal(), people, clock)
    with pytest.raises(GateRejected) as caught:
        move(deal, "won", people["rep"], clock)
    assert [u["criterion"] for u in caught.value.details["unmet"]] == ["won.entry.contract_signed"]

    deal_document_set(
        deal=deal,
        kind="contract",
        title="Contract",
        status="signed",
        acting_user=people["rep"],
        clock=clock,
    )
    clock.advance(days=1)
    deal = move(deal, "won", people["rep"], clock)
    assert (deal.stage, deal.status, deal.closed_at) == ("won", "won", clock.now)
    handoff = Activity.objects.get(deal=deal, template="handoff")
    assert handoff.owner == people["am"]
    assert TimelineEvent.objects.filter(deal=deal, kind="deal.won").count() == 1

    with pytest.raises(GateRejected) as caught:
        move(deal, "accompaniment", people["am"], clock)
    assert [u["criterion"] for u in caught.value.details["unmet"]] == [
        "accompaniment.entry.handed_over"
    ]
    task_complete(task_id=handoff.pk, acting_user=people["am"], clock=clock)
    deal = move(deal, "accompaniment", people["am"], clock)
    assert (deal.stage, deal.status) == ("accompaniment", "won")
    assert Activity.objects.get(deal=deal, template="follow_up").owner == people["am"]
    kinds = list(StageChange.objects.filter(deal=deal).values_list("to_stage", "kind"))
    assert kinds[-2:] == [("won", "won"), ("accompaniment", "forward")]


def test_winning_straight_into_after_sale_checks_won_on_the_way(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    """The handoff cannot be skipped: its task only exists once the deal is won."""
    deal = walk_to_contract(make_deal(), people, clock)
    deal_document_set(
        deal=deal,
        kind="contract",
        title="Contract",
        status="signed",
        acting_user=people["rep"],
        clock=clock,
    )
    with pytest.raises(GateRejected) as caught:
        move(deal, "accompaniment", people["rep"], clock)
    unmet = [u["criterion"] for u in caught.value.details["unmet"]]
    assert unmet == ["accompaniment.entry.handed_over"]

    deal = move(
        deal,
        "accompaniment",
        people["manager"],
        clock,
        override=True,
        reason="Delivery already started",
    )
    rows = list(StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage", "kind"))
    assert rows[-2:] == [("contract", "won", "won"), ("won", "accompaniment", "forward")]
    assert (deal.stage, deal.status) == ("accompaniment", "won")


def test_losing_needs_a_reason_and_closes_the_deal(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    with pytest.raises(GateRejected) as caught:
        move(deal, "lost", people["rep"], clock)
    assert [v["code"] for v in caught.value.details["violations"]] == ["lost_reason_required"]
    deal = move(deal, "lost", people["rep"], clock, lost_reason="price")
    assert (deal.status, deal.lost_reason, deal.closed_at, str(deal.probability)) == (
        "lost",
        "price",
        clock.now,
        "0.0000",
    )
    deal = move(deal, "qualification", people["rep"], clock, reason="budget found")
    assert (deal.status, deal.lost_reason, deal.closed_at) == ("open", "", None)
    assert StageChange.objects.filter(deal=deal).last().kind == "reopen"  # type: ignore[union-attr]


def test_moving_back_needs_a_reason_and_keeps_done_tasks(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail")
    move(deal, "qualification", people["rep"], clock)
    satisfy_qualification(deal, people["rep"], clock)
    with pytest.raises(GateRejected) as caught:
        move(deal, "prospecting", people["rep"], clock)
    assert [v["code"] for v in caught.value.details["violations"]] == ["reason_required"]
    move(deal, "prospecting", people["rep"], clock, reason="wrong contact")
    move(deal, "qualification", people["rep"], clock)
    tasks = Activity.objects.filter(deal=deal, template="bant_call")
    assert [(t.done, t.stage) for t in tasks] == [(True, "qualification")]
    kinds = list(StageChange.objects.filter(deal=deal).values_list("kind", flat=True))
    assert kinds == ["created", "forward", "back", "forward"]


def test_a_manager_overrides_with_a_reason_and_the_override_is_recorded(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    with pytest.raises(PermissionDenied) as forbidden:
        move(deal, "qualification", people["rep"], clock, override=True, reason="trust me")
    assert forbidden.value.code == "override_forbidden"
    with pytest.raises(InvalidInput) as no_reason:
        move(deal, "qualification", people["manager"], clock, override=True)
    assert no_reason.value.code == "override_reason_required"

    deal = move(
        deal,
        "qualification",
        people["manager"],
        clock,
        override=True,
        reason="Known customer, industry pending",
    )
    change = StageChange.objects.filter(deal=deal).last()
    assert change is not None
    assert (change.overridden, change.reason, change.actor) == (
        True,
        "Known customer, industry pending",
        people["manager"],
    )
    assert [c["met"] for c in change.criteria] == [False]
    event = TimelineEvent.objects.get(deal=deal, kind="gate.overridden")
    assert event.data["unmet"] == ["prospecting.exit.industry_known"]


def test_rules_are_not_overridable(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    with pytest.raises(GateRejected) as caught:
        move(deal, "lost", people["manager"], clock, override=True, reason="cleanup")
    assert [v["code"] for v in caught.value.details["violations"]] == ["lost_reason_required"]


def test_read_only_users_and_missing_deals_are_refused(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail")
    with pytest.raises(PermissionDenied):
        move(deal, "qualification", people["viewer"], clock)
    with pytest.raises(NotFound):
        deal_move_to_stage(deal_id=999_999, to_stage="qualification", acting_user=people["rep"])


def test_unknown_stage_is_a_rule_violation(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    with pytest.raises(GateRejected) as caught:
        move(deal, "negotiation", people["rep"], clock)
    assert [v["code"] for v in caught.value.details["violations"]] == ["unknown_stage"]


def test_history_rows_chain_without_gaps(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = walk_to_contract(make_deal(), people, clock)
    move(deal, "preparation", people["rep"], clock, reason="price renegotiation")
    rows = list(StageChange.objects.filter(deal=deal).order_by("changed_at", "pk"))
    for previous, row in itertools.pairwise(rows):
        assert row.from_stage == previous.to_stage
        assert row.from_entered_at == previous.changed_at
        assert row.duration == row.changed_at - previous.changed_at
    deal.refresh_from_db()
    assert deal.stage == rows[-1].to_stage
    assert deal.stage_entered_at == rows[-1].changed_at
