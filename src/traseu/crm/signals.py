"""Signals the CRM sends for other apps to act on, inside the transaction of the change.

A receiver runs in the same database transaction as the move: what it writes (an outbox event,
a handoff, a scheduled follow-up) commits or rolls back with the move itself, and an exception
in a receiver undoes the move.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by :func:`traseu.crm.transitions.deal_move_to_stage` after a move is written, before its
#: transaction commits. Keyword arguments: ``outcome`` (:class:`~traseu.crm.transitions.
#: MoveOutcome`: the deal as saved, the decision, the stage-change rows written, the tasks
#: created), ``actor`` (the user who moved it), ``now`` (the move's time) and ``via`` (web, api,
#: cli, import, worker, service).
deal_moved = Signal()
