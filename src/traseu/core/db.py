"""Database details the services need now and then.

On PostgreSQL Traseu sends parameters separately and prepares statements
(``DATABASE_PREPARED_STATEMENTS``): the API's short queries are planned once per connection.
Large report queries are the opposite case: planned with the values written in, PostgreSQL
found a better plan for the time-in-stage report than with typed parameters (1.41 s against
1.76 s at 200,000 deals, docs/analytics.md), and a report's planning time is nothing beside its
run. :func:`values_written_in` gives a block of code the client-side binding.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connections

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def values_written_in(using: str = "default") -> Iterator[None]:
    """Within the block, queries on ``using`` carry their values in the SQL (psycopg's
    client-side binding), as Django does by default; elsewhere nothing changes."""
    connection = connections[using]
    options = connection.settings_dict.get("OPTIONS", {})
    if connection.vendor != "postgresql" or options.get("server_side_binding") is not True:
        yield
        return
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        Cursor,  # client-side binding, defined for psycopg 3 only
    )

    connection.ensure_connection()
    raw = connection.connection
    previous = raw.cursor_factory
    raw.cursor_factory = Cursor
    try:
        yield
    finally:
        if connection.connection is raw:  # not replaced by a reconnection meanwhile
            raw.cursor_factory = previous


def report_query(function: F) -> F:
    """Decorator: run ``function`` (a report) inside :func:`values_written_in`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with values_written_in():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
