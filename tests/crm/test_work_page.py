"""My work: my open tasks by due date (local time), my stalled deals, follow-ups due, "done"."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import ROUTE
from traseu.core.models import User
from traseu.crm.lists import day_bounds, my_stalled_deals, my_task_groups
from traseu.crm.models import Account, Activity, Deal, DealStatus, TimelineEvent
from traseu.crm.services import deal_create
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HTTP_HX_REQUEST": "true"}
BUCHAREST = dt.timezone(dt.timedelta(hours=2))  # winter time, as on the dates used below


@pytest.fixture(autouse=True)
def _bucharest() -> Iterator[None]:
    """The settings' default time zone, whatever the environment says."""
    with timezone.override(zoneinfo.ZoneInfo("Europe/Bucharest")):
        yield


def task(
    owner: User, subject: str, due_at: dt.datetime, deal: Deal | None = None, **fields: object
) -> Activity:
    return Activity.objects.create(
        deal=deal,
        account=deal.account if deal else None,
        type="task",
        subject=subject,
        owner=owner,
        due_at=due_at,
        created_at=due_at - dt.timedelta(days=3),
        **fields,  # type: ignore[arg-type]
    )


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def section(page: str, name: str) -> str:
    """The HTML of one group or panel of the page (up to the next one)."""
    starts = {
        "overdue": 'group-overdue"',
        "today": 'group-today"',
        "upcoming": 'group-upcoming"',
        "stalled": 'id="stalled-title"',
        "follow-ups": 'id="follow-ups-title"',
    }
    order = list(starts)
    begin = page.index(starts[name])
    following = [page.index(starts[n]) for n in order[order.index(name) + 1 :]]
    return page[begin : following[0] if following else len(page)]


# --- tasks -------------------------------------------------------------------------------------


def test_my_work_needs_sign_in(client: Client) -> None:
    response = client.get("/work/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_tasks_are_grouped_by_the_local_calendar_day(people: dict[str, User]) -> None:
    """Given now = 22:00 in Bucharest (20:00 UTC), a task due at 23:30 local is today and one
    due at 00:30 local is upcoming, although both fall on the same UTC date."""
    rep = people["rep"]
    now = dt.datetime(2026, 3, 10, 22, 0, tzinfo=BUCHAREST)
    late = task(rep, "Late", now - dt.timedelta(minutes=1))
    older = task(rep, "Older", now - dt.timedelta(days=4))
    at_now = task(rep, "Right now", now)
    tonight = task(rep, "Tonight", dt.datetime(2026, 3, 10, 23, 30, tzinfo=BUCHAREST))
    after_midnight = task(rep, "After midnight", dt.datetime(2026, 3, 11, 0, 30, tzinfo=BUCHAREST))
    next_week = task(rep, "Next week", now + dt.timedelta(days=7))
    task(rep, "Finished", now - dt.timedelta(days=1), done=True, done_at=now)

    groups = my_task_groups(user=rep, now=now)

    assert groups["overdue"].tasks == [older, late]
    assert groups["today"].tasks == [at_now, tonight]
    assert groups["upcoming"].tasks == [after_midnight, next_week]
    assert [groups[key].total for key in ("overdue", "today", "upcoming")] == [2, 2, 2]
    assert groups["follow_ups"].total == 0


def test_a_day_with_a_clock_change_is_the_local_day() -> None:
    """On 29 March 2026 Bucharest moves to summer time: that day is 23 hours long."""
    start, end = day_bounds(dt.datetime(2026, 3, 29, 12, 0, tzinfo=dt.UTC))
    # (Python subtracts two times of one zone on the wall clock: compare them in UTC.)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)
    assert start == dt.datetime(2026, 3, 28, 22, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 3, 29, 21, 0, tzinfo=dt.UTC)


def test_groups_are_cut_to_a_limit_but_count_everything(people: dict[str, User]) -> None:
    rep, now = people["rep"], timezone.now()
    for day in range(5):
        task(rep, f"Upcoming {day}", now + dt.timedelta(days=2 + day))
    upcoming = my_task_groups(user=rep, now=now, limit=3)["upcoming"]
    assert [t.subject for t in upcoming.tasks] == ["Upcoming 0", "Upcoming 1", "Upcoming 2"]
    assert (upcoming.total, upcoming.more) == (5, 2)
    whole = my_task_groups(user=rep, now=now, limit=3, whole=["upcoming"])["upcoming"]
    assert len(whole.tasks) == 5


def test_show_more_continues_after_the_last_task_shown(
    client: Client, people: dict[str, User]
) -> None:
    """Paged by the last row shown, so a task completed meanwhile shifts nothing."""
    rep, now = people["rep"], timezone.now()
    late = [task(rep, f"Late {n:02}", now - dt.timedelta(days=30 - n)) for n in range(25)]
    signed_in(client, rep)
    page = client.get("/work/").content.decode()
    assert "Late 19" in page
    assert "Late 20" not in page
    assert "Show 5 more" in page
    assert f'hx-get="/work/tasks/?group=overdue&amp;after={late[19].pk}"' in page
    Activity.objects.filter(pk=late[3].pk).update(done=True, done_at=now)

    more = client.get(f"/work/tasks/?group=overdue&after={late[19].pk}", **HTMX)

    rows = re.findall(r'id="task-(\d+)"', more.content.decode())
    assert [int(pk) for pk in rows] == [t.pk for t in late[20:]]
    assert "Show" not in more.content.decode(), "nothing more after these"
    # Without JavaScript the link shows the whole group.
    assert "Late 24" in client.get("/work/?all=overdue").content.decode()
    assert client.get("/work/tasks/?group=nonsense&after=1").status_code == 404
    theirs = task(people["rep2"], "Theirs", now)
    assert client.get(f"/work/tasks/?group=overdue&after={theirs.pk}").status_code == 404


def test_the_page_shows_my_tasks_in_their_groups_with_their_deal(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    rep, now = people["rep"], timezone.now()
    deal = make_deal()
    Activity.objects.filter(deal=deal).delete()  # the stage's own task is not under test here
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=now)  # not stalled
    _start, tomorrow = day_bounds(now)
    task(rep, "Send the brochure", now - dt.timedelta(hours=3), deal)
    task(rep, "Call the buyer", now + (tomorrow - now) / 2, deal)
    task(rep, "Prepare the demo", now + dt.timedelta(days=3), deal)
    task(people["rep2"], "Colleague's task", now - dt.timedelta(hours=1), deal)
    task(people["rep_b"], "Other team's task", now + dt.timedelta(hours=1))
    task(rep, "Already done", now - dt.timedelta(hours=1), deal, done=True, done_at=now)

    page = signed_in(client, rep).get("/work/").content.decode()

    assert "Send the brochure" in section(page, "overdue")
    assert "Call the buyer" in section(page, "today")
    assert "Prepare the demo" in section(page, "upcoming")
    for hidden in ("Colleague&#x27;s task", "Colleague's task", "Other team", "Already done"):
        assert hidden not in page
    assert page.count(f'href="/deals/{deal.pk}/"') == 3
    assert "Acme 0" in page, "each task names its deal's account"
    assert "3 open tasks" in page


# --- done ----------------------------------------------------------------------------------


def test_done_with_htmx_swaps_the_rows_of_the_task(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    rep = people["rep"]
    open_task = task(rep, "Send the brochure", timezone.now(), make_deal())

    response = signed_in(client, rep).post(f"/work/tasks/{open_task.pk}/done/", **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="task-{open_task.pk}"' in body
    assert f'id="follow-up-{open_task.pk}"' in body
    assert body.count('hx-swap-oob="outerHTML"') == 2
    assert "is-done" in body
    open_task.refresh_from_db()
    assert open_task.done
    assert TimelineEvent.objects.filter(kind="task.done", data__task=open_task.pk).count() == 1


def test_done_without_javascript_goes_back_to_the_page(
    client: Client, people: dict[str, User]
) -> None:
    rep = people["rep"]
    open_task = task(rep, "Send the brochure", timezone.now())
    response = signed_in(client, rep).post(f"/work/tasks/{open_task.pk}/done/")
    assert response.status_code == 303
    assert response["Location"] == "/work/"
    assert Activity.objects.get(pk=open_task.pk).done


def test_someone_elses_task_is_not_found_and_stays_open(
    client: Client, people: dict[str, User]
) -> None:
    theirs = task(people["rep2"], "Theirs", timezone.now())
    response = signed_in(client, people["rep"]).post(f"/work/tasks/{theirs.pk}/done/")
    assert response.status_code == 404
    missing = client.post("/work/tasks/999999/done/")
    assert missing.status_code == 404
    assert not Activity.objects.get(pk=theirs.pk).done


def test_read_only_users_cannot_complete_tasks(client: Client, people: dict[str, User]) -> None:
    viewer = people["viewer"]
    theirs = task(viewer, "Read the report", timezone.now())
    page = signed_in(client, viewer).get("/work/").content.decode()
    assert "Read the report" in page
    assert f"/work/tasks/{theirs.pk}/done/" not in page, "no button they cannot use"
    assert client.post(f"/work/tasks/{theirs.pk}/done/").status_code == 403
    assert not Activity.objects.get(pk=theirs.pk).done


def test_done_needs_post_and_a_csrf_token(people: dict[str, User]) -> None:
    rep = people["rep"]
    open_task = task(rep, "Send the brochure", timezone.now())
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(rep)
    url = f"/work/tasks/{open_task.pk}/done/"

    assert browser.get(url).status_code == 405
    assert browser.post(url).status_code == 403
    assert not Activity.objects.get(pk=open_task.pk).done

    page = browser.get("/work/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    assert browser.post(url, {"csrfmiddlewaretoken": token[1]}).status_code == 303
    assert Activity.objects.get(pk=open_task.pk).done


# --- stalled deals -------------------------------------------------------------------------


def _in_stage_since(deal: Deal, days: float, stage: str | None = None) -> None:
    changes: dict[str, object] = {
        "stage_entered_at": timezone.now() - dt.timedelta(days=days, minutes=1)
    }
    if stage:
        changes["stage"] = stage
    Deal.objects.filter(pk=deal.pk).update(**changes)


def test_deals_past_their_stage_limit_are_stalled(
    people: dict[str, User], make_deal: MakeDeal
) -> None:
    """The test route's stages have no days-in-stage KPI: the limit is 21 days."""
    stuck, waiting, fresh = make_deal(), make_deal(), make_deal()
    _in_stage_since(stuck, 30)
    _in_stage_since(waiting, 21)  # 21 whole days is the limit, not past it
    _in_stage_since(fresh, 3)
    theirs = make_deal(owner="rep2")
    _in_stage_since(theirs, 40)
    lost = make_deal()
    _in_stage_since(lost, 50)
    Deal.objects.filter(pk=lost.pk).update(
        status=DealStatus.LOST, stage="lost", lost_reason="budget", closed_at=timezone.now()
    )

    stalled = my_stalled_deals(user=people["rep"])

    assert [(row.deal, row.days, row.limit, row.stage.key) for row in stalled] == [
        (stuck, 30, 21, "prospecting")
    ]


@pytest.fixture
def kpi_route(tmp_path: Path, route: ProcessVersion) -> ProcessVersion:
    """The test route with a 5-day limit on qualification (another process, same stages)."""
    text = ROUTE.read_text().replace("key: test-route", "key: test-route-kpi", 1)
    text = text.replace(
        "    tasks:\n      - {key: bant_call, title: BANT call, due_days: 3}\n",
        "    tasks:\n      - {key: bant_call, title: BANT call, due_days: 3}\n"
        "    kpis:\n      - {key: speed, name: Days to qualify, metric: days_in_stage,"
        " target: 5}\n",
    )
    path = tmp_path / "kpi.yaml"
    path.write_text(text)
    return process_apply_file(path=path).version


def test_each_stage_has_its_own_limit_in_the_deals_own_version(
    people: dict[str, User], make_deal: MakeDeal, kpi_route: ProcessVersion
) -> None:
    def on_kpi_route() -> Deal:
        return deal_create(
            title="Quick",
            account=Account.objects.create(name="Quick Ltd"),
            owner=people["rep"],
            process_version=kpi_route,
            acting_user=people["rep"],
        )

    quick = on_kpi_route()
    _in_stage_since(quick, 7, stage="qualification")  # limit 5 in this version
    same_stage_other_version = make_deal()
    _in_stage_since(same_stage_other_version, 7, stage="qualification")  # limit 21 there
    early = on_kpi_route()
    _in_stage_since(early, 7)  # prospecting: no KPI, 21 days

    stalled = my_stalled_deals(user=people["rep"])

    assert [(row.deal, row.days, row.limit) for row in stalled] == [(quick, 7, 5)]


def test_the_page_lists_my_stalled_deals(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    stuck = make_deal()
    Deal.objects.filter(pk=stuck.pk).update(title="Stuck rollout")
    _in_stage_since(stuck, 30)
    make_deal(owner="rep2")

    part = section(signed_in(client, people["rep"]).get("/work/").content.decode(), "stalled")

    assert "Stuck rollout" in part
    assert f'href="/deals/{stuck.pk}/"' in part
    assert "30 days (limit 21)" in part
    assert "Prospecting" in part


# --- follow-ups ----------------------------------------------------------------------------


def test_follow_ups_are_won_and_after_sale_tasks_due_within_a_week(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    am, now = people["am"], timezone.now()
    won, running = make_deal(), make_deal()
    Deal.objects.filter(pk=won.pk).update(status=DealStatus.WON, stage="won", closed_at=now)
    handoff = task(am, "Hand over", now + dt.timedelta(days=2), won, stage="won")
    overdue = task(am, "Overdue feedback", now - dt.timedelta(days=3), won)  # no stage
    task(am, "Renewal talk", now + dt.timedelta(days=10), won, stage="won")  # beyond the week
    task(am, "Left from prospecting", now + dt.timedelta(days=1), won, stage="prospecting")
    after_sale = task(
        am, "Follow-up call", now + dt.timedelta(days=6), running, stage="accompaniment"
    )
    task(am, "Pre-sale chore", now + dt.timedelta(days=1), running, stage="prospecting")
    task(people["rep2"], "Colleague's follow-up", now + dt.timedelta(days=1), won, stage="won")

    groups = my_task_groups(user=am, now=now)

    assert groups["follow_ups"].tasks == [overdue, handoff, after_sale]
    assert groups["follow_ups"].total == 3
    part = section(signed_in(client, am).get("/work/").content.decode(), "follow-ups")
    assert "Hand over" in part
    for absent in ("Renewal talk", "Left from prospecting", "Pre-sale chore", "Colleague"):
        assert absent not in part
    assert f'id="follow-up-{handoff.pk}"' in part


# --- cost --------------------------------------------------------------------------------------


def test_the_page_costs_the_same_for_3_or_30_rows(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    """Tasks in every group, stalled deals and follow-ups: the query count does not grow."""
    rep, now = people["rep"], timezone.now()
    signed_in(client, rep)

    def add(count: int) -> None:
        for n in range(count):
            deal = make_deal()
            _in_stage_since(deal, 30)
            task(rep, f"Overdue {n}", now - dt.timedelta(hours=2), deal)
            task(rep, f"Upcoming {n}", now + dt.timedelta(days=2), deal)
            won = make_deal()
            Deal.objects.filter(pk=won.pk).update(status=DealStatus.WON, stage="won", closed_at=now)
            task(rep, f"Follow-up {n}", now + dt.timedelta(days=1), won, stage="won")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/work/")
        assert response.status_code == 200
        return len(captured)

    add(3)
    queries()  # warm the process-definition cache
    few = queries()
    add(27)
    assert queries() == few
