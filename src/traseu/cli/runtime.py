"""What commands that need Django share: setting it up, finding the acting user, printing tables."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from traseu.cli.errors import EXIT_ENVIRONMENT, CliError

if TYPE_CHECKING:
    from traseu.core.models import User

USER_ENV = "TRASEU_USER"


def setup_django() -> None:
    """Configure Django from ``traseu.settings`` (which reads DATABASE_URL and the rest).

    A malformed setting becomes a :class:`CliError` (exit 4) naming it, not a traceback.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "traseu.settings")
    import django
    from dj_database_url import UnknownSchemeError
    from django.core.exceptions import ImproperlyConfigured

    from traseu.core.env import ConfigurationError

    try:
        django.setup()
    except (ConfigurationError, ImproperlyConfigured, UnknownSchemeError) as error:
        raise CliError(f"settings: {error}", exit_code=EXIT_ENVIRONMENT) from error


def user_named(username: str) -> User:
    """The user with this username (exactly), or NotFound."""
    from traseu.core.errors import NotFound
    from traseu.core.models import User

    user = User.objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"No user '{username}'.", code="user_not_found")
    return user


def optional_user(name: str | None) -> User | None:
    """The user named by ``--as`` or, failing that, ``$TRASEU_USER``; None when neither is set."""
    username = (name or os.environ.get(USER_ENV, "")).strip()
    return user_named(username) if username else None


def acting_user(name: str | None, *, missing: str) -> User:
    """Like :func:`optional_user`, but someone must be named: else a CliError saying ``missing``."""
    user = optional_user(name)
    if user is None:
        raise CliError(missing)
    return user


def person(user: User) -> str:
    """``username`` or ``username (Full Name)``."""
    full_name = user.get_full_name()
    return f"{user.username} ({full_name})" if full_name else user.username


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Rows as left-aligned text columns under a header (trailing spaces trimmed)."""
    cells = [[str(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def duration(value: dt.timedelta | None) -> str:
    """A short duration for people: ``3d 4h``, ``2h 5m``, ``12m``, ``<1m``."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else "<1m"


def local_time(value: dt.datetime | None) -> str:
    """A timestamp in the configured time zone, to the minute."""
    if value is None:
        return ""
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
