"""Running Traseu: ``demo``, ``serve``, ``worker``, ``migrate``, and ``manage`` for the rest."""

from __future__ import annotations

import argparse
import sys

from traseu.audit.context import audit_context
from traseu.cli.errors import EXIT_OK
from traseu.cli.runtime import setup_django

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

SERVE_DESCRIPTION = (
    "Run the development web server (Django's runserver, without autoreload; static files are "
    "served while DEBUG is on). In production run any WSGI server with "
    "traseu.wsgi:application instead, e.g. gunicorn traseu.wsgi:application."
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo",
        help="a ready-to-try Traseu: migrate, load the shipped processes, add demo data, serve",
        description="Migrate the database, load the shipped processes, create demo users and "
        "deals, print the credentials, then serve (unless --no-serve).",
    )
    _address_arguments(demo)
    demo.add_argument("--no-serve", action="store_true", help="stop after loading the demo")
    demo.set_defaults(func=demo_command)

    serve = commands.add_parser(
        "serve", help="run the web server (development)", description=SERVE_DESCRIPTION
    )
    _address_arguments(serve)
    serve.set_defaults(func=serve_command)

    worker = commands.add_parser(
        "worker",
        help="run background tasks and periodic jobs (webhooks, reminders, stalled-deal alerts)",
        description="Run the database task worker (django_tasks_db) and the scheduler of "
        "periodic jobs in one process; several workers may run at once (docs/operations.md). "
        "SIGTERM or Ctrl+C stops it after the task in progress.",
    )
    worker.add_argument("--batch", action="store_true", help="run the queued tasks, then exit")
    worker.add_argument("--queue-name", default="default", help="queues, comma-separated, or '*'")
    worker.add_argument(
        "--no-scheduler", action="store_true", help="run queued tasks only, no periodic jobs"
    )
    worker.set_defaults(func=worker_command)

    migrate = commands.add_parser("migrate", help="create or update the database tables")
    migrate.set_defaults(func=migrate_command)

    manage = commands.add_parser(
        "manage",
        help="run a Django management command (traseu manage help)",
        add_help=False,
        prefix_chars="\0",  # every argument, --help included, belongs to Django's command
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER, metavar="ARGS")
    manage.set_defaults(func=manage_command)


def _address_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on (%(default)s)")
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="port to listen on (%(default)s)"
    )


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"'{value}' is not a port number (1-65535)")
    return port


def migrate_database() -> None:
    """Apply the pending migrations quietly; say how many there were and on which database."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _create_cache_table()
    if not pending:
        print(f"{database_label()}: up to date")
        return
    print(f"{database_label()}: applying {len(pending)} migrations ...", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    print(f"{database_label()}: up to date")


def _create_cache_table() -> None:
    """With ``CACHE_URL=db://`` the throttle and rate-limit counters need their table."""
    from django.conf import settings
    from django.core.management import call_command

    backends = {cache["BACKEND"] for cache in settings.CACHES.values()}
    if "django.core.cache.backends.db.DatabaseCache" in backends:
        call_command("createcachetable", verbosity=0)


def database_label() -> str:
    """Which database the settings point at (never the password)."""
    from django.db import connection

    settings = connection.settings_dict
    where = f"{settings.get('HOST')}/" if settings.get("HOST") else ""
    return f"database {connection.vendor} {where}{settings['NAME']}"


def migrate_command(args: argparse.Namespace) -> int:
    setup_django()
    migrate_database()
    return EXIT_OK


def serve(host: str, port: int) -> None:
    from django.core.management import call_command

    address = f"[{host}]" if ":" in host and not host.startswith("[") else host
    call_command("runserver", f"{address}:{port}", use_reloader=False)


def serve_command(args: argparse.Namespace) -> int:
    setup_django()
    serve(args.host, args.port)
    return EXIT_OK


def demo_command(args: argparse.Namespace) -> int:
    setup_django()
    migrate_database()
    from traseu.demo import run_demo

    run_demo(sys.stdout)
    if not args.no_serve:
        from traseu.events.worker import background_worker

        with background_worker(sys.stdout):
            serve(args.host, args.port)
    return EXIT_OK


@audit_context(via="worker")
def worker_command(args: argparse.Namespace) -> int:
    setup_django()
    from traseu.events.worker import configure_logging, run_worker

    configure_logging()
    run_worker(
        queue_names=args.queue_name.split(","),
        batch=args.batch,
        scheduler=not args.no_scheduler,
    )
    return EXIT_OK


def manage_command(args: argparse.Namespace) -> int:
    """Hand the arguments to Django's command line (it prints its own errors)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["traseu manage", *args.arguments])  # may raise SystemExit
    return EXIT_OK
