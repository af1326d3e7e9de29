"""Each user's calendar feed: a secret address that any calendar application can subscribe to,
listing their open tasks (follow-up calls among them) as iCalendar events.

Only the SHA-256 of the token is stored, so the address is shown once, when it is made.
Regenerating replaces it and turning the feed off deletes it: the old address then answers
404. Events keep stable UIDs (one per task), so an application updates them in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from traseu.aftersale.models import CalendarFeed
from traseu.audit import services as audit
from traseu.core.models import User
from traseu.crm.models import Activity

Clock = Callable[[], dt.datetime]
EVENT_MINUTES = 30
FEED_LIMIT = 1000
PRODID = "-//Traseu//Sales process CRM//EN"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_regenerate(*, acting_user: User, clock: Clock = timezone.now) -> str:
    """A new secret token for ``acting_user``'s feed (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    now = clock()
    with transaction.atomic():
        feed, created = CalendarFeed.objects.update_or_create(
            user=acting_user, defaults={"token_hash": _digest(token), "created_at": now}
        )
        audit.record(
            action="create" if created else "update",
            obj=feed,
            actor=acting_user,
            at=now,
            before=None if created else {"token": "previous"},
            after={"token": "regenerated", "created_at": now},
            label=_("Calendar feed of %(user)s") % {"user": acting_user.username},
        )
    return token


def calendar_feed_delete(*, acting_user: User, clock: Clock = timezone.now) -> bool:
    """Turn the feed off; False when there was none."""
    with transaction.atomic():
        feed = CalendarFeed.objects.filter(user=acting_user).first()
        if feed is None:
            return False
        audit.record(
            action="delete",
            obj=feed,
            actor=acting_user,
            at=clock(),
            before={"token": "active"},
            label=_("Calendar feed of %(user)s") % {"user": acting_user.username},
        )
        feed.delete()
    return True


def calendar_feed_user(token: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user whose feed ``token`` opens; None for an unknown or revoked token."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.filter(token_hash=_digest(token), user__is_active=True)
        .select_related("user")
        .first()
    )
    if feed is None:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now or timezone.now())
    return feed.user


def calendar_feed_exists(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_ics(user: User, *, base_url: str, now: dt.datetime | None = None) -> bytes:
    """``user``'s open tasks with a due time as an iCalendar document."""
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Traseu: tasks of %(user)s") % {"user": user})
    tasks = (
        Activity.objects.filter(owner=user, done=False, due_at__isnull=False)
        .select_related("deal__account", "follow_up")
        .order_by("due_at", "pk")[:FEED_LIMIT]
    )
    for task in tasks:
        calendar.add_component(_event(task, base_url))
    document: bytes = calendar.to_ical()
    return document


def _event(task: Activity, base_url: str) -> Event:
    assert task.due_at is not None
    event = Event()
    event.add("uid", f"activity-{task.pk}@traseu")
    event.add("dtstamp", task.created_at.astimezone(dt.UTC))
    event.add("dtstart", task.due_at.astimezone(dt.UTC))
    event.add("dtend", task.due_at.astimezone(dt.UTC) + dt.timedelta(minutes=EVENT_MINUTES))
    is_follow_up = hasattr(task, "follow_up")
    event.add("summary", task.subject)
    event.add("categories", [_("Follow-up") if is_follow_up else _("Task")])
    lines = [task.notes] if task.notes else []
    if task.deal is not None:
        url = f"{base_url}/deals/{task.deal_id}/"
        lines.append(f"{task.deal.title} ({task.deal.account.name})")
        event.add("url", url)
        lines.append(url)
    if lines:
        event.add("description", "\n".join(lines))
    return event
