"""Helpers that keep each route's OpenAPI entry honest: every status it can answer, and the
headers it reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from traseu.apikit.errors import Error, ValidationFailed

# Any route can refuse credentials or a client over its rate limit.
ALWAYS = (401, 429)


def responses(success: Mapping[int, Any], *errors: int, **schemas: Any) -> dict[int, Any]:
    """``success`` plus an error schema for each status in ``errors`` (and 401, 429).

    ``schemas`` names a more precise schema for a status: ``s409=GateRejection``.
    """
    table: dict[int, Any] = dict(success)
    for status in sorted({*errors, *ALWAYS}):
        table[status] = ValidationFailed if status == 422 else Error
    for name, schema in schemas.items():
        table[int(name.removeprefix("s"))] = schema
    return table


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "in": "header",
        "name": name,
        "required": False,
        "schema": {"type": "string", "maxLength": 255},
        "description": description,
    }


def idempotent() -> dict[str, Any]:
    """The Idempotency-Key header a POST accepts."""
    return {
        "parameters": [
            _header(
                "Idempotency-Key",
                "Retrying with the same key within 24 hours replays the first answer "
                "instead of running again; the same key with a different request is refused "
                "(422 idempotency_key_reused).",
            )
        ]
    }


def conditional() -> dict[str, Any]:
    """The If-Match header an edit accepts."""
    return {
        "parameters": [
            _header(
                "If-Match",
                'The version read (the ETag, e.g. "3"); a stale one is refused with 409 '
                "stale_version and nothing changes.",
            )
        ]
    }


def yaml_body() -> dict[str, Any]:
    """A request body that is a YAML process document, sent as text."""
    schema = {"type": "string", "description": "A process document (YAML)."}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": schema},
                "text/plain": {"schema": schema},
            },
        }
    }


def merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged
