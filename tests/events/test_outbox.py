"""The outbox: events are rows written with the change, fanned out to subscribed webhooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from tests.conftest import FakeClock
from tests.crm.test_transitions import walk_to_contract
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.events.models import Delivery, OutboxEvent, Webhook
from traseu.events.services import emit, event_body
from traseu.events.webhooks import webhook_create, webhook_update

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


class Boom(Exception):
    pass


def test_an_event_and_its_deliveries_roll_back_with_the_transaction(
    hook: Webhook, make_deal: MakeDeal
) -> None:
    deal = make_deal()
    before = OutboxEvent.objects.count(), Delivery.objects.count()
    inside: list[int] = []

    def change_then_fail() -> None:
        with transaction.atomic():
            emit("deal.won", {"deal_id": deal.pk}, deal=deal)
            inside.append(OutboxEvent.objects.filter(kind="deal.won").count())
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert inside == [1], "the event was written inside the transaction"
    assert (OutboxEvent.objects.count(), Delivery.objects.count()) == before


def test_a_committed_event_gets_one_pending_delivery_per_subscribed_active_webhook(
    admin: User,
    hook: Webhook,
    make_deal: MakeDeal,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    only_lost, _ = webhook_create(
        actor=admin, url="https://lost.example/", event_kinds=["deal.lost"]
    )
    paused, _ = webhook_create(actor=admin, url="https://paused.example/", event_kinds=["deal.won"])
    webhook_update(actor=admin, webhook_id=paused.pk, active=False)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        event = emit("deal.won", {"amount": "10.50"}, deal=make_deal(), actor=admin)
    deliveries = list(Delivery.objects.filter(event=event))
    assert [(d.webhook_id, d.status, d.attempts) for d in deliveries] == [(hook.pk, "pending", 0)]
    assert deliveries[0].next_attempt_at == event.occurred_at
    assert len(callbacks) == 1, "the delivery task is enqueued only after the commit"
    assert only_lost.pk
    assert paused.pk


def test_the_body_carries_the_event_id_kind_time_and_json_safe_data(make_deal: MakeDeal) -> None:
    from decimal import Decimal

    deal = make_deal()
    event = emit("stage.changed", {"amount": Decimal("12.30"), "at": deal.created_at}, deal=deal)
    body = event_body(event)
    assert body == {
        "id": str(event.key),
        "kind": "stage.changed",
        "occurred_at": event.occurred_at.isoformat(),
        "data": {"amount": "12.30", "at": deal.created_at.isoformat()},
    }


def test_an_unknown_kind_is_refused_and_writes_nothing(make_deal: MakeDeal) -> None:
    with pytest.raises(InvalidInput) as refused:
        emit("deal.exploded", {}, deal=make_deal())
    assert refused.value.code == "unknown_event_kind"
    assert "deal.won" in refused.value.details["allowed"]
    assert not OutboxEvent.objects.exists()


def test_a_move_emits_stage_changed_with_ids_stage_keys_and_amount_as_text(
    hook: Webhook, make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(amount="5000.00")
    OutboxEvent.objects.all().delete()
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="lost",
        acting_user=people["rep"],
        lost_reason="price",
        clock=clock,
    )
    events = {e.kind: e for e in OutboxEvent.objects.filter(deal=deal)}
    assert sorted(events) == ["deal.lost", "stage.changed"]
    changed = events["stage.changed"].payload
    assert changed["deal_id"] == deal.pk
    assert (changed["from_stage"], changed["to_stage"], changed["move_kind"]) == (
        "prospecting",
        "lost",
        "lost",
    )
    assert changed["amount"] == "5000.00"
    assert isinstance(changed["amount"], str)
    assert changed["actor_id"] == people["rep"].pk
    assert events["deal.lost"].payload["lost_reason"] == "price"
    assert events["deal.lost"].occurred_at == clock.now
    keys = {e.key for e in events.values()}
    assert len(keys) == 2, "each event has its own idempotency key"
    assert Delivery.objects.filter(event__deal=deal).count() == 2


def test_winning_straight_into_after_sale_emits_both_steps_and_one_win(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = walk_to_contract(make_deal(), people, clock)
    OutboxEvent.objects.all().delete()
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="accompaniment",
        acting_user=people["manager"],
        override=True,
        reason="signed on paper",
        clock=clock,
    )
    kinds = list(
        OutboxEvent.objects.filter(deal=deal).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds.count("deal.won") == 1
    steps = OutboxEvent.objects.filter(deal=deal, kind="stage.changed").order_by("pk")
    assert [(e.payload["from_stage"], e.payload["to_stage"]) for e in steps] == [
        ("contract", "won"),
        ("won", "accompaniment"),
    ]
    won = OutboxEvent.objects.get(deal=deal, kind="deal.won").payload
    assert (won["to_stage"], won["status"], won["closed_at"]) == (
        "won",
        "won",
        clock.now.isoformat(),
    )


def test_a_move_the_gate_refuses_emits_nothing(
    hook: Webhook, make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    before = OutboxEvent.objects.count(), Delivery.objects.count()
    with pytest.raises(GateRejected):
        deal_move_to_stage(
            deal_id=deal.pk, to_stage="qualification", acting_user=people["rep"], clock=clock
        )
    assert (OutboxEvent.objects.count(), Delivery.objects.count()) == before
