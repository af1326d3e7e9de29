"""``traseu webhooks list|add|deliveries|replay``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from tests.cli.conftest import Result
from traseu.core.models import User
from traseu.events.models import Delivery, DeliveryStatus, Webhook
from traseu.events.services import emit

pytestmark = pytest.mark.django_db


@pytest.fixture
def traseu(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    from traseu.cli import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


def test_add_prints_the_secret_once_and_list_shows_the_webhook(
    traseu: Callable[..., Result], admin: User
) -> None:
    added = traseu(
        "webhooks", "add", "https://hooks.example.com/x", "--events", "deal.won,deal.lost",
        "--as", "admin",
    )  # fmt: skip
    assert added.status == 0, added.err
    hook = Webhook.objects.get()
    assert added.out.splitlines() == [
        f"created webhook {hook.pk} for https://hooks.example.com/x (deal.lost, deal.won)",
        f"signing secret (shown only now): {hook.secret}",
    ]
    listed = traseu("webhooks", "list", "--as", "admin")
    assert listed.status == 0
    assert hook.secret not in listed.out
    assert "https://hooks.example.com/x" in listed.out.splitlines()[1]


def test_a_bad_kind_or_a_non_admin_is_refused(
    traseu: Callable[..., Result], admin: User, people: dict[str, User]
) -> None:
    bad = traseu("webhooks", "add", "https://x.example/", "--events", "deal.sold", "--as", "admin")
    assert bad.status != 0
    assert "deal.won" in bad.err
    refused = traseu("webhooks", "list", "--as", "manager")
    assert refused.status != 0
    assert "administrator" in refused.err
    assert not Webhook.objects.exists()


def test_deliveries_and_replay(traseu: Callable[..., Result], hook: Webhook) -> None:
    with transaction.atomic():
        emit("deal.won", {"deal_id": 1})
    Delivery.objects.update(status=DeliveryStatus.DEAD, attempts=12, last_error="HTTP 500: no")
    delivery = Delivery.objects.get()
    shown = traseu("webhooks", "deliveries", "--status", "dead", "--as", "admin")
    assert shown.status == 0
    assert "HTTP 500: no" in shown.out
    assert shown.out.splitlines()[1].split()[0] == str(delivery.pk)
    replayed = traseu("webhooks", "replay", str(delivery.pk), "--as", "admin")
    assert (replayed.status, replayed.out) == (0, f"delivery {delivery.pk} will be sent again\n")
    again = traseu("webhooks", "replay", str(delivery.pk), "--as", "admin")
    assert again.status != 0
    assert "replayed" in again.err
