"""``traseu user create``: add a person with a role (and a team) from the command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import setup_django
from traseu.core.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from traseu.core.models import User

# The values of traseu.core.models.Role (a test keeps this list in step with it).
ROLES = ("admin", "sales_manager", "sales_rep", "account_manager", "read_only")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("user", help="manage users")
    sub = parser.add_subparsers(dest="user_command", metavar="COMMAND", required=True)
    create = sub.add_parser(
        "create",
        help="create a user",
        description="Create a user. Without --password-stdin the user gets no usable password.",
    )
    create.add_argument("username", metavar="NAME")
    create.add_argument("--role", required=True, metavar="ROLE", help="one of: " + ", ".join(ROLES))
    create.add_argument("--team", default="", help="a team to join (created if missing)")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    create.add_argument("--email", default="")
    create.add_argument("--first-name", default="")
    create.add_argument("--last-name", default="")
    create.set_defaults(func=create_command)


def create_command(args: argparse.Namespace) -> int:
    setup_django()
    password = _read_password() if args.password_stdin else None
    user = user_create(
        username=args.username,
        role=args.role,
        team=args.team,
        password=password,
        email=args.email,
        first_name=args.first_name,
        last_name=args.last_name,
    )
    team = f" in team {args.team.strip()}" if args.team.strip() else ""
    print(f"created user {user.username} ({user.role}){team}")
    if password is None:
        print(f"no password set: run traseu manage changepassword {user.username} to set one")
    return EXIT_OK


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


def user_create(
    *,
    username: str,
    role: str,
    team: str = "",
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user with ``role``, in ``team`` (created if missing), all or nothing.

    Refuses (InvalidInput) an unknown role, a malformed username or e-mail, or a password the
    configured validators reject (all their reasons in one message); refuses (Conflict) a
    username already taken, compared without regard to case. ``password=None`` leaves the user
    without a usable password.
    """
    # Shaped as a service so it can move to traseu.core.services as it is.
    from django.db import IntegrityError, transaction

    from traseu.core.models import Team, User

    user = User(
        username=username.strip(),
        role=role,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    _check_user(user, password)
    try:
        with transaction.atomic():
            taken = User.objects.filter(username__iexact=user.username).first()
            if taken is not None:
                raise _taken(taken.username)
            if password is None:
                user.set_unusable_password()
            else:
                user.set_password(password)
            user.save()
            if team.strip():
                user.teams.add(Team.objects.get_or_create(name=team.strip())[0])
    except IntegrityError as error:  # a concurrent create of the same username
        raise _taken(user.username) from error
    return user


def _taken(username: str) -> Conflict:
    return Conflict(f"User '{username}' already exists.", code="user_exists")


def _check_user(user: User, password: str | None) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from traseu.core.models import Role

    if user.role not in Role.values:
        raise InvalidInput(
            f"Unknown role '{user.role}'; roles: {', '.join(Role.values)}.", code="unknown_role"
        )
    if password == "":
        raise InvalidInput("The password is empty.", code="invalid_password")
    checks: list[tuple[str, Callable[[], object]]] = [
        ("username", lambda: user.username_validator(user.username))
    ]
    if user.email:
        checks.append(("email", lambda: validate_email(user.email)))
    if password is not None:
        checks.append(("password", lambda: validate_password(password, user=user)))
    for field, check in checks:
        try:
            check()
        except ValidationError as error:
            raise InvalidInput(
                f"Invalid {field}: " + " ".join(error.messages), code=f"invalid_{field}"
            ) from error
