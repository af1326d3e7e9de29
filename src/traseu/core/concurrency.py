"""Optimistic concurrency in the services: a write based on a stale copy changes nothing."""

from __future__ import annotations

from traseu.core.errors import Conflict


def check_version(current: int, expected: int | None, message: str) -> None:
    """Refuse the write (Conflict ``stale_version``, ``details.version`` the current one) when
    the writer read version ``expected`` and the record is at ``current`` now; ``expected``
    None skips the check. ``message`` is translated already, with ``%(now)s`` and ``%(then)s``
    for the two versions."""
    if expected is not None and current != expected:
        raise Conflict(
            message % {"now": current, "then": expected},
            code="stale_version",
            details={"version": current},
        )
