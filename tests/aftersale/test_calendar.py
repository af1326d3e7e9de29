"""The per-user iCalendar feed: secret address, content, and revocation."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from icalendar import Calendar

from tests.aftersale.helpers import win
from tests.conftest import FakeClock
from traseu.aftersale.icalfeed import calendar_feed_regenerate
from traseu.aftersale.models import CalendarFeed, FollowUp
from traseu.core.models import User
from traseu.crm.models import Activity, Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def test_the_feed_lists_open_tasks_and_follow_ups_with_stable_uids(
    client: Client, people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    deal = win(make_deal(), people, clock)
    follow_up = FollowUp.objects.get(deal=deal)
    Activity.objects.filter(pk=follow_up.activity_id).update(
        subject='Call; ask about "Acme, Inc."\nand more'
    )
    token = calendar_feed_regenerate(acting_user=people["am"])
    first = client.get(f"/calendar/{token}.ics")  # no session
    assert first.status_code == 200
    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(first.content)
    events = {str(e["uid"]): e for e in calendar.events}
    open_tasks = Activity.objects.filter(owner=people["am"], done=False, due_at__isnull=False)
    assert set(events) == {f"activity-{t.pk}@traseu" for t in open_tasks}
    call = events[f"activity-{follow_up.activity_id}@traseu"]
    assert str(call["summary"]) == 'Call; ask about "Acme, Inc."\nand more'
    assert call.start == Activity.objects.get(pk=follow_up.activity_id).due_at
    assert "dtstamp" in call
    raw = first.content.decode()
    assert 'SUMMARY:Call\\; ask about "Acme\\, Inc."\\nand more' in raw  # RFC 5545 escaping
    assert all(len(line.encode()) <= 75 for line in raw.split("\r\n"))
    assert client.get(f"/calendar/{token}.ics").content == first.content


def test_a_regenerated_or_turned_off_address_answers_404(
    client: Client, people: dict[str, User]
) -> None:
    client.force_login(people["rep"])
    page = client.post("/account/calendar/", {"action": "regenerate"}).content.decode()
    old = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", page)
    assert old is not None
    client.logout()
    assert client.get(f"/calendar/{old.group(1)}.ics").status_code == 200
    new = calendar_feed_regenerate(acting_user=people["rep"])
    assert client.get(f"/calendar/{old.group(1)}.ics").status_code == 404
    assert client.get(f"/calendar/{new}.ics").status_code == 200
    client.force_login(people["rep"])
    assert client.post("/account/calendar/", {"action": "off"}).status_code == 303
    assert not CalendarFeed.objects.exists()
    assert client.get(f"/calendar/{new}.ics").status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404


def test_only_the_hash_of_the_token_is_stored(people: dict[str, User]) -> None:
    token = calendar_feed_regenerate(acting_user=people["rep"])
    stored = CalendarFeed.objects.get().token_hash
    assert token not in stored
    assert len(stored) == 64
