"""Records named in a request body: a missing one makes the request invalid (422), not the
URL missing (404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from traseu.core.errors import InvalidInput, NotFound

T = TypeVar("T")


def referenced(field: str, lookup: Callable[[], T]) -> T:
    """``lookup()``, with its NotFound turned into InvalidInput naming ``field``."""
    try:
        return lookup()
    except NotFound as error:
        raise InvalidInput(error.message, code=error.code, details={"field": field}) from error
