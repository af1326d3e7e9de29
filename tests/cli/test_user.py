"""``traseu user create``: a role, an optional team, a password only from stdin."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from tests.cli.conftest import Result
from traseu.cli.user import ROLES
from traseu.core.models import Role, Team, User

STRONG = "correct-horse-battery-9"


def test_the_roles_in_the_help_are_the_model_roles() -> None:
    assert tuple(Role.values) == ROLES


@pytest.mark.django_db
def test_create_without_password_leaves_it_unusable(traseu: Callable[..., Result]) -> None:
    result = traseu(
        "user", "create", "ana", "--role", "sales_rep", "--team", "North",
        "--email", "ana@example.com", "--first-name", "Ana", "--last-name", "Pop",
    )  # fmt: skip

    assert result.status == 0, result.err
    assert result.out.splitlines() == [
        "created user ana (sales_rep) in team North",
        "no password set: run traseu manage changepassword ana to set one",
    ]
    user = User.objects.get(username="ana")
    assert (user.role, user.email, user.get_full_name()) == (
        "sales_rep",
        "ana@example.com",
        "Ana Pop",
    )
    assert not user.has_usable_password()
    assert [team.name for team in user.teams.all()] == ["North"]


@pytest.mark.django_db
def test_create_with_a_password_from_stdin(
    traseu: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    Team.objects.create(name="North")
    monkeypatch.setattr("sys.stdin", io.StringIO(STRONG + "\n"))

    result = traseu(
        "user", "create", "bob", "--role", "sales_manager", "--team", "North", "--password-stdin"
    )

    assert (result.status, result.out) == (0, "created user bob (sales_manager) in team North\n")
    user = User.objects.get(username="bob")
    assert user.check_password(STRONG)
    assert Team.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (
            "short\n",
            "Invalid password: This password is too short. It must contain at least 8 characters.",
        ),
        ("\n", "The password is empty."),
        (
            "12345678\n",
            "Invalid password: This password is too common. This password is entirely numeric.",
        ),
    ],
)
def test_a_weak_password_is_refused_and_nothing_is_created(
    traseu: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, stdin: str, message: str
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))

    result = traseu("user", "create", "bob", "--role", "admin", "--team", "T", "--password-stdin")

    assert result.status == 2
    assert result.err == f"traseu: error: {message} [invalid_password]\n"
    assert not User.objects.exists()
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_an_existing_username_is_refused_whatever_its_case(
    traseu: Callable[..., Result], people: dict[str, User]
) -> None:
    result = traseu("user", "create", "REP", "--role", "admin")

    assert (result.status, result.err) == (
        2,
        "traseu: error: User 'rep' already exists. [user_exists]\n",
    )
    assert User.objects.get(username="rep").role == Role.SALES_REP


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("zed", "--role", "boss"),
            "Unknown role 'boss'; roles: admin, sales_manager, sales_rep, account_manager, "
            "read_only. [unknown_role]",
        ),
        (("bad name", "--role", "admin"), "Invalid username: Enter a valid username."),
        (("", "--role", "admin"), "Invalid username: Enter a valid username."),
        (
            ("zed", "--role", "admin", "--email", "nope"),
            "Invalid email: Enter a valid email address. [invalid_email]",
        ),
    ],
)
def test_bad_input_is_refused(
    traseu: Callable[..., Result], args: tuple[str, ...], message: str
) -> None:
    result = traseu("user", "create", *args)

    assert result.status == 2
    assert result.err.startswith(f"traseu: error: {message}")
    assert len(result.err_lines) == 1
    assert not User.objects.exists()


def test_the_role_is_required(traseu: Callable[..., Result]) -> None:
    result = traseu("user", "create", "zed")

    assert result.status == 2
    assert "the following arguments are required: --role" in result.err
