"""Stalled-deal alerts: the owner hears once per deal per stay in a stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail

from tests.conftest import FakeClock
from traseu.core.models import User
from traseu.crm.models import Deal, TimelineEvent
from traseu.crm.transitions import deal_move_to_stage
from traseu.events.models import StallAlert
from traseu.events.stalls import stalled_deal_alerts

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def test_a_stalled_deal_is_alerted_once_per_stay_with_a_timeline_event_and_an_email(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    owner = people["rep"]
    owner.email = "rep@example.com"
    owner.save()
    deal = make_deal(industry="Software")
    fresh = make_deal(owner="rep2")
    later = clock.now + dt.timedelta(days=40)

    with django_capture_on_commit_callbacks(execute=True):
        assert stalled_deal_alerts(later) == 2
    assert set(StallAlert.objects.values_list("deal_id", flat=True)) == {deal.pk, fresh.pk}
    event = TimelineEvent.objects.get(deal=deal, kind="deal.stalled")
    assert event.data["stage"] == "prospecting"
    assert event.data["days"] == 40.0
    assert [m.to for m in mail.outbox] == [["rep@example.com"]], "rep2 has no email address"
    assert "Acme rollout" in mail.outbox[0].subject
    assert f"/deals/{deal.pk}/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        assert stalled_deal_alerts(later + dt.timedelta(days=1)) == 0, "still the same stay"
    assert len(mail.outbox) == 1

    clock.now = later
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=owner, clock=clock)
    assert stalled_deal_alerts(later + dt.timedelta(days=2)) == 0, "the new stay is young"
    assert stalled_deal_alerts(later + dt.timedelta(days=40)) == 1, "and stalls in turn"
    assert TimelineEvent.objects.filter(deal=deal, kind="deal.stalled").count() == 2


def test_a_recent_or_active_deal_is_not_alerted(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    from traseu.crm.services import activity_log

    deal = make_deal()
    later = clock.now + dt.timedelta(days=40)
    assert stalled_deal_alerts(clock.now + dt.timedelta(days=3)) == 0
    clock.now = later - dt.timedelta(days=1)
    activity_log(deal=deal, type="call", subject="Call", acting_user=people["rep"], clock=clock)
    assert stalled_deal_alerts(later) == 0, "someone worked on it yesterday"
    assert not StallAlert.objects.exists()


def test_an_owner_gets_one_email_listing_all_their_newly_stalled_deals(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    people["rep"].email = "rep@example.com"
    people["rep"].save()
    first, second = make_deal(), make_deal()
    with django_capture_on_commit_callbacks(execute=True):
        assert stalled_deal_alerts(clock.now + dt.timedelta(days=30)) == 2
    [message] = mail.outbox
    assert message.subject == "2 deals stalled"
    assert message.body.count("Acme rollout: 30.0 days in prospecting") == 2
    assert f"/deals/{first.pk}/" in message.body
    assert f"/deals/{second.pk}/" in message.body


def test_a_failing_mail_server_does_not_undo_the_alerts(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("traseu.events.stalls.send_mail", refuse)
    people["rep"].email = "rep@example.com"
    people["rep"].save()
    deal = make_deal()
    with django_capture_on_commit_callbacks(execute=True):
        assert stalled_deal_alerts(clock.now + dt.timedelta(days=30)) == 1
    assert StallAlert.objects.filter(deal=deal).exists()


def test_the_deal_page_shows_the_alert_of_the_current_stay_only(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    from django.test import Client

    owner = people["rep"]
    deal = make_deal(industry="Software")
    browser = Client()
    browser.force_login(owner)
    page = browser.get(f"/deals/{deal.pk}/").content.decode()
    assert "stall-notice" not in page

    later = clock.now + dt.timedelta(days=40)
    assert stalled_deal_alerts(later) == 1
    threshold = TimelineEvent.objects.get(deal=deal, kind="deal.stalled").data["threshold"]
    page = browser.get(f"/deals/{deal.pk}/").content.decode()
    assert 'class="stall-notice"' in page
    assert "40 days in this stage" in page
    assert f"within {threshold:.0f} days" in page

    clock.now = later  # moved on: the alert belongs to the last stay, not this one
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=owner, clock=clock)
    assert "stall-notice" not in browser.get(f"/deals/{deal.pk}/").content.decode()
