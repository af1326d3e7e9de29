"""Errors every entry point (web, API, CLI, tasks) maps the same way: a code, a message, details.

Services raise these; views, API handlers and CLI commands translate them once, in one place.
"""

from __future__ import annotations

from typing import Any


class TraseuError(Exception):
    """Base of the errors a caller can show to a person. ``code`` is stable."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(TraseuError):
    code = "invalid"
    status = 422


class NotFound(TraseuError):
    """Missing, or not yours: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404


class Unauthenticated(TraseuError):
    """No credentials, or credentials that are unknown, expired or revoked."""

    code = "unauthenticated"
    status = 401


class PermissionDenied(TraseuError):
    code = "forbidden"
    status = 403


class Conflict(TraseuError):
    """The record changed since the caller read it (a stale version)."""

    code = "conflict"
    status = 409


class RateLimited(TraseuError):
    """Too many requests in the current window; ``retry_after`` says when to try again."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
