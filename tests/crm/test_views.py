"""The pipeline page: signed-in only, one column per stage, a query count that does not grow."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.selectors import pipeline_board

pytestmark = pytest.mark.django_db


def test_the_pipeline_needs_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_pipeline_shows_every_stage_with_totals(
    client: Client, people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    make_deal(amount="1000")
    make_deal(amount="3000")
    client.force_login(people["rep"])
    page = client.get("/?process=test-route").content.decode()
    for name in ("Prospecting", "Qualification", "First contact", "Won", "Accompaniment", "Lost"):
        assert f"<h2>{name}</h2>" in page
    assert "2 deals" in page
    assert "Acme rollout" in page


def test_board_queries_do_not_grow_with_deals(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    make_deal()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board = pipeline_board(process_key="test-route")
            [deal.account.name + deal.owner.username for c in board.columns for deal in c.deals]
        return len(queries)

    few = count()
    for _ in range(6):
        make_deal()
    assert count() == few
