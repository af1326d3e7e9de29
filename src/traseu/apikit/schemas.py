"""Base shapes shared by the routers' schemas."""

from __future__ import annotations

from typing import Any, ClassVar

from ninja import Schema
from pydantic import ConfigDict, ValidationInfo, field_validator


def _document_not_null(schema: dict[str, Any], model: type) -> None:
    """In the OpenAPI document, a ``not_null`` field is optional but never ``null``."""
    properties = schema.get("properties", {})
    for name in getattr(model, "not_null", ()):
        field = properties.get(name)
        if not field or "anyOf" not in field:
            continue
        options = [option for option in field.pop("anyOf") if option.get("type") != "null"]
        if len(options) == 1:
            field.update(options[0])
        else:
            field["anyOf"] = options
        if field.get("default", "") is None:
            del field["default"]


class Patch(Schema):
    """A partial update: fields left out stay as they are.

    Fields named in ``not_null`` may be left out but not sent as null (they cannot be empty);
    the OpenAPI document says so too.
    """

    model_config = ConfigDict(json_schema_extra=_document_not_null)
    not_null: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("cannot be null; leave the field out to keep its value")
        return value
