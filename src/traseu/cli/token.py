"""``traseu token``: personal access tokens for the REST API, from the operator's shell.

``create`` prints the clear token once, alone on standard output (so ``TOKEN=$(traseu token
create ...)`` works); what was created goes to standard error. The command line is the
operator's tool: it may create tokens for anyone and list or revoke any token.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from traseu.cli.errors import EXIT_OK, CliError
from traseu.cli.runtime import local_time, setup_django, table, user_named

DEFAULT_DAYS = 90


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("token", help="create, list and revoke API access tokens")
    sub = parser.add_subparsers(dest="token_command", metavar="COMMAND", required=True)

    create = sub.add_parser(
        "create",
        help="create a token for a user and print it once",
        description="Create a personal access token. The token is printed once, on standard "
        "output; only its hash is stored.",
    )
    create.add_argument("username", metavar="USER", help="whose token it is")
    create.add_argument("--name", required=True, help="what the token is for (e.g. 'CI export')")
    create.add_argument(
        "--scope", choices=("read", "write"), default="read", help="read (default) or write"
    )
    create.add_argument(
        "--expires",
        type=int,
        default=DEFAULT_DAYS,
        metavar="DAYS",
        help=f"days until it expires (default {DEFAULT_DAYS}; 0: never)",
    )
    create.set_defaults(func=create_command)

    listing = sub.add_parser("list", help="list tokens (of one user, or all)")
    listing.add_argument("username", nargs="?", metavar="USER", help="only this user's tokens")
    listing.set_defaults(func=list_command)

    revoke = sub.add_parser("revoke", help="revoke a token (idempotent)")
    revoke.add_argument("token_id", type=int, metavar="ID", help="the token's id (see list)")
    revoke.set_defaults(func=revoke_command)


def create_command(args: argparse.Namespace) -> int:
    if args.expires < 0:
        raise CliError("--expires must be 0 (never) or a number of days")
    setup_django()
    from django.utils import timezone

    from traseu.core.tokens import token_create

    user = user_named(args.username)
    expires_at = timezone.now() + dt.timedelta(days=args.expires) if args.expires else None
    token, clear = token_create(user=user, name=args.name, scope=args.scope, expires_at=expires_at)
    until = f"expires {local_time(expires_at)}" if expires_at else "never expires"
    print(
        f"created token {token.pk} '{token.name}' for {user.username}: {token.scope}, {until}."
        " It is shown once: store it now.",
        file=sys.stderr,
    )
    print(clear)
    return EXIT_OK


def list_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.core.tokens import token_state, tokens_manageable_by

    tokens = tokens_manageable_by(None)
    if args.username:
        tokens = tokens.filter(user=user_named(args.username))
    rows = [
        (
            token.pk,
            token.user.username,
            token.name,
            f"trs_{token.prefix}…",
            token.scope,
            token_state(token),
            local_time(token.created_at),
            local_time(token.expires_at) if token.expires_at else "never",
            local_time(token.last_used_at) if token.last_used_at else "-",
        )
        for token in tokens
    ]
    if not rows:
        print("no tokens")
        return EXIT_OK
    headers = ("ID", "USER", "NAME", "PREFIX", "SCOPE", "STATE", "CREATED", "EXPIRES", "LAST USED")
    print("\n".join(table(headers, rows)))
    return EXIT_OK


def revoke_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.core.tokens import token_revoke

    token = token_revoke(token_id=args.token_id, acting_user=None)
    print(f"revoked token {token.pk} '{token.name}' of {token.user.username}")
    return EXIT_OK
