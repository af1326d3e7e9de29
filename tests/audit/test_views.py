"""The audit pages: the filtered trail and one deal's trail, for managers and administrators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from tests.audit.conftest import Trail
from tests.conftest import FakeClock
from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.crm.services import activity_log

pytestmark = pytest.mark.django_db


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows(response: object) -> list[str]:
    """The record labels shown, top to bottom."""
    html = response.content.decode()  # type: ignore[attr-defined]
    return [AuditEntry.objects.get(pk=int(pk)).object_label for pk in _ids(html)]


def _ids(html: str) -> list[str]:
    return [part.split('"', 1)[0] for part in html.split('data-entry="')[1:]]


def test_a_manager_sees_the_teams_trail_newest_first(people: dict[str, User], trail: Trail) -> None:
    response = browser(people["manager"]).get("/audit/")
    assert response.status_code == 200
    assert rows(response) == ["Alpha SRL", "Call A", "Acme rollout"]
    page = response.content.decode()
    assert f'href="/deals/{trail.deal_a.pk}/"' in page
    assert "Beta SRL" not in page
    assert "Call B" not in page


def test_an_administrator_sees_every_team(admin: User, trail: Trail) -> None:
    shown = rows(browser(admin).get("/audit/", {"object_type": "activity"}))
    assert shown == ["Call B", "Call A"]


@pytest.mark.parametrize("who", ["rep", "viewer", "am"])
def test_others_are_refused(people: dict[str, User], trail: Trail, who: str) -> None:
    client = browser(people[who])
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/deal/{trail.deal_a.pk}/").status_code == 403


def test_signed_out_visitors_go_to_the_sign_in_page() -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_deals_page_shows_its_parts_and_another_teams_deal_is_not_found(
    people: dict[str, User], trail: Trail
) -> None:
    client = browser(people["manager"])
    response = client.get(f"/audit/deal/{trail.deal_a.pk}/")
    assert response.status_code == 200
    assert rows(response) == ["Call A", "Acme rollout"]
    assert client.get(f"/audit/deal/{trail.deal_b.pk}/").status_code == 404
    assert client.get("/audit/deal/999999/").status_code == 404


def test_filters(admin: User, people: dict[str, User], trail: Trail) -> None:
    client = browser(admin)
    assert rows(client.get("/audit/", {"actor": "rep_b", "object_type": "deal"})) == [
        "Acme rollout"
    ]
    assert rows(
        client.get("/audit/", {"object_type": "account", "object_id": trail.account_b.pk})
    ) == ["Beta SRL"]
    assert rows(client.get("/audit/", {"action": "update"})) == []
    assert rows(
        client.get(
            "/audit/",
            {"via": "service", "since": "2026-03-02", "until": "2026-03-02", "object_type": "deal"},
        )
    ) == ["Acme rollout", "Acme rollout"]
    assert rows(client.get("/audit/", {"until": "2026-03-01"})) == []


def test_a_wrong_filter_is_shown_and_the_others_still_apply(admin: User, trail: Trail) -> None:
    response = browser(admin).get(
        "/audit/", {"since": "yesterday", "object_type": "account", "until": "2020-01-01"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert rows(response) == []  # until 2020 still applies


def test_pages_go_back_in_time(
    people: dict[str, User], make_deal: Callable[..., Deal], clock: FakeClock
) -> None:
    deal = make_deal()
    for n in range(55):
        clock.advance(minutes=1)
        activity_log(
            deal=deal, type="note", subject=f"Note {n}", acting_user=people["rep"], clock=clock
        )
    client = browser(people["manager"])
    first = client.get(f"/audit/deal/{deal.pk}/")
    shown = rows(first)
    assert shown[:2] == ["Note 54", "Note 53"]
    assert len(shown) == 50
    html = first.content.decode()
    older = html.split('rel="next" href="?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get(f"/audit/deal/{deal.pk}/?{older}")
    assert rows(second) == ["Note 4", "Note 3", "Note 2", "Note 1", "Note 0", "Acme rollout"]
    assert 'rel="next"' not in second.content.decode()


def test_the_page_costs_the_same_queries_however_many_rows(
    admin: User,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    django_assert_num_queries: Callable[..., DjangoAssertNumQueries],
) -> None:
    client = browser(admin)
    make_deal()
    with django_assert_num_queries(3):  # the session, the user, the entries with their actors
        response = client.get("/audit/")
    assert len(rows(response)) == 2  # the deal and the process applied
    for owner in ("rep", "rep2", "rep_b", "manager"):
        make_deal(owner=owner)
    with django_assert_num_queries(3):
        response = client.get("/audit/")
    assert len(rows(response)) == 6
