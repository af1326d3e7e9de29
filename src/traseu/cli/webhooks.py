"""``traseu webhooks list|add|deliveries|replay``: manage webhooks and see or replay their
deliveries, as an administrator (``--as`` or ``$TRASEU_USER``)."""

from __future__ import annotations

import argparse

from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import acting_user, local_time, setup_django, table

WHO = "say which administrator acts: --as USER or TRASEU_USER"
STATUSES = ("pending", "delivered", "failed", "dead")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "webhooks", help="webhooks and their deliveries (docs/webhooks.md)"
    )
    sub = parser.add_subparsers(dest="webhooks_command", metavar="COMMAND", required=True)

    listing = sub.add_parser("list", help="the webhooks and their delivery counts")
    _as(listing)
    listing.set_defaults(func=list_command)

    add = sub.add_parser(
        "add",
        help="subscribe a URL to event kinds; prints the signing secret once",
        description="Create a webhook. Event kinds: deal.won, deal.lost, stage.changed, "
        "handoff.created, handoff.accepted, feedback.received.",
    )
    add.add_argument("url", metavar="URL")
    add.add_argument(
        "--events", required=True, metavar="KINDS", help="event kinds, comma-separated"
    )
    add.add_argument("--description", default="")
    _as(add)
    add.set_defaults(func=add_command)

    deliveries = sub.add_parser("deliveries", help="recent deliveries, newest first")
    deliveries.add_argument("--status", choices=STATUSES)
    deliveries.add_argument("--webhook", type=int, metavar="ID")
    deliveries.add_argument("--limit", type=int, default=50, metavar="N")
    _as(deliveries)
    deliveries.set_defaults(func=deliveries_command)

    replay = sub.add_parser("replay", help="send failed or dead deliveries again")
    replay.add_argument("ids", nargs="+", type=int, metavar="DELIVERY")
    _as(replay)
    replay.set_defaults(func=replay_command)


def _as(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as", dest="user", metavar="USER", help="an administrator (default: $TRASEU_USER)"
    )


def list_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.events.selectors import webhook_list

    hooks = webhook_list(user=acting_user(args.user, missing=WHO))
    rows = [
        (
            h.pk,
            "active" if h.active else "paused",
            h.url,
            ",".join(h.event_kinds),
            h.delivered,  # type: ignore[attr-defined]
            h.waiting,  # type: ignore[attr-defined]
            h.dead,  # type: ignore[attr-defined]
        )
        for h in hooks
    ]
    headers = ("id", "state", "url", "events", "delivered", "waiting", "dead")
    print("\n".join(table(headers, rows)))
    return EXIT_OK


def add_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.events.webhooks import webhook_create

    hook, secret = webhook_create(
        actor=acting_user(args.user, missing=WHO),
        url=args.url,
        event_kinds=[k for k in args.events.split(",") if k.strip()],
        description=args.description,
    )
    print(f"created webhook {hook.pk} for {hook.url} ({', '.join(hook.event_kinds)})")
    print(f"signing secret (shown only now): {secret}")
    return EXIT_OK


def deliveries_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.events.selectors import delivery_list

    rows = delivery_list(
        user=acting_user(args.user, missing=WHO), webhook_id=args.webhook, status=args.status
    )[: max(args.limit, 1)]
    lines = [
        (
            d.pk,
            local_time(d.created_at),
            d.event.kind,
            d.webhook_id,
            d.status,
            d.attempts,
            d.last_status_code or "",
            local_time(d.next_attempt_at),
            (d.last_error or "").replace("\n", " ")[:60],
        )
        for d in rows
    ]
    headers = ("id", "created", "event", "webhook", "status", "tries", "code", "next", "error")
    print("\n".join(table(headers, lines)))
    return EXIT_OK


def replay_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.events.webhooks import delivery_replay

    user = acting_user(args.user, missing=WHO)
    for delivery_id in args.ids:
        delivery_replay(actor=user, delivery_id=delivery_id)
        print(f"delivery {delivery_id} will be sent again")
    return EXIT_OK
