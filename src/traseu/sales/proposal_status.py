"""A proposal's life: draft -> sent -> accepted or rejected.

Allowed moves (anything else is refused with ``proposal_transition_invalid`` and changes
nothing): a draft with at least one line can be sent; a sent proposal can be accepted or
rejected. At most one proposal of a deal is accepted (a database constraint backs the check).
Each move stamps its date, bumps the version, writes a timeline event and an audit row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import User
from traseu.crm.models import TimelineEvent
from traseu.sales import validation as check
from traseu.sales.access import deal_for_writer, proposal_for
from traseu.sales.models import PROPOSAL_TRANSITIONS, Proposal, ProposalStatus

Clock = Callable[[], dt.datetime]
ALLOWED = PROPOSAL_TRANSITIONS
STAMP: dict[str, str] = {
    ProposalStatus.SENT: "sent_at",
    ProposalStatus.ACCEPTED: "accepted_at",
    ProposalStatus.REJECTED: "rejected_at",
}


def proposal_set_status(
    *,
    proposal_id: int,
    acting_user: User,
    status: str,
    expected_version: int | None,
    clock: Clock = timezone.now,
) -> Proposal:
    """Move a proposal to ``status`` (sent, accepted or rejected) if the move is allowed."""
    target = check.choice(status, "status", [s for s in ProposalStatus.values if s != "draft"])
    deal_for_writer(acting_user, proposal_for(acting_user, proposal_id).deal_id)
    now = clock()
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
        check.check_version(proposal.version, expected_version, _("proposal"))
        _check_move(proposal, target)
        before = {"status": proposal.status}
        proposal.status = target
        setattr(proposal, STAMP[target], now)
        proposal.version = F("version") + 1
        proposal.save(update_fields=["status", STAMP[target], "version", "updated_at"])
        proposal.refresh_from_db()
        TimelineEvent.objects.create(
            deal_id=proposal.deal_id,
            kind=f"proposal.{target}",
            at=now,
            actor=acting_user,
            data={"proposal": proposal.pk, "number": proposal.number},
        )
        audit.record(
            action="update",
            obj=proposal,
            actor=acting_user,
            deal_id=proposal.deal_id,
            at=now,
            before=before,
            after={"status": target},
        )
    return proposal


def _check_move(proposal: Proposal, target: str) -> None:
    if target not in ALLOWED[proposal.status]:
        allowed = ", ".join(ALLOWED[proposal.status]) or _("none")
        raise Conflict(
            _("A %(status)s proposal cannot become %(target)s (allowed: %(allowed)s).")
            % {"status": proposal.status, "target": target, "allowed": allowed},
            code="proposal_transition_invalid",
            details={"status": proposal.status, "allowed": list(ALLOWED[proposal.status])},
        )
    if target == ProposalStatus.SENT and not proposal.lines.exists():
        raise InvalidInput(
            _("Add at least one line before sending the proposal."),
            code="proposal_empty",
            details={"field": "lines"},
        )
    accepted = Proposal.objects.filter(deal_id=proposal.deal_id, status=ProposalStatus.ACCEPTED)
    if target == ProposalStatus.ACCEPTED and accepted.exclude(pk=proposal.pk).exists():
        raise Conflict(
            _("Another version of this proposal is already accepted."),
            code="proposal_already_accepted",
        )
