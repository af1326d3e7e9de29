"""``traseu user create``: add a person with a role (and a team) from the command line."""

from __future__ import annotations

import argparse
import sys

from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import setup_django

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
    from traseu.core.services import user_create

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
