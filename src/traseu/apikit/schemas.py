"""Base shapes shared by the routers' schemas."""

from __future__ import annotations

from typing import Any, ClassVar

from ninja import Schema
from pydantic import ValidationInfo, field_validator


class Patch(Schema):
    """A partial update: fields left out stay as they are.

    Fields named in ``not_null`` may be left out but not sent as null (they cannot be empty).
    """

    not_null: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value
