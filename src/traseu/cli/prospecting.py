"""``traseu icp`` (ideal customer profiles and fit scores) and ``traseu qualification``
(qualification frameworks).

``validate`` commands and ``qualification list`` use the pure core only (no database).
"""

from __future__ import annotations

import argparse
import time
from typing import TypeAlias

from traseu.cli.errors import EXIT_DOCUMENT, EXIT_OK, CliError, print_problems
from traseu.cli.runtime import optional_user, setup_django, table
from traseu.process import icp
from traseu.process.errors import ProcessDocumentError
from traseu.process.frameworks import load_framework_file
from traseu.process.qualification import PATHS_ENV, QUALIFICATION_FRAMEWORKS

Parsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def register(commands: Parsers) -> None:
    _register_icp(commands)
    _register_qualification(commands)


def _register_icp(commands: Parsers) -> None:
    parser = commands.add_parser("icp", help="ideal customer profiles and fit scores")
    sub = parser.add_subparsers(dest="icp_command", metavar="COMMAND", required=True)
    validate = sub.add_parser(
        "validate",
        help="check ICP documents (YAML) without touching the database",
        description="Prints one line per file, or one line per problem "
        "(FILE:LINE: PATH: message [code]).",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=icp_validate)
    apply = sub.add_parser(
        "apply", help="store an ICP document (if it changed) and rescore every account"
    )
    apply.add_argument("file", metavar="FILE")
    apply.add_argument(
        "--as", dest="user", metavar="USER", help="who applies (default: $TRASEU_USER)"
    )
    apply.set_defaults(func=icp_apply)
    listing = sub.add_parser("list", help="the stored profiles, with their scores")
    listing.set_defaults(func=icp_list)
    score = sub.add_parser(
        "score", help="recompute the fit of every account and prospect (all profiles, or one)"
    )
    score.add_argument("--icp", metavar="KEY", help="only this profile")
    score.set_defaults(func=icp_score)


def _register_qualification(commands: Parsers) -> None:
    parser = commands.add_parser("qualification", help="qualification frameworks")
    sub = parser.add_subparsers(dest="qualification_command", metavar="COMMAND", required=True)
    validate = sub.add_parser(
        "validate",
        help="check qualification framework files (YAML)",
        description="Prints one line per file, or one line per problem.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=qualification_validate)
    listing = sub.add_parser(
        "list", help=f"the frameworks available (shipped, and those named by ${PATHS_ENV})"
    )
    listing.set_defaults(func=qualification_list)


def icp_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            profile = icp.load_file(path)
        except ProcessDocumentError as error:
            print_problems(error)
            status = EXIT_DOCUMENT
        else:
            print(f"{path}: ok: {profile.key} '{profile.name}', {len(profile.criteria)} criteria")
    return status


def icp_apply(args: argparse.Namespace) -> int:
    icp.load_file(args.file)  # document problems first, before any database is needed
    setup_django()
    from traseu.prospecting.fit import icp_apply_file

    started = time.perf_counter()
    result = icp_apply_file(path=args.file, acting_user=optional_user(args.user))
    profile = result.profile
    if not result.changed:
        print(f"unchanged {profile.key} v{profile.version}")
        return EXIT_OK
    report = result.report
    scored = f"; scored {report.accounts} accounts, {report.prospects} prospects" if report else ""
    seconds = time.perf_counter() - started
    print(f"applied {profile.key} v{profile.version}{scored} in {seconds:.1f}s")
    return EXIT_OK


def icp_list(args: argparse.Namespace) -> int:
    setup_django()
    from django.db.models import Avg, Count

    from traseu.prospecting.models import IdealCustomerProfile

    profiles = IdealCustomerProfile.objects.annotate(
        accounts=Count("account_fits"), average=Avg("account_fits__score")
    ).order_by("key")
    if not profiles:
        print("no profiles yet; store one with: traseu icp apply FILE")
        return EXIT_OK
    rows = [
        (
            p.key,
            f"v{p.version}",
            p.name,
            p.accounts,
            "" if p.average is None else f"{p.average:.0f}",
        )
        for p in profiles
    ]
    print("\n".join(table(("KEY", "VERSION", "NAME", "ACCOUNTS", "AVERAGE FIT"), rows)))
    return EXIT_OK


def icp_score(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.prospecting.fit import fits_recompute
    from traseu.prospecting.models import IdealCustomerProfile

    profile = None
    if args.icp:
        profile = IdealCustomerProfile.objects.filter(key=args.icp).first()
        if profile is None:
            raise CliError(f"no profile '{args.icp}'; see: traseu icp list")
    started = time.perf_counter()
    report = fits_recompute(profile=profile)
    seconds = time.perf_counter() - started
    print(
        f"scored {report.accounts} accounts ({report.fits} fits) and "
        f"{report.prospects} prospects in {seconds:.1f}s"
    )
    return EXIT_OK


def qualification_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        try:
            framework = load_framework_file(path)
        except ProcessDocumentError as error:
            print_problems(error)
            status = EXIT_DOCUMENT
        else:
            print(f"{path}: ok: {framework.key}, {len(framework.criteria)} criteria")
    return status


def qualification_list(args: argparse.Namespace) -> int:
    rows = [
        (
            f.key,
            f.name_in("en"),
            ", ".join(f),
            f"{f.prior:.0%}",
            f.file,
        )
        for f in QUALIFICATION_FRAMEWORKS.values()
    ]
    print("\n".join(table(("KEY", "NAME", "CRITERIA", "PRIOR", "FILE"), rows)))
    return EXIT_OK
