"""Who is acting, and through what: the context every audit row reads.

An entry point says where the change comes from once, and the services it calls read it:

- the web middleware (:class:`traseu.audit.middleware.AuditContextMiddleware`) opens a context
  per request: ``web``, or ``api`` under ``/api/``, with the signed-in user, the client IP and a
  request id;
- API token authentication (:func:`note_token`) adds the token's prefix and its user;
- the command line opens ``cli``, the demo ``demo``; importers and workers open ``import`` and
  ``worker`` the same way.

Outside any context the ``via`` is ``service``. Pure Python (no Django), so the command line can
open a context before Django is set up.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

VIAS = ("web", "api", "cli", "import", "worker", "demo", "service")


@dataclass
class AuditContext:
    """Where the changes of the current request or command come from.

    ``actor`` is the user object of the request (possibly Django's lazy ``request.user``); it is
    used only when a service does not name the acting user itself.
    """

    via: str = "service"
    actor: Any = None
    token_prefix: str = ""
    request_id: str = ""
    ip: str | None = None


_current: ContextVar[AuditContext | None] = ContextVar("traseu_audit_context", default=None)


def current() -> AuditContext:
    """The open context, or the default one (``via="service"``, nobody known)."""
    return _current.get() or AuditContext()


@contextmanager
def audit_context(
    *, via: str, actor: Any = None, request_id: str = "", ip: str | None = None
) -> Iterator[AuditContext]:
    """Open a context for the code inside the ``with``; the previous one comes back after."""
    if via not in VIAS:
        raise ValueError(f"unknown audit via '{via}'; use one of {', '.join(VIAS)}")
    context = AuditContext(via=via, actor=actor, request_id=request_id, ip=ip)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def note_token(*, prefix: str, actor: Any) -> None:
    """An access token authenticated the current request: the changes come through the API,
    by the token's user. Does nothing outside a context (a token checked by a script)."""
    context = _current.get()
    if context is not None:
        context.via, context.token_prefix, context.actor = "api", prefix, actor
