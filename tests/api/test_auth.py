"""Who may call the API: tokens (hashed, scoped, expiring, revocable) and browser sessions with
CSRF; read-only people and read tokens change nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.utils import timezone

from tests.api.conftest import BODIES, Api, fill, operations
from traseu.apikit.auth import SessionAuth
from traseu.core.errors import InvalidInput, NotFound, Unauthenticated
from traseu.core.models import AccessToken, User
from traseu.core.tokens import token_authenticate, token_create, token_revoke, tokens_of
from traseu.crm.models import Deal, TimelineEvent

pytestmark = pytest.mark.django_db
WRITES = [
    (m, p, op["operationId"])
    for m, p, op in operations()
    if m != "GET" and op["operationId"] != "process_validate"
]


def test_a_token_is_shown_once_and_stored_as_a_hash(people: dict[str, User]) -> None:
    token, clear = token_create(user=people["rep"], name="laptop", scope="write")
    assert clear.startswith("trs_")
    assert len(clear) == 4 + 43
    assert token.secret_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert token.prefix == clear[4:12]
    stored = AccessToken.objects.filter(pk=token.pk).values()[0]
    assert clear not in str(stored)
    assert token_authenticate(clear).user == people["rep"]


def test_token_creation_refuses_nonsense(people: dict[str, User]) -> None:
    past = timezone.now() - dt.timedelta(days=1)
    for kwargs in (
        {"name": " "},
        {"name": "x", "scope": "admin"},
        {"name": "x", "expires_at": past},
    ):
        with pytest.raises(InvalidInput):
            token_create(user=people["rep"], **kwargs)  # type: ignore[arg-type]


def test_last_use_is_written_at_most_once_a_minute(people: dict[str, User]) -> None:
    token, clear = token_create(user=people["rep"], name="cli")
    start = timezone.now()
    token_authenticate(clear, clock=lambda: start)
    token_authenticate(clear, clock=lambda: start + dt.timedelta(seconds=30))
    token.refresh_from_db()
    assert token.last_used_at == start
    token_authenticate(clear, clock=lambda: start + dt.timedelta(minutes=2))
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(minutes=2)


def test_only_the_owner_or_an_admin_revokes_a_token(people: dict[str, User]) -> None:
    token, _ = token_create(user=people["rep"], name="cli")
    with pytest.raises(NotFound):
        token_revoke(token_id=token.pk, acting_user=people["manager"])
    people["manager"].is_superuser = True
    revoked = token_revoke(token_id=token.pk, acting_user=people["manager"])
    assert revoked.revoked_at is not None
    assert token_revoke(token_id=token.pk, acting_user=people["rep"]).revoked_at == (
        revoked.revoked_at
    )
    assert list(tokens_of(people["rep"])) == []
    assert list(tokens_of(people["rep"], include_inactive=True)) == [token]


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "unauthenticated"),
        ("Bearer trs_nonsense", "token_invalid"),
        ("Bearer nonsense", "token_invalid"),
        ("Basic cmVwOnB3", "unauthenticated"),
    ],
)
def test_no_or_bad_credentials_get_401(
    make_deal: Callable[..., Deal], header: str | None, code: str
) -> None:
    make_deal()
    response = Client().get("/api/v1/deals/", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_and_expired_tokens_get_401(people: dict[str, User]) -> None:
    revoked, revoked_clear = token_create(user=people["rep"], name="old")
    token_revoke(token_id=revoked.pk, acting_user=people["rep"])
    soon = timezone.now() + dt.timedelta(seconds=1)
    expiring, expiring_clear = token_create(user=people["rep"], name="short", expires_at=soon)
    AccessToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now())
    people["rep2"].is_active = False
    people["rep2"].save()
    _, inactive_clear = token_create(user=people["rep2"], name="gone")
    for clear, code in (
        (revoked_clear, "token_revoked"),
        (expiring_clear, "token_expired"),
        (inactive_clear, "token_invalid"),
    ):
        response = Api(Client(), clear).get("/deals/")
        assert (response.status_code, response.json()["code"]) == (401, code)
        with pytest.raises(Unauthenticated):
            token_authenticate(clear)


@pytest.mark.parametrize(("method", "path", "operation"), WRITES)
def test_a_read_token_cannot_write_anywhere(
    as_user: Callable[..., Api],
    make_deal: Callable[..., Deal],
    method: str,
    path: str,
    operation: str,
) -> None:
    deal = make_deal()
    events = TimelineEvent.objects.count()
    url = fill(path, deal_id=deal.pk, kind="proposal")  # any other parameter: id 1
    assert "{" not in url
    response = as_user("manager", scope="read").call(method, url, BODIES.get(operation))
    assert (response.status_code, response.json()["code"]) == (403, "token_read_only")
    assert TimelineEvent.objects.count() == events
    assert Deal.objects.count() == 1


def test_a_read_token_reads_and_validates(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    reader = as_user("rep", scope="read")
    assert reader.get(f"/deals/{deal.pk}").status_code == 200
    validate = reader.post("/processes/validate", raw="key: x\n", content_type="text/plain")
    assert validate.status_code == 422  # validated (the document is incomplete), not refused


def test_a_read_only_person_cannot_write_even_with_a_write_token(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    viewer = as_user("viewer", scope="write")
    assert viewer.get(f"/deals/{deal.pk}").status_code == 200
    response = viewer.post(f"/deals/{deal.pk}/activities", {"type": "call"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_session_reads_and_writes_with_the_csrf_token(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["rep"])
    assert browser.get(f"/api/v1/deals/{deal.pk}").status_code == 200
    url, body = f"/api/v1/deals/{deal.pk}/activities", '{"type": "call", "subject": "Hi"}'
    refused = browser.post(url, body, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    assert not deal.activities.filter(subject="Hi").exists()
    browser.get("/login/")  # any page that renders a form sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = browser.post(
        url, body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert accepted.status_code == 201
    assert deal.activities.filter(subject="Hi").exists()


def test_a_bearer_token_needs_no_csrf_even_beside_a_session(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    _, clear = token_create(user=people["rep"], name="cli", scope="write")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["rep"])
    response = browser.post(
        f"/api/v1/deals/{deal.pk}/activities",
        '{"type": "note"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {clear}"},
    )
    assert response.status_code == 201


def test_the_session_class_ignores_anonymous_visitors() -> None:
    request = RequestFactory().post("/api/v1/deals/")
    request.user = AnonymousUser()
    assert SessionAuth()(request) is None


def test_the_admin_lists_prefixes_and_shows_a_new_token_once(
    people: dict[str, User], client: Client
) -> None:
    admin = User.objects.create_superuser("root", password=None)
    client.force_login(admin)
    response = client.post(
        "/admin/core/accesstoken/add/",
        {"user": people["rep"].pk, "name": "ci", "scope": "read"},
        follow=True,
    )
    page = response.content.decode()
    token = AccessToken.objects.get()
    assert f"trs_{token.prefix}" in page
    shown = re.search(r"trs_[A-Za-z0-9_-]{43}", page)
    assert shown is not None
    assert token_authenticate(shown.group()).pk == token.pk
    listing = client.get("/admin/core/accesstoken/").content.decode()
    assert f"trs_{token.prefix}…" in listing
    assert token.secret_hash not in listing
    client.post(
        "/admin/core/accesstoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
