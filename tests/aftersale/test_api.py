"""The after-sale API: handoffs, follow-ups with feedback, the feedback report."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from tests.aftersale.helpers import win
from tests.api.conftest import Api
from tests.conftest import FakeClock
from traseu.aftersale.models import Feedback, FollowUp, Handoff
from traseu.core.models import User
from traseu.core.tokens import token_create
from traseu.crm.models import Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


@pytest.fixture
def api(people: dict[str, User]) -> Callable[[str], Api]:
    cache.clear()

    def make(name: str) -> Api:
        _, token = token_create(user=people[name], name=name, scope="write")
        return Api(Client(), token)

    return make


def test_handoffs_list_get_accept(
    api: Callable[[str], Api], people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    deal = win(make_deal(), people, clock)
    handoff = Handoff.objects.get(deal=deal)
    listed = api("rep").get("/handoffs", status="created")
    assert listed.status_code == 200
    assert [(h["id"], h["deal"], h["delivery_owner"]) for h in listed.json()] == [
        (handoff.pk, deal.pk, "am")
    ]
    assert api("rep_b").get("/handoffs").json() == []
    assert api("rep_b").get(f"/handoffs/{handoff.pk}").status_code == 404
    assert api("rep_b").post(f"/handoffs/{handoff.pk}/accept").status_code == 404
    assert api("rep2").post(f"/handoffs/{handoff.pk}/accept").status_code == 403
    accepted = api("am").post(f"/handoffs/{handoff.pk}/accept")
    assert (accepted.status_code, accepted.json()["status"], accepted.json()["accepted_by"]) == (
        200,
        "accepted",
        "am",
    )
    again = api("am").post(f"/handoffs/{handoff.pk}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "handoff_already_accepted")


def test_follow_up_completed_with_feedback_and_the_report(
    api: Callable[[str], Api], people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    deal = win(make_deal(), people, clock)
    follow_up = FollowUp.objects.get(deal=deal)
    assert [f["id"] for f in api("am").get("/follow-ups", mine="true").json()] == [follow_up.pk]
    bad = api("am").post(f"/follow-ups/{follow_up.pk}/complete", {"outcome": "reached", "nps": 7})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_feedback")
    assert bad.json()["details"]["errors"] == {
        "satisfaction": "Satisfaction is a whole number from 1 to 5."
    }
    assert not Feedback.objects.exists()
    body = {
        "outcome": "reached",
        "nps": 10,
        "satisfaction": 5,
        "issues": [{"category": "sales", "description": "Invoice address wrong", "owner": "rep"}],
    }
    assert api("rep_b").post(f"/follow-ups/{follow_up.pk}/complete", body).status_code == 404
    done = api("am").post(f"/follow-ups/{follow_up.pk}/complete", body)
    assert done.status_code == 200
    feedback = done.json()["feedback"]
    assert (
        feedback["nps"],
        feedback["issues"][0]["task_owner"],
        feedback["issues"][0]["open"],
    ) == (
        10,
        "rep",
        True,
    )
    report = api("manager").get("/reports/feedback").json()
    assert (report["overall"]["responses"], report["overall"]["nps"]) == (1, 100.0)
    assert [r["name"] for r in report["reps"]] == ["rep"]
    assert [i["issue"] for i in report["open_issues"]] == ["Invoice address wrong"]
    assert api("manager").get("/reports/feedback", process="nope").status_code == 404


def test_handoff_edit_with_versions_and_permissions(
    api: Callable[[str], Api], people: dict[str, User], make_deal: MakeDeal, clock: FakeClock
) -> None:
    from traseu.audit.models import AuditEntry

    deal = win(make_deal(), people, clock)
    handoff = Handoff.objects.get(deal=deal)
    read = api("rep").get(f"/handoffs/{handoff.pk}")
    assert read["ETag"] == f'"{handoff.version}"'
    body = {
        "commitments": [{"what": "Go live by March", "due": "2027-03-01"}, {"what": "Training"}],
        "risks": "  Data migration from the old ERP  ",
        "delivery_owner": "rep2",
        "version": handoff.version,
    }
    assert api("rep_b").patch(f"/handoffs/{handoff.pk}", body).status_code == 404
    assert api("viewer").patch(f"/handoffs/{handoff.pk}", body).status_code == 403
    done = api("rep").patch(f"/handoffs/{handoff.pk}", body)
    assert done.status_code == 200, done.json()
    assert done.json()["commitments"] == [
        {"what": "Go live by March", "due": "2027-03-01"},
        {"what": "Training", "due": ""},
    ]
    assert (done.json()["risks"], done.json()["delivery_owner"]) == (
        "Data migration from the old ERP",
        "rep2",
    )
    assert done.json()["version"] == handoff.version + 1
    assert done["ETag"] == f'"{handoff.version + 1}"'
    entry = AuditEntry.objects.filter(object_type="handoff", action="update").get()
    assert entry.after["risks"] == "Data migration from the old ERP"

    stale = api("rep").patch(f"/handoffs/{handoff.pk}", {"risks": "x", "version": handoff.version})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    assert stale.json()["details"]["version"] == handoff.version + 1
    by_header = api("rep").patch(
        f"/handoffs/{handoff.pk}", {"risks": "x"}, headers={"If-Match": f'"{handoff.version}"'}
    )
    assert by_header.status_code == 409

    bad_date = api("rep").patch(
        f"/handoffs/{handoff.pk}", {"commitments": [{"what": "Go live", "due": "31/03/2027"}]}
    )
    assert (bad_date.status_code, bad_date.json()["code"]) == (422, "invalid_commitments")
    nobody = api("rep").patch(f"/handoffs/{handoff.pk}", {"delivery_owner": "ghost"})
    assert (nobody.status_code, nobody.json()["details"]["field"]) == (422, "delivery_owner")
    null = api("rep").patch(f"/handoffs/{handoff.pk}", {"risks": None})
    assert null.status_code == 422
    handoff.refresh_from_db()
    assert (handoff.risks, handoff.version) == ("Data migration from the old ERP", 2)
