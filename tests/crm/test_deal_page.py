"""The deal page: the route, the current stage's work, and the panels that change the deal.

Every write is tried with and without HTMX; bad input is refused beside its field with 422 and
changes nothing; another team's deal is a 404 on every route; read-only users cannot write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import FakeClock
from traseu.core.models import User
from traseu.crm.dealpage import deal_page, duration_text
from traseu.crm.models import (
    Account,
    Activity,
    Contact,
    Deal,
    DealContact,
    DealDocument,
    QualificationAnswer,
    TimelineEvent,
)
from traseu.crm.services import (
    activity_log,
    contact_create,
    deal_contact_set,
    deal_create,
    qualification_answer,
)
from traseu.crm.transitions import deal_move_to_stage
from traseu.process.techniques import DOCUMENTS
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HTTP_HX_REQUEST": "true"}
PANELS = ("details", "qualification", "tasks", "activities", "contacts", "documents")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def task_of(deal: Deal) -> Activity:
    return Activity.objects.get(deal=deal, template="research")


def write_requests(deal: Deal) -> list[tuple[str, dict[str, str]]]:
    """Every write of the page, with valid data."""
    contact = contact_create(acting_user=deal.owner, account=deal.account, last_name="Pop")
    deal_contact_set(deal=deal, contact=contact, role="user", acting_user=deal.owner)
    base = f"/deals/{deal.pk}"
    return [
        (f"{base}/details/", {"title": "New", "amount": "10", "version": str(deal.version)}),
        (f"{base}/activities/", {"type": "call", "subject": "Hello"}),
        (f"{base}/qualification/", {"criterion": "budget", "status": "confirmed"}),
        (f"{base}/contacts/", {"last_name": "Ionescu", "role": "champion"}),
        (f"{base}/contacts/{contact.pk}/role/", {"role": "decision_maker"}),
        (f"{base}/documents/", {"kind": "proposal", "status": "sent"}),
        (f"{base}/tasks/{task_of(deal).pk}/complete/", {}),
    ]


def writes_recorded(deal: Deal) -> int:
    """Timeline events beyond the ones deal creation writes: any write adds at least one."""
    return (
        TimelineEvent.objects.filter(deal=deal)
        .exclude(kind__in=("deal.created", "tasks.created"))
        .count()
        + Activity.objects.filter(deal=deal, done=True).count()
    )


# Reading the page


def test_the_page_needs_sign_in(client: Client, make_deal: MakeDeal) -> None:
    deal = make_deal()
    response = client.get(f"/deals/{deal.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_page_shows_the_route_the_checklist_and_the_tasks(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).get(f"/deals/{deal.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    route = page[page.index('id="route"') : page.index("</nav>", page.index('id="route"'))]
    names = re.findall(r'<span class="name">([^<]+)</span>', route)
    assert names == [
        "Prospecting",
        "Qualification",
        "First contact",
        "Preparation",
        "Contract",
        "Won",
        "Accompaniment",
        "Lost",
    ], "every stage in route order, lost apart at the end"
    assert re.search(
        r'state-current[^>]*aria-current="step">\s*<span class="name">Prospecting', page
    )
    assert "Find accounts that fit." in page, "the stage's goal"
    assert "0 of 1 met" in page
    assert "Industry is filled in" in page, "the unmet exit criterion"
    assert 'href="#details"' in page, "with a link to the panel that fixes it"
    assert "Research the account" in page, "the stage's task"
    for panel in PANELS:
        assert f'id="{panel}"' in page
    assert f'action="/deals/{deal.pk}/move/"' in page
    assert '<input type="hidden" name="next" value="deal">' in page
    assert 'hx-target="#move-result"' in page
    assert 'id="move-result"' in page
    assert 'name="override"' not in page, "only managers may override a gate"


def test_a_manager_sees_the_override_checkbox(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    page = signed_in(client, people["manager"]).get(f"/deals/{deal.pk}/").content.decode()
    assert 'name="override"' in page


def test_the_route_sums_time_per_stage_and_marks_skipped_stages(
    people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail")
    manager = people["manager"]
    clock.advance(days=2)
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=manager, clock=clock)
    clock.advance(hours=5)
    deal_move_to_stage(
        deal_id=deal.pk, to_stage="prospecting", acting_user=manager, reason="Back", clock=clock
    )
    clock.advance(days=1)
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="preparation",
        acting_user=manager,
        reason="Known customer",
        override=True,
        clock=clock,
    )
    clock.advance(days=4)
    deal = Deal.objects.select_related("account", "owner", "team").get(pk=deal.pk)

    page = deal_page(deal=deal, now=clock.now)

    states = {step.stage.key: (step.state, step.spent) for step in page.route}
    assert states["prospecting"] == ("visited", dt.timedelta(days=3))
    assert states["qualification"] == ("visited", dt.timedelta(hours=5))
    assert states["first_contact"] == ("skipped", None)
    assert states["preparation"] == ("current", dt.timedelta(days=4))
    assert states["contract"][0] == "ahead"
    assert page.lost_step.state == "ahead"
    assert [row.change.kind for row in page.history] == ["skip", "back", "forward", "created"]
    assert page.history[0].change.overridden


def test_durations_read_as_days_hours_or_minutes() -> None:
    assert duration_text(dt.timedelta(days=3, hours=2)) == "3 days"
    assert duration_text(dt.timedelta(hours=1, minutes=5)) == "1 hour"
    assert duration_text(dt.timedelta(minutes=7)) == "7 minutes"
    assert duration_text(dt.timedelta(seconds=-5)) == "0 minutes"


def test_the_checklist_and_the_next_stages_entry_are_live(
    people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail")
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=people["rep"])
    deal.refresh_from_db()
    page = deal_page(deal=deal)
    assert [(row.item.criterion, row.item.met) for row in page.exit_checklist] == [
        ("qualification.exit.bant_budget", False),
        ("qualification.exit.task_bant_call_done", False),
    ]
    assert [row.item.panel for row in page.exit_checklist] == ["qualification", "tasks"]
    qualification_answer(
        deal=deal, criterion="budget", status="partial", acting_user=people["rep"], clock=clock
    )
    page = deal_page(deal=deal)
    assert [row.item.met for row in page.exit_checklist] == [True, False]
    assert page.next_stage is not None
    assert page.next_stage.key == "first_contact"


def test_the_next_stages_entry_criteria_are_listed(
    people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(industry="Retail")
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="contract",
        acting_user=people["manager"],
        reason="Test",
        override=True,
    )
    deal.refresh_from_db()
    page = deal_page(deal=deal)
    assert page.next_stage is not None
    assert page.next_stage.key == "won"
    assert [row.item.criterion for row in page.next_entry] == ["won.entry.contract_signed"]
    # the sales app registers its contract panel as where a contract's status is set
    assert page.next_entry[0].item.panel == "sales-contract"
    assert page.next_entry[0].fix_label == "Open the contract"


def test_techniques_show_their_guidance_and_can_be_logged(
    client: Client, people: dict[str, User]
) -> None:
    version = process_apply_file(path=DOCUMENTS / "classic.en.yaml").version
    rep = people["rep"]
    deal = deal_create(
        title="Classic deal",
        account=Account.objects.create(name="Beta"),
        owner=rep,
        process_version=version,
        acting_user=rep,
    )
    client = signed_in(client, rep)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert '<details class="technique">' in page
    assert "Ideal customer profile research" in page
    assert "Which of our customers would we gladly clone, and why?" in page, "its questions"
    assert '<option value="icp_research">' in page, "the activity form offers the technique"
    assert "Ideal customer profile" in page, "the stage's resources"
    response = client.post(
        f"/deals/{deal.pk}/activities/",
        {"type": "meeting", "subject": "ICP review", "technique": "icp_research"},
    )
    assert response.status_code == 303
    assert Activity.objects.get(deal=deal, subject="ICP review").technique == "icp_research"
    response = client.post(
        f"/deals/{deal.pk}/activities/",
        {"type": "meeting", "subject": "Other", "technique": "bant_questioning"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "is not a technique of this stage" in response.content.decode()


def test_queries_do_not_grow_with_activities_contacts_and_answers(
    client: Client, people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    few, many = make_deal(industry="Retail"), make_deal(industry="Retail")
    rep = people["rep"]

    def fill(deal: Deal, count: int) -> None:
        for number in range(count):
            activity_log(deal=deal, type="call", subject=f"Call {number}", acting_user=rep)
            contact = contact_create(acting_user=rep, account=deal.account, last_name=f"P{number}")
            deal_contact_set(deal=deal, contact=contact, role="user", acting_user=rep)
            qualification_answer(
                deal=deal, criterion="budget", status="weak", acting_user=rep, clock=clock
            )
        contact_create(acting_user=rep, account=deal.account, last_name="Not on the deal")

    fill(few, 2)
    fill(many, 30)
    client = signed_in(client, rep)
    client.get(f"/deals/{few.pk}/")  # warm the process definition cache

    def count(deal: Deal) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/deals/{deal.pk}/").status_code == 200
        return len(queries)

    assert count(many) == count(few)
    assert count(few) <= 17  # session, user, deal, facts (4), one per panel, a stall alert


# Writing through the panels


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_details_are_saved_with_the_account_fields(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/details/",
        {
            "version": str(deal.version),
            "title": "Acme, phase 2",
            "amount": "12500.50",
            "expected_close": "2026-06-30",
            "source": "referral",
            "industry": "Retail",
            "country": "ro",
            "employees": "40",
        },
        **(HTMX if htmx else {}),
    )
    deal.refresh_from_db()
    deal.account.refresh_from_db()
    assert (deal.title, str(deal.amount), deal.expected_close, deal.source) == (
        "Acme, phase 2",
        "12500.50",
        dt.date(2026, 6, 30),
        "referral",
    )
    assert (deal.account.industry, deal.account.country, deal.account.employees) == (
        "Retail",
        "RO",
        40,
    )
    if not htmx:
        assert response.status_code == 303
        assert response["Location"] == f"/deals/{deal.pk}/#details"
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('\n<section id="details"') or body.lstrip().startswith(
        '<section id="details"'
    )
    assert '<header id="deal-header" class="deal-head" hx-swap-oob="true">' in body
    assert '<div id="checklist" class="checklist-live" aria-live="polite" hx-swap-oob="true">' in (
        body
    )
    assert "1 of 1 met" in body, "the industry satisfied the exit criterion"


def test_unchanged_details_write_nothing(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(industry="Retail")
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/details/",
        {"version": str(deal.version), "title": deal.title, "amount": "5000", "industry": "Retail"},
    )
    assert response.status_code == 303
    assert not TimelineEvent.objects.filter(deal=deal, kind="deal.updated").exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_activity_is_logged(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/activities/",
        {"type": "call", "subject": "Discovery call", "notes": "Budget in Q3"},
        **(HTMX if htmx else {}),
    )
    activity = Activity.objects.get(deal=deal, type="call")
    assert (activity.subject, activity.notes, activity.stage, activity.done) == (
        "Discovery call",
        "Budget in Q3",
        "prospecting",
        True,
    )
    if htmx:
        assert response.status_code == 200
        body = response.content.decode()
        assert '<section id="activities"' in body
        assert "Discovery call" in body
        assert 'id="checklist"' in body
        assert 'hx-swap-oob="true"' in body
    else:
        assert response.status_code == 303
        assert response["Location"] == f"/deals/{deal.pk}/#activities"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_qualification_answer_is_recorded_and_kept_as_history(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    for status in ("weak", "confirmed"):
        response = client.post(
            f"/deals/{deal.pk}/qualification/",
            {"criterion": "budget", "status": status, "note": f"now {status}"},
            **(HTMX if htmx else {}),
        )
        assert response.status_code == (200 if htmx else 303)
    answers = QualificationAnswer.objects.filter(deal=deal).order_by("pk")
    assert [(a.criterion, a.status) for a in answers] == [
        ("budget", "weak"),
        ("budget", "confirmed"),
    ]
    page = deal_page(deal=deal)
    budget = page.qualification[0]
    assert (budget.status, [a.status for a in budget.answers]) == (
        "confirmed",
        ["confirmed", "weak"],
    )
    if htmx:
        assert '<section id="qualification"' in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_contacts_are_added_new_or_existing_and_change_role(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    existing = contact_create(acting_user=people["rep"], account=deal.account, last_name="Pop")
    headers = HTMX if htmx else {}
    client = signed_in(client, people["rep"])
    url = f"/deals/{deal.pk}/contacts/"
    first = client.post(
        url,
        {"first_name": "Ana", "last_name": "Ionescu", "email": "Ana@Acme.ro", "role": "champion"},
        **headers,
    )
    second = client.post(url, {"contact": str(existing.pk), "role": "economic_buyer"}, **headers)
    third = client.post(
        f"/deals/{deal.pk}/contacts/{existing.pk}/role/", {"role": "decision_maker"}, **headers
    )
    links = {str(link.contact): link.role for link in DealContact.objects.filter(deal=deal)}
    assert links == {"Ana Ionescu": "champion", "Pop": "decision_maker"}
    assert Contact.objects.get(last_name="Ionescu").account == deal.account
    for response in (first, second, third):
        assert response.status_code == (200 if htmx else 303)
        if htmx:
            assert '<section id="contacts"' in response.content.decode()
        else:
            assert response["Location"] == f"/deals/{deal.pk}/#contacts"


def test_only_the_accounts_contacts_can_be_added(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal, other = make_deal(), make_deal(owner="rep_b")
    stranger = contact_create(acting_user=people["rep_b"], account=other.account, last_name="B")
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/contacts/", {"contact": str(stranger.pk), "role": "champion"}, **HTMX
    )
    assert response.status_code == 422
    assert not DealContact.objects.filter(deal=deal).exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_document_status_is_set(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    for status in ("draft", "sent"):
        response = client.post(
            f"/deals/{deal.pk}/documents/",
            {"kind": "proposal", "status": status, "link": "https://docs.example.com/p1"},
            **(HTMX if htmx else {}),
        )
        assert response.status_code == (200 if htmx else 303)
    document = DealDocument.objects.get(deal=deal)
    assert (document.kind, document.status, document.title, document.link) == (
        "proposal",
        "sent",
        "Proposal",
        "https://docs.example.com/p1",
    )
    if htmx:
        assert '<section id="documents"' in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_task_is_completed(
    client: Client, people: dict[str, User], make_deal: MakeDeal, htmx: bool
) -> None:
    deal = make_deal()
    task = task_of(deal)
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/tasks/{task.pk}/complete/", **(HTMX if htmx else {})
    )
    task.refresh_from_db()
    assert task.done
    if htmx:
        body = response.content.decode()
        assert response.status_code == 200
        assert '<section id="tasks"' in body
        assert '<ul id="stage-tasks" class="tasks compact" hx-swap-oob="true">' in body
        assert 'id="checklist"' in body
    else:
        assert response.status_code == 303
        assert response["Location"] == f"/deals/{deal.pk}/#tasks"


def test_another_deals_task_is_not_found(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal, other = make_deal(), make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/tasks/{task_of(other).pk}/complete/"
    )
    assert response.status_code == 404
    assert not task_of(other).done


# Bad input


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("activities/", {"type": "telepathy"}, "Unknown activity type &#x27;telepathy&#x27;."),
        (
            "details/",
            {"title": "Acme rollout", "amount": "lots"},
            "Amount &#x27;lots&#x27; is not a number.",
        ),
        ("details/", {"title": "Acme rollout", "amount": "-5"}, "Amount cannot be negative."),
        (
            "details/",
            {"title": "Renamed", "amount": "99", "country": "Romania"},
            "Country &#x27;Romania&#x27; is not a two-letter ISO code such as RO.",
        ),
        (
            "qualification/",
            {"criterion": "budget", "status": "great"},
            "Unknown qualification status &#x27;great&#x27;",
        ),
        (
            "contacts/",
            {"last_name": "Pop", "role": "boss"},
            "Unknown buying role &#x27;boss&#x27;.",
        ),
        ("contacts/", {"role": "champion"}, "A contact needs a last name or an e-mail address."),
        ("documents/", {"kind": "proposal", "status": "lost"}, "Unknown document status"),
        ("documents/", {"kind": "proposal", "status": "sent", "link": "not a url"}, "valid URL"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bad_input_is_refused_beside_the_field_and_changes_nothing(
    client: Client,
    people: dict[str, User],
    make_deal: MakeDeal,
    path: str,
    data: dict[str, str],
    message: str,
    htmx: bool,
) -> None:
    deal = make_deal()
    before = writes_recorded(deal), Contact.objects.count(), DealDocument.objects.count()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/{path}", data, **(HTMX if htmx else {})
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert re.search(r'<div class="field invalid">', body), "the error sits beside its field"
    if not htmx:
        assert "<html" in body, "without JavaScript the whole page comes back, with the error"
    deal.refresh_from_db()
    deal.account.refresh_from_db()
    assert (deal.title, str(deal.amount), deal.account.country) == ("Acme rollout", "5000.00", "")
    after = writes_recorded(deal), Contact.objects.count(), DealDocument.objects.count()
    assert after == before


def test_a_stale_details_form_is_refused(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(industry="Retail")
    deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=people["rep"])
    response = signed_in(client, people["rep2"]).post(
        f"/deals/{deal.pk}/details/",
        {"version": str(deal.version), "title": "Old copy", "amount": "1"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "The deal changed since you read it" in response.content.decode()
    deal.refresh_from_db()
    assert deal.title == "Acme rollout"


# Who may do what


def test_another_teams_deal_is_404_on_the_page_and_every_write(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    requests = write_requests(deal)
    before = writes_recorded(deal)
    client = signed_in(client, people["rep_b"])
    assert client.get(f"/deals/{deal.pk}/").status_code == 404
    for url, data in requests:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, **HTMX).status_code == 404, url
    assert writes_recorded(deal) == before
    assert client.get("/deals/999999/").status_code == 404


def test_a_read_only_user_sees_the_page_but_cannot_write(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    requests = write_requests(deal)
    before = writes_recorded(deal)
    client = signed_in(client, people["viewer"])
    page = client.get(f"/deals/{deal.pk}/")
    assert page.status_code == 200
    assert '<form class="panel-form"' not in page.content.decode(), "no forms for a reader"
    for url, data in requests:
        assert client.post(url, data).status_code == 403, url
    assert writes_recorded(deal) == before


def test_writes_need_post(client: Client, people: dict[str, User], make_deal: MakeDeal) -> None:
    deal = make_deal()
    client = signed_in(client, people["rep"])
    for url, _data in write_requests(deal):
        assert client.get(url).status_code == 405, url


def test_writes_are_csrf_protected(people: dict[str, User], make_deal: MakeDeal) -> None:
    deal = make_deal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rep"])
    for url, data in write_requests(deal):
        assert client.post(url, data).status_code == 403, url
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = client.post(
        f"/deals/{deal.pk}/activities/",
        {"type": "note", "subject": "With a token", "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 303
