"""The process says who makes the follow-up call (``follow_up_role``), checked at load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.aftersale.helpers import sign_contract
from tests.conftest import ROUTE, FakeClock
from tests.crm.test_transitions import move
from traseu.aftersale.models import FollowUp
from traseu.core.models import User
from traseu.crm.models import Account, Deal
from traseu.crm.services import deal_create
from traseu.process.document import to_document
from traseu.process.errors import ProcessDocumentError
from traseu.process.loader import load_text
from traseu.processes.services import process_apply_file


def test_the_role_defaults_to_account_manager_and_is_not_written_then() -> None:
    definition = load_text(ROUTE.read_text())
    assert definition.follow_up_role == "account_manager"
    assert "follow_up_role" not in to_document(definition)


def test_a_bad_role_is_a_precise_error() -> None:
    text = ROUTE.read_text().replace("currency: EUR\n", "currency: EUR\nfollow_up_role: cfo\n")
    with pytest.raises(ProcessDocumentError) as caught:
        load_text(text, file="route.yaml")
    problems = [(p.code, p.path, p.message) for p in caught.value.problems]
    assert problems == [
        (
            "invalid_value",
            "follow_up_role",
            "'follow_up_role' must be one of admin, sales_manager, sales_rep, account_manager, "
            "not 'cfo'",
        )
    ]


@pytest.mark.django_db
def test_a_sales_rep_role_gives_the_call_to_the_owner(
    people: dict[str, User], clock: FakeClock, tmp_path: Path
) -> None:
    text = ROUTE.read_text().replace(
        "currency: EUR\n", "currency: EUR\nfollow_up_days: [7, 10]\nfollow_up_role: sales_rep\n"
    )
    assert load_text(text).follow_up_role == "sales_rep"
    path = tmp_path / "route.yaml"
    path.write_text(text)
    version = process_apply_file(path=path).version
    make: Callable[..., Deal] = lambda: deal_create(  # noqa: E731
        title="Acme rollout",
        account=Account.objects.create(name="Acme"),
        owner=people["rep"],
        process_version=version,
        acting_user=people["rep"],
        amount="5000",
        clock=clock,
    )
    deal = sign_contract(make(), people, clock)
    move(deal, "won", people["rep"], clock)
    follow_up = FollowUp.objects.get(deal=deal)
    assert follow_up.owner == people["rep"]
    assert (follow_up.window_start - clock.now.date()).days == 7
