"""What closing a deal won starts: the handoff to delivery and the follow-up call.

Runs inside the move's transaction (see :mod:`traseu.crm.signals`): a move that rolls back
leaves neither, and a failure here undoes the move.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from traseu.aftersale.followups import follow_up_schedule_for_win
from traseu.aftersale.handoffs import handoff_create_for_win
from traseu.core.models import User
from traseu.crm.signals import deal_moved
from traseu.crm.transitions import MoveOutcome
from traseu.process.engine import MoveKind
from traseu.processes.selectors import process_definition


@receiver(deal_moved, dispatch_uid="aftersale.deal_won")
def deal_won(*, outcome: MoveOutcome, actor: User, now: dt.datetime, **_: Any) -> None:
    if not any(change.kind == MoveKind.WON.value for change in outcome.changes):
        return
    deal = outcome.deal
    handoff_create_for_win(deal=deal, actor=actor, now=now)
    definition = process_definition(deal.process_version)
    follow_up_schedule_for_win(deal=deal, definition=definition, actor=actor, now=now)
