"""The follow-up call: planned at the win for the account manager, reminded once per kind,
completed with feedback whose issues become tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from tests.aftersale.helpers import win
from tests.conftest import FakeClock
from traseu.aftersale.followups import FeedbackInput, IssueInput, follow_up_complete
from traseu.aftersale.models import Feedback, FeedbackIssue, FollowUp, Reminder
from traseu.aftersale.reminders import send_reminders
from traseu.audit.models import AuditEntry
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.lists import my_work
from traseu.crm.models import Activity, Deal
from traseu.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


@pytest.fixture(autouse=True)
def _locmem(settings: object) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


def due(follow_up: FollowUp) -> dt.datetime:
    assert follow_up.activity.due_at is not None
    return follow_up.activity.due_at


def won_follow_up(make_deal: MakeDeal, people: dict[str, User], clock: FakeClock) -> FollowUp:
    return FollowUp.objects.select_related("activity").get(deal=win(make_deal(), people, clock))


@pytest.mark.parametrize(
    ("close", "due"),
    [
        (dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), dt.date(2026, 3, 16)),  # Monday
        (dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC), dt.date(2026, 3, 23)),  # Saturday
        (dt.datetime(2026, 3, 8, 22, 30, tzinfo=dt.UTC), dt.date(2026, 3, 23)),  # Sunday UTC,
        # already Monday 9 March in Bucharest: 14 days later is Monday 23 March.
    ],
)
def test_the_call_is_planned_in_the_window_for_the_account_manager(
    make_deal: MakeDeal, people: dict[str, User], close: dt.datetime, due: dt.date
) -> None:
    clock = FakeClock(close - dt.timedelta(days=1))
    deal = make_deal()
    clock.now = close - dt.timedelta(hours=1)
    from tests.aftersale.helpers import sign_contract
    from tests.crm.test_transitions import move

    deal = sign_contract(deal, people, clock)
    clock.now = close
    move(deal, "won", people["rep"], clock)
    follow_up = FollowUp.objects.select_related("activity").get(deal=deal)
    closed_on = timezone.localtime(close).date()
    assert follow_up.due_on == due
    assert follow_up.window_start == closed_on + dt.timedelta(days=14)
    assert follow_up.window_end == closed_on + dt.timedelta(days=28)
    assert follow_up.owner == people["am"]
    task = follow_up.activity
    assert (task.type, task.owner, task.done, task.deal_id) == (
        "call",
        people["am"],
        False,
        deal.pk,
    )
    assert timezone.localtime(task.due_at).date() == due


def test_the_call_shows_in_my_work_when_due_soon(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    follow_up = won_follow_up(make_deal, people, clock)
    assert follow_up.activity_id not in {
        t.pk for t in my_work(user=people["am"], now=clock.now).follow_ups.tasks
    }
    soon = due(follow_up) - dt.timedelta(days=2)
    assert follow_up.activity_id in {
        t.pk for t in my_work(user=people["am"], now=soon).follow_ups.tasks
    }


def test_each_reminder_is_sent_once(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    people["am"].email = "am@example.com"
    people["am"].save()
    follow_up = won_follow_up(make_deal, people, clock)
    due_at = due(follow_up)
    assert send_reminders("before_due", due_at - dt.timedelta(days=3)) == 0
    assert send_reminders("before_due", due_at - dt.timedelta(days=1)) == 1
    assert send_reminders("before_due", due_at - dt.timedelta(hours=1)) == 0
    assert send_reminders("overdue", due_at - dt.timedelta(hours=1)) == 0
    assert send_reminders("overdue", due_at + dt.timedelta(days=1)) == 1
    assert send_reminders("overdue", due_at + dt.timedelta(days=2)) == 0
    assert [m.to for m in mail.outbox] == [["am@example.com"], ["am@example.com"]]
    assert mail.outbox[0].subject == "Follow-up call due soon: Acme rollout"
    assert mail.outbox[1].subject == "Follow-up call overdue: Acme rollout"
    assert '"Acme rollout"' in mail.outbox[1].body
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == ["before_due", "overdue"]


def test_a_failed_send_is_not_recorded_and_is_retried(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from traseu.aftersale import reminders

    people["am"].email = "am@example.com"
    people["am"].save()
    follow_up = won_follow_up(make_deal, people, clock)
    late = due(follow_up) + dt.timedelta(days=1)

    def down(*args: object, **kwargs: object) -> None:
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(reminders, "send_mail", down)
    with pytest.raises(OSError, match="SMTP server unreachable"):
        send_reminders("overdue", late)
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert send_reminders("overdue", late) == 1
    assert len(mail.outbox) == 1


def test_no_reminder_for_a_done_follow_up(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    follow_up = won_follow_up(make_deal, people, clock)
    follow_up_complete(
        follow_up_id=follow_up.pk,
        acting_user=people["am"],
        data=FeedbackInput(outcome="not_reached"),
        clock=clock,
    )
    assert send_reminders("overdue", due(follow_up) + dt.timedelta(days=1)) == 0


def test_feedback_is_recorded_and_issues_become_tasks(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    follow_up = won_follow_up(make_deal, people, clock)
    clock.advance(days=15)
    data = FeedbackInput(
        outcome="reached",
        nps=9,
        satisfaction=4,
        comment="Happy, but the import was slow.",
        issues=[
            IssueInput("delivery", "Data import took two weeks", owner="rep2"),
            IssueInput("product", "Wants a mobile app"),
        ],
    )
    done = follow_up_complete(
        follow_up_id=follow_up.pk, acting_user=people["am"], data=data, clock=clock
    )
    assert (done.status, done.outcome, done.completed_at) == ("done", "reached", clock.now)
    call = Activity.objects.get(pk=follow_up.activity_id)
    assert (call.done, call.done_at, call.stage) == (True, clock.now, follow_up.deal.stage)
    feedback = Feedback.objects.get(follow_up=follow_up)
    assert (feedback.nps, feedback.satisfaction, feedback.comment) == (
        9,
        4,
        "Happy, but the import was slow.",
    )
    first, second = FeedbackIssue.objects.filter(feedback=feedback).order_by("pk")
    assert first.task is not None
    assert (first.task.owner, first.task.type, first.task.deal_id) == (
        people["rep2"],
        "task",
        follow_up.deal_id,
    )
    assert first.task.subject == "Client issue (Delivery): Data import took two weeks"
    assert second.task is None
    event = OutboxEvent.objects.get(kind="feedback.received")
    assert (event.payload["nps"], len(event.payload["issues"])) == (9, 2)
    kinds = set(
        AuditEntry.objects.filter(deal_id=follow_up.deal_id).values_list("object_type", flat=True)
    )
    assert {"follow_up", "feedback", "feedback_issue"} <= kinds
    with pytest.raises(Conflict):
        follow_up_complete(
            follow_up_id=follow_up.pk, acting_user=people["am"], data=data, clock=clock
        )


def test_bad_feedback_names_every_field_and_changes_nothing(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    follow_up = won_follow_up(make_deal, people, clock)
    data = FeedbackInput(
        outcome="reached",
        nps=11,
        satisfaction=0,
        issues=[IssueInput("pricing", "", owner="nobody")],
    )
    with pytest.raises(InvalidInput) as caught:
        follow_up_complete(
            follow_up_id=follow_up.pk, acting_user=people["am"], data=data, clock=clock
        )
    assert caught.value.details["errors"] == {
        "nps": "The score is a whole number from 0 to 10.",
        "satisfaction": "Satisfaction is a whole number from 1 to 5.",
        "issues.1.category": "Issue 1: choose a category: product, service, delivery, sales.",
        "issues.1.description": "Issue 1: describe it (1 to 300 characters).",
        "issues.1.owner": "Issue 1: no active user nobody who may own a task.",
    }
    follow_up.refresh_from_db()
    assert follow_up.status == "scheduled"
    assert not Feedback.objects.exists()
    assert not Activity.objects.get(pk=follow_up.activity_id).done
    assert not OutboxEvent.objects.filter(kind="feedback.received").exists()


def test_other_teams_get_404_and_read_only_users_403(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    follow_up = won_follow_up(make_deal, people, clock)
    data = FeedbackInput(outcome="reached", nps=10, satisfaction=5)
    with pytest.raises(NotFound):
        follow_up_complete(follow_up_id=follow_up.pk, acting_user=people["rep_b"], data=data)
    with pytest.raises(PermissionDenied):
        follow_up_complete(follow_up_id=follow_up.pk, acting_user=people["viewer"], data=data)
    assert not Feedback.objects.exists()


def test_an_issue_without_a_task_can_become_one_later(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    from traseu.aftersale.followups import issue_make_task

    follow_up = won_follow_up(make_deal, people, clock)
    follow_up_complete(
        follow_up_id=follow_up.pk,
        acting_user=people["am"],
        data=FeedbackInput(
            outcome="reached", nps=5, satisfaction=2, issues=[IssueInput("product", "No API")]
        ),
        clock=clock,
    )
    issue = FeedbackIssue.objects.get()
    with pytest.raises(InvalidInput):
        issue_make_task(issue_id=issue.pk, owner="viewer", acting_user=people["am"])
    with pytest.raises(NotFound):
        issue_make_task(issue_id=issue.pk, owner="rep", acting_user=people["rep_b"])
    assert FeedbackIssue.objects.get().task is None
    issue_make_task(issue_id=issue.pk, owner="rep", acting_user=people["am"], clock=clock)
    task = FeedbackIssue.objects.get().task
    assert task is not None
    assert (task.owner, task.subject) == (people["rep"], "Client issue (Product): No API")
    with pytest.raises(Conflict):
        issue_make_task(issue_id=issue.pk, owner="rep2", acting_user=people["am"])


def test_the_panel_runs_a_fixed_number_of_queries(
    make_deal: MakeDeal,
    people: dict[str, User],
    clock: FakeClock,
    django_assert_num_queries: Callable[..., object],
) -> None:
    from traseu.aftersale.panel import aftersale_panel

    open_deal = make_deal()
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        assert aftersale_panel(open_deal, people["rep"], True) is None
    won_deal = win(make_deal(), people, clock)
    # The handoff, the follow-up (with its feedback), the users offered in each form's select.
    with django_assert_num_queries(4):  # type: ignore[attr-defined]
        panel = aftersale_panel(won_deal, people["rep"], True)
    assert panel is not None
    assert panel.context["handoff"].deal_id == won_deal.pk
