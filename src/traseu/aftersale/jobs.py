"""Periodic jobs of the after-sale work, run by ``traseu worker`` (see traseu.events.schedule)."""

from __future__ import annotations

import datetime as dt

from traseu.aftersale.models import ReminderKind
from traseu.aftersale.reminders import send_reminders
from traseu.events.schedule import periodic


@periodic("aftersale.follow_up_due_soon", every=dt.timedelta(hours=1))
def follow_up_due_soon(now: dt.datetime) -> int:
    """Remind the owners of follow-up calls due within two days (once per call)."""
    return send_reminders(ReminderKind.BEFORE_DUE, now)


@periodic("aftersale.follow_up_overdue", every=dt.timedelta(hours=1))
def follow_up_overdue(now: dt.datetime) -> int:
    """Remind the owners of overdue follow-up calls (once per call)."""
    return send_reminders(ReminderKind.OVERDUE, now)
