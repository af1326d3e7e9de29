"""Reminders about follow-up calls: one when the call is due soon, one when it is overdue.

Each kind is sent at most once per follow-up: the :class:`Reminder` row is inserted (unique per
follow-up and kind) in the same transaction as the e-mail is handed to Django's mail backend,
so a failed send leaves no row (the next run tries again) and a second worker's insert fails
instead of sending twice. In the app, the call task is in the owner's My work ("Follow-ups
due") from the moment it is due soon.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import translation

from traseu.aftersale.models import FollowUp, FollowUpStatus, Reminder, ReminderKind

DUE_SOON_DAYS = 2
TEMPLATES = {
    ReminderKind.BEFORE_DUE: "aftersale/email/reminder_before_due.txt",
    ReminderKind.OVERDUE: "aftersale/email/reminder_overdue.txt",
}


def _candidates(kind: str, now: dt.datetime) -> QuerySet[FollowUp]:
    sent = Reminder.objects.filter(follow_up=OuterRef("pk"), kind=kind)
    open_calls = FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED).exclude(Exists(sent))
    if kind == ReminderKind.OVERDUE:
        due = open_calls.filter(activity__due_at__lt=now)
    else:
        # Due within the next DUE_SOON_DAYS days (not yet overdue).
        due = open_calls.filter(
            activity__due_at__gte=now,
            activity__due_at__lte=now + dt.timedelta(days=DUE_SOON_DAYS),
        )
    return due.select_related("owner", "deal__account", "activity").order_by("pk")


def send_reminders(kind: str, now: dt.datetime) -> int:
    """Send every reminder of ``kind`` that is due and was never sent; returns how many."""
    sent = 0
    for follow_up in _candidates(kind, now):
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    follow_up=follow_up, kind=kind, recipient=follow_up.owner.email, sent_at=now
                )
                _mail(follow_up, kind, now)
        except IntegrityError:
            continue  # another worker sent it
        sent += 1
    return sent


def _mail(follow_up: FollowUp, kind: str, now: dt.datetime) -> None:
    owner = follow_up.owner
    if not owner.email:
        return  # recorded all the same: the reminder is in the app
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        context = {"follow_up": follow_up, "deal": follow_up.deal, "user": owner, "now": now}
        text = render_to_string(TEMPLATES[ReminderKind(kind)], context)
        subject, _sep, body = text.strip().partition("\n")
        send_mail(subject.strip(), body.strip() + "\n", None, [owner.email])
