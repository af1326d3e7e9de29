"""The "API tokens" page: create a token (shown once), list and revoke one's own; an
administrator sees and revokes everyone's; nobody else can touch another's token."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from traseu.core.models import AccessToken, Role, User
from traseu.core.tokens import token_create, token_hash

pytestmark = pytest.mark.django_db
URL = "/account/tokens/"


def _signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_creating_a_token_shows_it_once_and_stores_its_hash(
    client: Client, people: dict[str, User]
) -> None:
    client = _signed_in(client, people["rep"])
    answer = client.post(URL, {"name": "Sheets", "scope": "write", "expires": "30"})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    page = answer.content.decode()
    shown = re.findall(r"trs_[A-Za-z0-9_-]{43}", page)
    assert len(shown) == 1
    token = AccessToken.objects.get()
    assert (token.user, token.name, token.scope) == (people["rep"], "Sheets", "write")
    assert token.secret_hash == token_hash(shown[0])
    again = client.get(URL).content.decode()
    assert shown[0] not in again
    assert f"trs_{token.prefix}…" in again


def test_a_token_made_on_the_page_works_in_the_api(client: Client, people: dict[str, User]) -> None:
    page = _signed_in(client, people["rep"]).post(
        URL, {"name": "r", "scope": "read", "expires": "0"}
    )
    clear = re.findall(r"trs_[A-Za-z0-9_-]{43}", page.content.decode())[0]
    api = Client().get("/api/v1/deals/", headers={"Authorization": f"Bearer {clear}"})
    assert api.status_code == 200
    assert AccessToken.objects.get().expires_at is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "scope": "read", "expires": "30"}, "This field is required."),
        ({"name": "x", "scope": "admin", "expires": "30"}, "Select a valid choice."),
        ({"name": "x", "scope": "read", "expires": "7"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(
    client: Client, people: dict[str, User], data: dict[str, str], message: str
) -> None:
    answer = _signed_in(client, people["rep"]).post(URL, data)
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not AccessToken.objects.exists()


def test_one_sees_and_revokes_only_ones_own_tokens(client: Client, people: dict[str, User]) -> None:
    mine, _ = token_create(user=people["rep"], name="mine")
    theirs, _ = token_create(user=people["rep2"], name="theirs")
    client = _signed_in(client, people["rep"])
    page = client.get(URL).content.decode()
    assert "mine" in page
    assert "theirs" not in page
    answer = client.post(f"/account/tokens/{theirs.pk}/revoke/")
    assert answer.status_code == 302
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.post(f"/account/tokens/{mine.pk}/revoke/")
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_an_administrator_sees_and_revokes_everyones(
    client: Client, people: dict[str, User]
) -> None:
    admin = User.objects.create_user("boss", password=None, role=Role.ADMIN)
    theirs, _ = token_create(user=people["rep_b"], name="theirs")
    client = _signed_in(client, admin)
    page = client.get(URL).content.decode()
    assert "theirs" in page
    assert "rep_b" in page
    client.post(f"/account/tokens/{theirs.pk}/revoke/")
    theirs.refresh_from_db()
    assert theirs.revoked_at is not None


def test_revoking_needs_a_post_and_a_signed_in_user(
    client: Client, people: dict[str, User]
) -> None:
    token, _ = token_create(user=people["rep"], name="mine")
    assert client.get(URL).status_code == 302  # to the sign-in page
    assert (
        _signed_in(client, people["rep"]).get(f"/account/tokens/{token.pk}/revoke/").status_code
        == 405
    )
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_csrf_less_post_is_refused(people: dict[str, User]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rep"])
    answer = client.post(URL, {"name": "x", "scope": "read", "expires": "30"})
    assert answer.status_code == 403
    assert not AccessToken.objects.exists()
