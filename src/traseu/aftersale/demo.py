"""Demo content after the sale: handoffs accepted, follow-up calls made with feedback.

Winning a demo deal already creates its handoff and follow-up (the walker moves deals through
the one transition path); this accepts most handoffs and completes the follow-ups that are
past due, each at a plausible moment, so the delivery queue, the deal pages and the feedback
report have content.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import random

from django.utils import timezone

from traseu.aftersale.followups import FeedbackInput, IssueInput, follow_up_complete
from traseu.aftersale.handoffs import handoff_accept
from traseu.aftersale.models import FollowUp, FollowUpStatus, Handoff, HandoffStatus
from traseu.core.errors import TraseuError

NPS_WEIGHTS = (1, 1, 1, 1, 2, 2, 3, 6, 9, 12, 10)  # index = score: most clients are happy
ISSUES = (
    ("product", "Reports are hard to find"),
    ("product", "Wants an export to Excel"),
    ("delivery", "Data migration took longer than promised"),
    ("service", "Support answered after two days"),
    ("sales", "Invoice did not match the proposal"),
)
COMMENTS = (
    "Very happy with the start.",
    "Good so far; training helped.",
    "Works, but the onboarding was slow.",
    "Expected more from the integration.",
)


def demo_aftersale(*, seed: int = 7, now: dt.datetime | None = None) -> int:
    """Accept most handoffs (a few days after the win) and complete most past-due follow-ups;
    returns how many follow-ups were completed."""
    rng, now = random.Random(seed), now or timezone.now()
    waiting = Handoff.objects.filter(status=HandoffStatus.CREATED).select_related("delivery_owner")
    for handoff in waiting.order_by("pk"):
        accepted_at = handoff.created_at + dt.timedelta(days=rng.uniform(0.5, 3))
        if rng.random() < 0.2:
            continue  # left waiting: the delivery queue has something to show
        if accepted_at < now and handoff.delivery_owner is not None:
            # The demo user may not accept this one: then it stays waiting.
            with contextlib.suppress(TraseuError):
                handoff_accept(
                    handoff_id=handoff.pk,
                    acting_user=handoff.delivery_owner,
                    clock=functools.partial(_fixed, accepted_at),
                )
    completed = 0
    due = FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_on__lt=now.date())
    for follow_up in due.select_related("owner", "deal__owner").order_by("pk"):
        if rng.random() < 0.15:
            continue  # left overdue: the reminders and My work have something to show
        called = timezone.make_aware(dt.datetime.combine(follow_up.due_on, dt.time(10)))
        called += dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 6))
        try:
            follow_up_complete(
                follow_up_id=follow_up.pk,
                acting_user=follow_up.owner,
                data=_feedback(rng, follow_up.deal.owner.username),
                clock=functools.partial(_fixed, min(called, now)),
            )
        except TraseuError:
            continue
        completed += 1
    return completed


def _fixed(moment: dt.datetime) -> dt.datetime:
    return moment


def _feedback(rng: random.Random, rep: str) -> FeedbackInput:
    if rng.random() < 0.1:
        return FeedbackInput(outcome="not_reached")
    nps = rng.choices(range(11), weights=NPS_WEIGHTS)[0]
    issues = []
    if nps <= 8 and rng.random() < 0.7:
        category, text = rng.choice(ISSUES)
        issues.append(IssueInput(category, text, owner=rep if rng.random() < 0.6 else ""))
    return FeedbackInput(
        outcome="reached",
        nps=nps,
        satisfaction=max(1, min(5, round(nps / 2))),
        comment=rng.choice(COMMENTS),
        issues=issues,
    )
