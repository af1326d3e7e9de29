"""Record ids in paths and bodies, bounded so that no database is asked for an id it cannot
store (SQLite and PostgreSQL keys are signed 64-bit integers)."""

from __future__ import annotations

from typing import Annotated

from django.urls import register_converter
from pydantic import Field

MAX_ID = 2**63 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


class IdConverter:
    """``{id:deal_id}`` in a route: 1 to 18 digits; anything else is not a route (404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class AnyPathConverter:
    """``{anypath:rest}``: any rest of a path, newlines included (Django's ``path`` converter
    stops at a newline, and such a URL would get the HTML 404 page instead of the API's)."""

    regex = r"[\s\S]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(AnyPathConverter, "anypath")
