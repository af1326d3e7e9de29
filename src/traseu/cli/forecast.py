"""``traseu forecast backtest``: how well the win probabilities would have predicted past deals;
``traseu forecast past``: what past periods' forecasts said beside what closed.

``backtest`` trains on deals closed before ``--before`` and scores those closed from it (or,
without a date, a stratified k-fold over every closed deal), then prints Brier score, log loss
and AUC for every method side by side, and the calibration of the baseline and the model.
The stage probabilities and a period's forecast are reports: ``traseu report probabilities``
and ``traseu report forecast`` (:mod:`traseu.forecasts.reports`). Definitions and formulas:
docs/forecasting.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING

from traseu.cli.errors import EXIT_OK, EXIT_USAGE, CliError
from traseu.cli.runtime import optional_user, setup_django

if TYPE_CHECKING:
    from traseu.analytics.tables import ReportOutput


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("forecast", help="backtest the win probabilities")
    sub = parser.add_subparsers(dest="forecast_command", metavar="COMMAND", required=True)

    backtest = sub.add_parser(
        "backtest",
        help="score every probability method on past deals",
        description="Train on deals closed before --before and score those closed from it; "
        "without --before, a stratified k-fold over every closed deal. Prints Brier score, log "
        "loss and AUC of the designed, stage-history, baseline and model probabilities side by "
        "side, and the calibration of the baseline and the model.",
    )
    backtest.add_argument("--process", metavar="KEY", help="one process (default: every one)")
    backtest.add_argument("--before", type=_date, metavar="DATE", help="split date, YYYY-MM-DD")
    backtest.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="folds (default 5, more if a small history needs them)",
    )
    backtest.add_argument("--seed", type=int, metavar="N", help="seed of the fold shuffle")
    _common(backtest)
    backtest.set_defaults(func=backtest_command)

    past = sub.add_parser(
        "past",
        help="past periods' forecasts beside what closed",
        description="For each of the last finished periods: what the forecast would have said "
        "at its start (learning only from deals closed before it) beside what then closed.",
    )
    past.add_argument("--process", metavar="KEY", help="one process (default: every one)")
    past.add_argument("--by", choices=("month", "quarter"), default="quarter")
    past.add_argument("--periods", type=int, default=4, metavar="N", help="how many (default 4)")
    past.add_argument("--as", dest="user", metavar="USER", help="only the deals USER may see")
    past.add_argument("--format", choices=("table", "json"), default="table")
    past.set_defaults(func=past_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prior-strength",
        default="",
        metavar="M",
        help="deals the designed probability is worth (default 10), or 'auto'",
    )
    parser.add_argument("--as", dest="user", metavar="USER", help="only the deals USER may see")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _print(output: ReportOutput, form: str) -> None:
    from traseu.analytics.tables import as_json, as_text

    sys.stdout.write(as_json(output) if form == "json" else as_text(output))


def backtest_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.core.errors import InvalidInput
    from traseu.forecasting.backtest import DEFAULT_SEED
    from traseu.forecasts.reports import backtest_tables, prior_strength
    from traseu.forecasts.selectors import backtest_run, forecast_processes

    user = optional_user(args.user)
    strength = prior_strength(args.prior_strength)
    keys = [args.process] if args.process else [p.key for p in forecast_processes(user)]
    if not keys:
        raise CliError("there are no deals to backtest")
    printed = 0
    for key in keys:
        try:
            route, result = backtest_run(
                key=key,
                user=user,
                before=args.before,
                folds=args.folds,
                seed=DEFAULT_SEED if args.seed is None else args.seed,
                strength=strength,
            )
        except InvalidInput as error:
            if args.process:
                raise
            print(f"{key}: skipped: {error.message}", file=sys.stderr)
            continue
        if printed:
            print()
        _print(backtest_tables(route, result, text=args.format == "table"), args.format)
        printed += 1
    return EXIT_OK if printed else EXIT_USAGE


def past_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.forecasts.reports import past_tables
    from traseu.forecasts.selectors import forecast_processes, past_forecasts

    user = optional_user(args.user)
    keys = [args.process] if args.process else [p.key for p in forecast_processes(user)]
    if not keys:
        raise CliError("there are no deals to look back on")
    for number, key in enumerate(keys):
        route, results = past_forecasts(key=key, user=user, kind=args.by, periods=args.periods)
        if number:
            print()
        _print(past_tables(route, results), args.format)
    return EXIT_OK
