"""``traseu token create | list | revoke``: the clear token is printed once, only its hash is
stored, it works against the API within its scope, and a revoked token stops working."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.cli.conftest import Result
from traseu.audit.models import AuditEntry
from traseu.core.models import AccessToken, User
from traseu.core.tokens import token_hash

pytestmark = pytest.mark.django_db


def _api(token: str, method: str = "get", path: str = "/api/v1/deals/") -> int:
    client = Client()
    send = getattr(client, method)
    kwargs = {"content_type": "application/json", "data": "{}"} if method != "get" else {}
    return int(send(path, headers={"Authorization": f"Bearer {token}"}, **kwargs).status_code)


def test_create_prints_the_token_once_and_stores_only_its_hash(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    result = traseu("token", "create", "rep", "--name", "CI export", "--expires", "30")
    assert result.status == 0
    clear = result.out.strip()
    assert clear.startswith("trs_")
    assert len(result.out.splitlines()) == 1
    token = AccessToken.objects.get()
    assert (token.user, token.name, token.scope) == (people["rep"], "CI export", "read")
    assert token.secret_hash == token_hash(clear)
    assert clear not in token.secret_hash
    assert token.expires_at is not None
    days = (token.expires_at - timezone.now()) / dt.timedelta(days=1)
    assert 29.9 < days <= 30
    assert f"created token {token.pk} 'CI export' for rep: read" in result.err
    assert clear not in result.err
    assert _api(clear) == 200
    assert _api(clear, "post", "/api/v1/accounts/") == 403  # a read token cannot write
    assert AuditEntry.objects.filter(object_type="access_token", action="create").count() == 1


def test_a_write_token_that_never_expires(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    result = traseu(
        "token", "create", "manager", "--name", "sync", "--scope", "write", "--expires", "0"
    )
    assert result.status == 0
    token = AccessToken.objects.get()
    assert (token.scope, token.expires_at) == ("write", None)
    assert "never expires" in result.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ghost", "--name", "x"), "No user 'ghost'."),
        (("rep", "--name", "   "), "A token needs a name."),
        (("rep", "--name", "x", "--expires", "-1"), "--expires must be 0 (never)"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(
    traseu: Callable[..., Result], people: dict[str, User], args: tuple[str, ...], message: str
) -> None:
    result = traseu("token", "create", *args)
    assert result.status == 2
    assert message in result.err
    assert result.out == ""
    assert not AccessToken.objects.exists()


def test_a_wrong_scope_is_a_usage_error(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    result = traseu("token", "create", "rep", "--name", "x", "--scope", "admin")
    assert result.status == 2
    assert "invalid choice: 'admin'" in result.err
    assert not AccessToken.objects.exists()


def test_list_shows_every_token_or_one_users_without_secrets(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    assert traseu("token", "list").out == "no tokens\n"
    rep_token = traseu("token", "create", "rep", "--name", "mine").out.strip()
    traseu("token", "create", "rep_b", "--name", "theirs", "--scope", "write")
    everyone = traseu("token", "list")
    lines = everyone.out.splitlines()
    assert lines[0].split() == [
        "ID",
        "USER",
        "NAME",
        "PREFIX",
        "SCOPE",
        "STATE",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
    ]
    assert len(lines) == 3
    assert rep_token not in everyone.out
    assert f"trs_{rep_token[4:12]}…" in everyone.out
    only_rep = traseu("token", "list", "rep").out.splitlines()
    assert len(only_rep) == 2
    assert "mine" in only_rep[1]
    assert "active" in only_rep[1]


def test_revoke_stops_the_token_and_is_idempotent(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    clear = traseu("token", "create", "rep", "--name", "old").out.strip()
    token = AccessToken.objects.get()
    assert _api(clear) == 200
    result = traseu("token", "revoke", str(token.pk))
    assert (result.status, result.out) == (0, f"revoked token {token.pk} 'old' of rep\n")
    assert _api(clear) == 401
    assert traseu("token", "revoke", str(token.pk)).status == 0
    assert "revoked" in traseu("token", "list").out
    assert AuditEntry.objects.filter(object_type="access_token", action="update").count() == 1


def test_revoking_a_missing_token_says_so(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    result = traseu("token", "revoke", "4242")
    assert result.status == 2
    assert "No token 4242." in result.err
