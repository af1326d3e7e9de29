"""``traseu deal``: move a deal through its gate, show a deal and its history."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import acting_user, duration, local_time, person, setup_django, table

if TYPE_CHECKING:
    from traseu.crm.models import Deal
    from traseu.crm.transitions import MoveOutcome

WHO_MOVES = "say who moves the deal: --as USER or TRASEU_USER"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("deal", help="move a deal to a stage, show a deal")
    sub = parser.add_subparsers(dest="deal_command", metavar="COMMAND", required=True)

    move = sub.add_parser(
        "move",
        help="move a deal to a stage if its gate allows",
        description="Move a deal to a stage. Exit 3 lists every unmet criterion of the gate.",
    )
    move.add_argument("deal", type=int, metavar="DEAL", help="the deal's number")
    move.add_argument("stage", metavar="STAGE", help="the key of the target stage")
    move.add_argument("--as", dest="user", metavar="USER", help="who moves (default: $TRASEU_USER)")
    move.add_argument("--reason", default="", help="why (needed to move back or to override)")
    move.add_argument("--lost-reason", default="", help="why the deal was lost (to the lost stage)")
    move.add_argument(
        "--override",
        action="store_true",
        help="waive unmet criteria (sales managers and administrators, with --reason)",
    )
    move.set_defaults(func=move_command)

    show = sub.add_parser("show", help="a deal's summary and stage history")
    show.add_argument("deal", type=int, metavar="DEAL", help="the deal's number")
    show.add_argument(
        "--as",
        dest="user",
        metavar="USER",
        help="show it only if USER may see it (default: the operator sees every deal)",
    )
    show.set_defaults(func=show_command)


def move_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.crm.access import deal_for, may_write, require_deal_writer
    from traseu.crm.transitions import deal_move_to_stage

    user = acting_user(args.user, missing=WHO_MOVES)
    deal = deal_for(user, args.deal)  # the same 404 / 403 as the pages and the API
    if may_write(user):  # a read-only user hears it from the move itself
        require_deal_writer(user, deal)
    outcome = deal_move_to_stage(
        deal_id=args.deal,
        to_stage=args.stage,
        acting_user=user,
        reason=args.reason,
        lost_reason=args.lost_reason,
        override=args.override,
        via="cli",
    )
    print("\n".join(_move_lines(outcome)))
    return EXIT_OK


def _move_lines(outcome: MoveOutcome) -> list[str]:
    stages = [outcome.decision.from_stage] + [change.to_stage for change in outcome.changes]
    head = f"deal {outcome.deal.pk}: " + " -> ".join(stages)
    if outcome.decision.overridden:
        head += " (gate overridden)"
    tasks = [
        f"  task: {task.subject} (due {local_time(task.due_at)[:10]}, {task.owner.username})"
        for task in outcome.tasks
    ]
    return [head, *tasks]


def show_command(args: argparse.Namespace) -> int:
    setup_django()
    deal = _deal(args.deal, getattr(args, "user", None))
    print("\n".join([*_summary(deal), "", "history:", *_history(deal)]))
    return EXIT_OK


def _deal(deal_id: int, username: str | None) -> Deal:
    from traseu.crm.access import deal_for
    from traseu.crm.selectors import deal_get

    if username:
        return deal_for(acting_user(username, missing=""), deal_id)
    return deal_get(deal_id=deal_id)


def _summary(deal: Deal) -> list[str]:
    from traseu.processes.selectors import process_definition

    definition = process_definition(deal.process_version)
    stage = definition.stage(deal.stage)
    stage_name = stage.name if stage else "?"
    amount = f"{deal.amount:,.2f} {deal.currency}" if deal.amount is not None else "not set"
    status = deal.get_status_display().lower()
    if deal.lost_reason:
        status += f" ({deal.lost_reason})"
    fields = [
        ("account", deal.account.name),
        ("owner", person(deal.owner)),
        ("process", f"{definition.key} v{deal.process_version.number}"),
        ("stage", f"{stage_name} ({deal.stage}) since {local_time(deal.stage_entered_at)}"),
        ("status", status),
        ("amount", f"{amount}, probability {deal.probability:.0%}"),
    ]
    return [f"deal {deal.pk}: {deal.title}"] + [f"  {name:<8} {value}" for name, value in fields]


def _history(deal: Deal) -> list[str]:
    from traseu.crm.selectors import deal_history

    changes = deal_history(deal=deal)
    rows = [
        (
            change.from_stage or "-",
            change.to_stage,
            local_time(change.changed_at),
            duration(change.duration),
            change.actor.username if change.actor else "-",
            change.reason,
        )
        for change in changes
    ]
    headers = ("FROM", "TO", "WHEN", "DURATION", "BY", "REASON")
    return ["  " + line for line in table(headers, rows)]
