"""Who does a stage's task, resolved once per batch of deals instead of once per task.

:func:`traseu.crm.transitions.assignee_for` picks, among the team's active holders of a role,
the one with the fewest open activities (ties: the lowest id), one query per task. A bulk
writer (an import batch) opens :func:`assignees_batch`: the candidates of a (team, role) and
their open-activity counts are then read once, and every task the batch creates is counted
in, so each pick is the one the per-task query would have made, provided the batch's own
stage tasks are the only open activities written meanwhile (true of an import batch).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Count, Q

from traseu.core.models import User


@dataclass
class AssigneeCache:
    """Candidates by (team id, role) and every candidate's open activities, kept current."""

    members: dict[tuple[int, str], list[User]] = field(default_factory=dict)
    open_tasks: dict[int, int] = field(default_factory=dict)

    def pick(self, team_id: int, role: str) -> User | None:
        key = (team_id, role)
        if key not in self.members:
            rows = User.objects.filter(is_active=True, role=role, teams=team_id).annotate(
                open_tasks=Count("activities", filter=Q(activities__done=False))
            )
            members: list[User] = []
            for user in rows:  # the database already counts this batch's earlier tasks
                self.open_tasks[user.pk] = user.open_tasks
                members.append(user)
            self.members[key] = members
        candidates = self.members[key]
        if not candidates:
            return None
        return min(candidates, key=lambda user: (self.open_tasks[user.pk], user.pk))

    def assigned(self, owner_ids: Iterable[int]) -> None:
        """Count tasks just stored (open) for these users."""
        for owner_id in owner_ids:
            if owner_id in self.open_tasks:
                self.open_tasks[owner_id] += 1


_current: ContextVar[AssigneeCache | None] = ContextVar("traseu_assignees", default=None)


def current() -> AssigneeCache | None:
    return _current.get()


@contextmanager
def assignees_batch() -> Iterator[AssigneeCache]:
    """Resolve stage-task assignees once per (team, role) until the block ends. Use it inside
    the batch's transaction: counts read in it hold only while nothing else assigns tasks."""
    cache = AssigneeCache()
    token = _current.set(cache)
    try:
        yield cache
    finally:
        _current.reset(token)
