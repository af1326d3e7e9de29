"""The deal page panel, its forms, the delivery queue and the feedback report page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.aftersale.helpers import win
from tests.conftest import FakeClock
from traseu.aftersale.models import Feedback, FeedbackIssue, FollowUp, Handoff
from traseu.core.models import User
from traseu.crm.models import Activity, Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HX-Request": "true"}


@pytest.fixture
def won(make_deal: MakeDeal, people: dict[str, User], clock: FakeClock) -> Deal:
    return win(make_deal(), people, clock)


def test_the_deal_page_shows_the_handoff_and_the_follow_up(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    client.force_login(people["rep"])
    html = client.get(f"/deals/{won.pk}/").content.decode()
    assert 'id="aftersale"' in html
    assert "Handoff to delivery" in html
    assert "Waiting for delivery" in html
    assert "Popa" in html
    assert "Decision maker" in html
    assert "Record the call and the feedback" in html


def test_an_open_deal_has_no_panel(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    client.force_login(people["rep"])
    assert 'id="aftersale"' not in client.get(f"/deals/{make_deal().pk}/").content.decode()


def test_feedback_through_the_panel_with_an_issue_task(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    client.force_login(people["am"])
    response = client.post(
        f"/deals/{won.pk}/follow-up/complete/",
        {
            "outcome": "reached",
            "nps": "10",
            "satisfaction": "5",
            "comment": "Great start",
            "issue_1_category": "service",
            "issue_1_description": "Support hours too short",
            "issue_1_owner": "manager",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "10/10" in response.content.decode()
    issue = FeedbackIssue.objects.get()
    assert issue.task is not None
    assert issue.task.owner == people["manager"]


def test_bad_feedback_is_422_beside_the_fields_and_changes_nothing(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    client.force_login(people["am"])
    response = client.post(
        f"/deals/{won.pk}/follow-up/complete/",
        {"outcome": "reached", "nps": "12", "satisfaction": "", "issue_2_description": "Slow"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="feedback-nps_error">The score is a whole number from 0 to 10.' in html
    assert 'id="feedback-satisfaction_error">Satisfaction is a whole number from 1 to 5.' in html
    assert 'id="feedback-issue_2_category_error">Issue 1: choose a category' in html
    assert not Feedback.objects.exists()
    assert FollowUp.objects.get().status == "scheduled"


def test_handoff_edit_and_accept_from_the_panel(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    client.force_login(people["rep"])
    bad = client.post(
        f"/deals/{won.pk}/handoff/",
        {"commitments": "2026-02-30 — Training", "risks": "", "delivery_owner": "am"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    # The date is read off the line and reported beside the field.
    assert (
        'id="handoff-commitments_error">Commitment 1: &#x27;2026-02-30&#x27; is not a date '
        "(YYYY-MM-DD).</span>" in bad.content.decode()
    )
    assert Handoff.objects.get().commitments == []
    ok = client.post(
        f"/deals/{won.pk}/handoff/",
        {
            "commitments": "2026-04-15 — Training\nMonthly review",
            "risks": "Busy IT team",
            "delivery_owner": "am",
        },
    )
    assert ok.status_code == 303
    assert Handoff.objects.get().commitments == [
        {"what": "Training", "due": "2026-04-15"},
        {"what": "Monthly review", "due": ""},
    ]
    client.force_login(people["am"])
    assert client.post(f"/deals/{won.pk}/handoff/accept/", headers=HTMX).status_code == 200
    assert Handoff.objects.get().accepted_by == people["am"]


def test_other_teams_get_404_and_read_only_403(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    client.force_login(people["rep_b"])
    for url in ("handoff/", "handoff/accept/", "follow-up/complete/"):
        assert client.post(f"/deals/{won.pk}/{url}", {"outcome": "not_reached"}).status_code == 404
    client.force_login(people["viewer"])
    response = client.post(f"/deals/{won.pk}/follow-up/complete/", {"outcome": "not_reached"})
    assert response.status_code == 403
    assert FollowUp.objects.get().status == "scheduled"


def test_the_delivery_queue_lists_open_handoffs_first_and_filters(
    client: Client, people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    first = win(make_deal(), people, clock)
    clock.advance(days=1)
    second = win(make_deal(), people, clock)
    Handoff.objects.filter(deal=first).update(status="accepted", accepted_at=clock.now)
    client.force_login(people["am"])
    html = client.get("/delivery/?status=all").content.decode()
    assert html.index(f"/deals/{second.pk}/") < html.index(f"/deals/{first.pk}/")
    assert f"/deals/{first.pk}/" not in client.get("/delivery/").content.decode()
    response = client.post(f"/delivery/{Handoff.objects.get(deal=second).pk}/accept/")
    assert response.status_code == 303
    assert Handoff.objects.get(deal=second).status == "accepted"
    client.force_login(people["rep_b"])
    assert f"/deals/{second.pk}/" not in client.get("/delivery/?status=all").content.decode()


def test_the_feedback_report_page_and_csv(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    follow_up = FollowUp.objects.get(deal=won)
    client.force_login(people["am"])
    client.post(
        f"/deals/{won.pk}/follow-up/complete/",
        {
            "outcome": "reached",
            "nps": "6",
            "satisfaction": "3",
            "issue_1_category": "product",
            "issue_1_description": "Export is missing",
        },
    )
    assert Activity.objects.get(pk=follow_up.activity_id).done
    client.force_login(people["manager"])
    html = client.get("/reports/feedback/").content.decode()
    assert "NPS by month" in html
    assert "<svg" in html
    assert "Export is missing" in html
    csv = client.get("/reports/feedback/?format=csv&table=reps").content.decode()
    assert csv.splitlines()[1].startswith("rep,1,0,0,1,-100.0,3.0")


def test_the_report_groups_by_the_products_sold(
    client: Client, people: dict[str, User], won: Deal
) -> None:
    Handoff.objects.filter(deal=won).update(
        sold=[
            {"product_code": "TRS-LIC", "description": "Annual licence", "line_total": "1"},
            {"product_code": "TRS-SUP", "description": "", "line_total": "1"},
        ]
    )
    client.force_login(people["am"])
    client.post(
        f"/deals/{won.pk}/follow-up/complete/",
        {"outcome": "reached", "nps": "9", "satisfaction": "5"},
    )
    client.force_login(people["manager"])
    csv = client.get("/reports/feedback/?format=csv&table=products").content.decode()
    assert sorted(csv.splitlines()[1:]) == [
        "Annual licence,1,1,0,0,100.0,5.0",
        "TRS-SUP,1,1,0,0,100.0,5.0",
    ]
