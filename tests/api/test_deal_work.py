"""The work on a deal over the API: activities and tasks, qualification, contacts, documents;
and that this work is what the gate then sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import Api
from traseu.crm.models import Activity, Contact, Deal, QualificationAnswer

pytestmark = pytest.mark.django_db


def test_activities_are_listed_logged_and_planned(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    logged = api.post(f"/deals/{deal.pk}/activities", {"type": "call", "subject": "Intro"})
    assert logged.status_code == 201
    assert (logged.json()["done"], logged.json()["stage"], logged.json()["owner"]) == (
        True,
        "prospecting",
        "rep",
    )
    planned = api.post(
        f"/deals/{deal.pk}/activities",
        {"type": "meeting", "done": False, "due_at": "2026-04-01T10:00:00Z"},
    )
    assert (planned.json()["done"], planned.json()["subject"]) == (False, "Meeting")
    everything = api.get(f"/deals/{deal.pk}/activities").json()
    assert len(everything) == 3  # the stage's research task, the call, the meeting
    tasks = api.get(f"/deals/{deal.pk}/activities", kind="task").json()
    assert [t["template"] for t in tasks] == ["research"]
    done = api.get(f"/deals/{deal.pk}/activities", kind="activity", done="true").json()
    assert [a["subject"] for a in done] == ["Intro"]
    bad = api.post(f"/deals/{deal.pk}/activities", {"type": "telepathy"})
    assert bad.status_code == 422
    assert bad.json()["details"]["errors"][0]["field"] == "type"


def test_a_task_is_completed_once(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    task = Activity.objects.get(deal=deal, template="research")
    api = as_user("rep2")
    first = api.post(f"/deals/{deal.pk}/tasks/{task.pk}/complete")
    assert (first.status_code, first.json()["done"]) == (200, True)
    again = api.post(f"/deals/{deal.pk}/tasks/{task.pk}/complete")
    assert again.json()["done_at"] == first.json()["done_at"]
    assert deal.events.filter(kind="task.done").count() == 1


def test_qualification_answers_keep_their_history(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    api = as_user("rep")
    first = api.post(f"/deals/{deal.pk}/qualification", {"criterion": "budget", "status": "weak"})
    assert (first.status_code, first.json()["answered_by"]) == (201, "rep")
    api.post(
        f"/deals/{deal.pk}/qualification",
        {"criterion": "budget", "status": "confirmed", "note": "CFO said yes"},
    )
    body = api.get(f"/deals/{deal.pk}/qualification").json()
    assert body["current"] == {"bant": {"budget": "confirmed"}}
    assert [a["status"] for a in body["history"]] == ["confirmed", "weak"]
    bad = api.post(f"/deals/{deal.pk}/qualification", {"criterion": "budget", "status": "meh"})
    assert bad.status_code == 422
    assert QualificationAnswer.objects.count() == 2


def test_contacts_get_and_change_their_buying_role(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    contact = Contact.objects.create(account=deal.account, first_name="Ana", last_name="Pop")
    api = as_user("rep")
    url = f"/deals/{deal.pk}/contacts/{contact.pk}"
    assert api.put(url, {"role": "champion"}).json()["role"] == "champion"
    assert api.put(url, {"role": "decision_maker"}).status_code == 200
    assert api.get(f"/deals/{deal.pk}/contacts").json() == [
        {"contact_id": contact.pk, "name": "Ana Pop", "email": "", "role": "decision_maker"}
    ]
    missing = api.put(f"/deals/{deal.pk}/contacts/999999", {"role": "champion"})
    assert (missing.status_code, missing.json()["code"]) == (404, "contact_not_found")
    assert api.put(url, {"role": "boss"}).status_code == 422


def test_documents_record_their_status_and_open_the_gate(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    Deal.objects.filter(pk=deal.pk).update(stage="preparation")
    api = as_user("rep")
    checklist = api.get(f"/deals/{deal.pk}/checklist").json()
    assert [i["met"] for i in checklist["items"]] == [False, True]
    sent = api.put(f"/deals/{deal.pk}/documents/proposal", {"title": "Offer", "status": "sent"})
    assert (sent.status_code, sent.json()["status"]) == (200, "sent")
    api.put(f"/deals/{deal.pk}/documents/proposal", {"title": "Offer v2", "status": "accepted"})
    [document] = api.get(f"/deals/{deal.pk}/documents").json()
    assert (document["title"], document["status"]) == ("Offer v2", "accepted")
    assert api.get(f"/deals/{deal.pk}/checklist").json()["met"] is True
    too_long = api.put(f"/deals/{deal.pk}/documents/{'x' * 41}", {"title": "T", "status": "sent"})
    assert (too_long.status_code, too_long.json()["details"]) == (422, {"field": "kind"})
