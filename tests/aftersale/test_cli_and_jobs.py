"""``traseu report feedback`` in its three formats, and the reminder jobs registered with the
scheduler."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.core import mail

from tests.aftersale.helpers import win
from tests.conftest import FakeClock
from traseu.aftersale.followups import FeedbackInput, IssueInput, follow_up_complete
from traseu.aftersale.models import FollowUp
from traseu.cli import main
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.events.schedule import _REGISTRY

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


@pytest.fixture
def answered(make_deal: MakeDeal, people: dict[str, User], clock: FakeClock) -> None:
    scores = [10, 9, 3]
    for score in scores:
        follow_up = FollowUp.objects.get(deal=win(make_deal(), people, clock))
        issues = [IssueInput("delivery", "Late start")] if score < 7 else []
        follow_up_complete(
            follow_up_id=follow_up.pk,
            acting_user=people["am"],
            data=FeedbackInput(outcome="reached", nps=score, satisfaction=4, issues=issues),
            clock=clock,
        )


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    status = main(["report", "feedback", "--process", "test-route", *args])
    return status, capsys.readouterr().out


def test_the_report_in_every_format(answered: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, text = run(capsys)
    assert status == 0
    assert "NPS by month" in text
    assert "Open issues" in text
    assert "Late start" in text
    status, raw = run(capsys, "--format", "json")
    report = json.loads(raw)
    assert (report["report"], report["responses"], report["nps"]) == ("feedback", 3, 33.3)
    assert [(r["name"], r["responses"], r["nps"]) for r in report["tables"]["months"]] == [
        ("2026-03", 3, 33.3)
    ]
    status, csv = run(capsys, "--format", "csv", "--table", "categories")
    assert csv.splitlines() == [
        "category,raised,open",
        "Product,0,0",
        "Service,0,0",
        "Delivery,1,1",
        "Sales,0,0",
    ]


def test_the_reminder_jobs_are_registered_and_send_once(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock, settings: object
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    assert {"aftersale.follow_up_due_soon", "aftersale.follow_up_overdue"} <= set(_REGISTRY)
    people["am"].email = "am@example.com"
    people["am"].save()
    follow_up = FollowUp.objects.select_related("activity").get(
        deal=win(make_deal(), people, clock)
    )
    assert follow_up.activity.due_at is not None
    late = follow_up.activity.due_at + dt.timedelta(days=1)
    job = _REGISTRY["aftersale.follow_up_overdue"].function
    assert (job(late), job(late)) == (1, 0)
    assert len(mail.outbox) == 1
