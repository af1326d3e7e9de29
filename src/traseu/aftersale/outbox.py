"""The seams to the other after-sale pieces: the event outbox and the accepted proposal.

Both live in other apps (``traseu.events``, ``traseu.sales``); every call from this app goes
through here so there is one place that knows their names.
"""

from __future__ import annotations

from typing import Any

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.events.services import emit as outbox_emit
from traseu.sales.services import accepted_proposal_lines as proposal_lines


def emit(kind: str, payload: dict[str, Any], *, deal: Deal, actor: User | None) -> None:
    """Write ``kind`` to the outbox, in the caller's transaction (it commits or rolls back with
    the change). Webhooks deliver it after commit."""
    outbox_emit(kind, payload, deal=deal, actor=actor)


def accepted_proposal_lines(deal: Deal) -> list[dict[str, str]]:
    """The lines of the deal's accepted proposal; [] when there is none."""
    return proposal_lines(deal)
