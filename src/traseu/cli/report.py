"""``traseu report NAME``: print a report as aligned tables, JSON or CSV.

``REPORTS`` maps each report name to the function that makes it, as ``"module:function"`` so
nothing is imported before Django is set up. A report function takes a
:class:`traseu.analytics.tables.ReportRequest` and returns a
:class:`traseu.analytics.tables.ReportOutput`; adding a report is one line here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from traseu.cli.errors import EXIT_OK, CliError
from traseu.cli.runtime import optional_user, setup_django

if TYPE_CHECKING:
    from traseu.analytics.tables import ReportOutput, ReportRequest

REPORTS: dict[str, str] = {
    "funnel": "traseu.analytics.outputs:funnel_output",
    "time": "traseu.analytics.outputs:time_output",
    "stalled": "traseu.analytics.outputs:stalled_output",
    "kpis": "traseu.analytics.outputs:kpi_output",
    "conformance": "traseu.analytics.outputs:conformance_output",
    "team": "traseu.analytics.outputs:team_output",
    "techniques": "traseu.analytics.outputs:technique_output",
    "probabilities": "traseu.forecasts.reports:probabilities_report",
    "forecast": "traseu.forecasts.reports:forecast_report",
    "feedback": "traseu.aftersale.reportpage:feedback_output",
    "competitors": "traseu.sales.report:competitors_output",
}
FORMATS = ("table", "json", "csv")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "report",
        help="print a report: " + ", ".join(REPORTS),
        description=(
            "Print a report over one process (all its versions). Without --as (or "
            "TRASEU_USER) it covers every deal; with it, the deals that user may see. "
            "Definitions of every figure: docs/analytics.md."
        ),
    )
    parser.add_argument("name", choices=sorted(REPORTS), metavar="NAME", help=", ".join(REPORTS))
    parser.add_argument("--process", metavar="KEY", help="process key (default: the busiest)")
    parser.add_argument("--since", type=_date, metavar="DATE", help="first day, YYYY-MM-DD")
    parser.add_argument("--until", type=_date, metavar="DATE", help="last day, YYYY-MM-DD")
    parser.add_argument("--format", choices=FORMATS, default="table", help="default: table")
    parser.add_argument(
        "--table", metavar="KEY", default="", help="with --format csv: which table (default: first)"
    )
    parser.add_argument("--as", dest="user", metavar="USER", help="only the deals USER may see")
    parser.add_argument(
        "--idle-days", metavar="N", default="", help="stalled: days without activity (default 7)"
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a report-specific option (repeatable)",
    )
    parser.set_defaults(func=report_command)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from error


def _options(args: argparse.Namespace) -> dict[str, str]:
    options = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--option needs KEY=VALUE, not '{item}'")
        options[key.strip()] = value.strip()
    if args.idle_days:
        options["idle_days"] = args.idle_days
    return options


def report_function(name: str) -> Callable[[ReportRequest], ReportOutput]:
    """The function registered for ``name`` (after Django is set up)."""
    module, _sep, function = REPORTS[name].partition(":")
    found: Callable[[ReportRequest], ReportOutput] = getattr(
        importlib.import_module(module), function
    )
    return found


def report_command(args: argparse.Namespace) -> int:
    options = _options(args)
    setup_django()
    from traseu.analytics.tables import ReportRequest, as_csv, as_json, as_text

    request = ReportRequest(
        process=args.process,
        since=args.since,
        until=args.until,
        user=optional_user(args.user),
        options=options,
    )
    output = report_function(args.name)(request)
    if args.format == "json":
        print(as_json(output), end="")
    elif args.format == "csv":
        try:
            table = output.table(args.table)
        except KeyError as error:
            keys = ", ".join(t.key for t in output.tables)
            raise CliError(
                f"report {args.name} has no table '{args.table}'; tables: {keys}"
            ) from error
        print(as_csv(table), end="")
    else:
        print(as_text(output), end="")
    return EXIT_OK
