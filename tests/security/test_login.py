"""Signing in on the web: Argon2, the throttle, and what a locked-out visitor learns."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

from tests.security.conftest import PASSWORD
from traseu.core.models import User

LOCKED = "Too many failed sign-in attempts. Try again in 15 minutes."


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> object:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_hashed_with_argon2(ana: User) -> None:
    assert ana.password.startswith("argon2$argon2id$")


def test_an_older_pbkdf2_hash_still_signs_in_and_is_upgraded_to_argon2(ana: User) -> None:
    ana.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    ana.save(update_fields=["password"])
    response = sign_in(Client(), "ana", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    ana.refresh_from_db()
    assert ana.password.startswith("argon2$")


def test_the_fifth_wrong_password_locks_the_username_even_for_the_right_one(ana: User) -> None:
    client = Client()
    for _ in range(4):
        wrong = sign_in(client, "ana", "guess")
        assert wrong.status_code == 200
        assert "Please enter a correct username and password" in wrong.content.decode()
    fifth = sign_in(client, "ana", "guess")
    assert LOCKED in fifth.content.decode()
    right = sign_in(Client(), "ana", PASSWORD, ip="10.0.0.2")
    assert right.status_code == 200  # the form again, not a redirect: not signed in
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in right.wsgi_request.session


def test_an_unknown_username_is_throttled_and_answered_exactly_like_a_real_one(ana: User) -> None:
    answers = {}
    for username in ("ana", "nobody"):
        client = Client()
        pages = [sign_in(client, username, "guess").content.decode() for _ in range(6)]
        answers[username] = [page.replace(username, "NAME") for page in pages]
    strip = [[_without_csrf(page) for page in pages] for pages in answers.values()]
    assert strip[0] == strip[1]
    assert LOCKED in answers["nobody"][-1]


def _without_csrf(page: str) -> str:
    start = page.find('name="csrfmiddlewaretoken"')
    while start != -1:
        end = page.find(">", start)
        page = page[:start] + page[end:]
        start = page.find('name="csrfmiddlewaretoken"')
    return "\n".join(line for line in page.splitlines() if "X-CSRFToken" not in line)


@override_settings(LOGIN_THROTTLE_IP_FAILURES=3)
def test_one_ip_guessing_many_usernames_is_locked(ana: User) -> None:
    client = Client()
    for name in ("a", "b", "c"):
        sign_in(client, name, "guess")
    refused = sign_in(client, "ana", PASSWORD)
    assert LOCKED in refused.content.decode()
    assert sign_in(Client(), "ana", PASSWORD, ip="10.0.0.7").status_code == 302


def test_a_successful_sign_in_resets_the_username_count(ana: User) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "ana", "guess")
    assert sign_in(client, "ana", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert LOCKED not in sign_in(client, "ana", "guess").content.decode()


@pytest.mark.parametrize("blank", ["", " "])
def test_a_blank_password_is_refused_without_resetting_the_count(ana: User, blank: str) -> None:
    client = Client()
    for _ in range(4):
        sign_in(client, "ana", "guess")
    assert sign_in(client, "ana", blank).status_code == 200
    assert LOCKED in sign_in(client, "ana", "guess").content.decode()


def test_the_admin_sign_in_goes_through_the_throttled_page(ana: User) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/admin/")
    response = Client().get("/admin/")
    assert response.status_code == 302
    follow = Client().get(response["Location"])
    assert follow.status_code == 302
    assert follow["Location"].startswith("/login/?next=")
