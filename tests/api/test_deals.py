"""Deals over the API: list (filters, sorts, cursors), read, create, edit with versions, move
through the gate, and what happened to a deal."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.conftest import FakeClock
from tests.crm.test_transitions import walk_to_contract
from traseu.core.models import User
from traseu.crm.models import Account, Deal, StageChange, TimelineEvent

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_the_list_shows_the_deals_you_may_see_newest_first(
    as_user: Callable[..., Api], make_deal: MakeDeal, clock: FakeClock
) -> None:
    first = make_deal()
    clock.advance(hours=1)
    second = make_deal(owner="rep2")
    make_deal(owner="rep_b")  # team B: not listed for team A
    page = as_user("rep").get("/deals/").json()
    assert ids(page) == [second.pk, first.pk]
    assert page["next_cursor"] is None
    item = page["items"][1]
    assert item["owner"] == {"id": first.owner_id, "username": "rep"}
    assert item["process"] == {"key": "test-route", "version": 1}
    assert (item["stage"], item["status"], item["amount"], item["version"]) == (
        "prospecting",
        "open",
        "5000.00",
        1,
    )


def test_the_list_filters_by_owner_stage_status_and_process(
    as_user: Callable[..., Api], make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    mine, theirs = make_deal(), make_deal(owner="rep2")
    Deal.objects.filter(pk=theirs.pk).update(stage="qualification")
    api = as_user("manager")
    assert ids(api.get("/deals/", owner="rep").json()) == [mine.pk]
    assert ids(api.get("/deals/", stage="qualification").json()) == [theirs.pk]
    assert len(ids(api.get("/deals/", status="open", process="test-route").json())) == 2
    assert ids(api.get("/deals/", process="other").json()) == []
    assert api.get("/deals/", status="sleeping").status_code == 422


def test_cursors_walk_every_deal_once_in_any_sort(
    as_user: Callable[..., Api], make_deal: MakeDeal, clock: FakeClock
) -> None:
    """Given deals with equal and missing amounts, every sort pages through all of them."""
    deals = []
    for amount in ("300", "100", "", "100", "200", ""):
        deals.append(make_deal(amount=amount))
        clock.advance(minutes=1)
    api = as_user("rep")
    for sort in ("amount", "-amount", "created_at", "-created_at", "title", "-updated_at"):
        seen: list[int] = []
        cursor = None
        while True:
            page = api.get("/deals/", sort=sort, limit=4, **({"cursor": cursor} if cursor else {}))
            assert page.status_code == 200, page.json()
            seen += ids(page.json())
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(d.pk for d in deals), sort
    by_amount = ids(api.get("/deals/", sort="-amount", limit=10).json())
    assert by_amount[0] == deals[0].pk  # 300 first; missing amounts last
    assert set(by_amount[-2:]) == {deals[2].pk, deals[5].pk}


def test_a_bad_cursor_or_sort_is_refused(as_user: Callable[..., Api], make_deal: MakeDeal) -> None:
    make_deal()
    make_deal()
    api = as_user("rep")
    cursor = api.get("/deals/", limit=1).json()["next_cursor"]
    assert api.get("/deals/", cursor="not-a-cursor").json()["code"] == "invalid_cursor"
    wrong_sort = api.get("/deals/", cursor=cursor, sort="title")
    assert (wrong_sort.status_code, wrong_sort.json()["code"]) == (400, "invalid_cursor")
    for tampered in (
        {"s": "-created_at", "v": "garbage", "id": 1},
        {"s": "-created_at", "v": None},
    ):
        raw = base64.urlsafe_b64encode(json.dumps(tampered).encode()).decode()
        assert api.get("/deals/", cursor=raw).json()["code"] == "invalid_cursor"
    unknown = api.get("/deals/", sort="colour")
    assert (unknown.status_code, unknown.json()["details"]) == (422, {"field": "sort"})


def test_the_list_costs_the_same_queries_whatever_the_rows(
    as_user: Callable[..., Api],
    make_deal: MakeDeal,
    django_assert_num_queries: Any,
) -> None:
    """Two queries: the token with its user, then the page of deals with what it shows."""
    api = as_user("rep")
    make_deal()
    api.get("/deals/")  # the token's last use is written now, then once a minute at most
    with django_assert_num_queries(2):
        assert len(api.get("/deals/").json()["items"]) == 1
    for _ in range(8):
        make_deal(owner="rep2")
    with django_assert_num_queries(2):
        assert len(api.get("/deals/").json()["items"]) == 9


def test_a_deal_is_read_with_its_version_as_etag(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = as_user("rep2").get(f"/deals/{deal.pk}")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert response.json()["title"] == "Acme rollout"


def test_a_rep_creates_a_deal_in_the_first_stage(
    as_user: Callable[..., Api], people: dict[str, User], route: Any
) -> None:
    account = Account.objects.create(name="Globex")
    body = {
        "title": "Globex pilot",
        "account_id": account.pk,
        "process": "test-route",
        "amount": "1200.50",
        "expected_close": "2026-06-30",
        "custom": {"segment": "smb"},
    }
    response = as_user("rep").post("/deals/", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["stage"], created["owner"]["username"], created["team"]) == (
        "prospecting",
        "rep",
        "A",
    )
    assert (created["amount"], created["currency"], created["custom"]) == (
        "1200.50",
        "EUR",
        {"segment": "smb"},
    )
    assert response["ETag"] == '"1"'
    deal = Deal.objects.get(pk=created["id"])
    assert deal.stage_changes.get().actor == people["rep"]


def test_creating_names_missing_references_and_refuses_giving_deals_away(
    as_user: Callable[..., Api], route: Any
) -> None:
    account = Account.objects.create(name="Globex")
    rep = as_user("rep")
    base = {"title": "X", "account_id": account.pk, "process": "test-route"}
    no_account = rep.post("/deals/", {**base, "account_id": 999999})
    assert (no_account.status_code, no_account.json()["code"]) == (422, "account_not_found")
    assert no_account.json()["details"] == {"field": "account_id"}
    no_process = rep.post("/deals/", {**base, "process": "nope"})
    assert (no_process.status_code, no_process.json()["details"]) == (422, {"field": "process"})
    given = rep.post("/deals/", {**base, "owner": "rep2"})
    assert (given.status_code, given.json()["code"]) == (403, "assign_forbidden")
    assigned = as_user("manager").post("/deals/", {**base, "owner": "rep2"})
    assert assigned.json()["owner"]["username"] == "rep2"
    assert Deal.objects.count() == 1


def test_an_edit_with_the_current_version_applies_and_bumps_it(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    api = as_user("rep")
    by_body = api.patch(f"/deals/{deal.pk}", {"title": "Bigger", "amount": None, "version": 1})
    assert by_body.status_code == 200, by_body.json()
    assert (by_body.json()["title"], by_body.json()["amount"]) == ("Bigger", None)
    assert by_body["ETag"] == '"2"'
    by_header = api.patch(
        f"/deals/{deal.pk}", {"custom": {"a": 1}}, headers={"If-Match": by_body["ETag"]}
    )
    assert (by_header.json()["custom"], by_header.json()["version"]) == ({"a": 1}, 3)
    unconditional = api.patch(f"/deals/{deal.pk}", {"source": "fair"})
    assert unconditional.json()["version"] == 4


def test_a_stale_edit_gets_409_and_changes_nothing(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    api = as_user("rep")
    api.patch(f"/deals/{deal.pk}", {"title": "First writer", "version": 1})
    events = TimelineEvent.objects.count()
    for stale in ({"json": {"title": "Second", "version": 1}}, {"headers": {"If-Match": '"1"'}}):
        body = stale.get("json", {"title": "Second"})
        response = api.patch(f"/deals/{deal.pk}", body, headers=stale.get("headers"))
        assert response.status_code == 409
        assert response.json()["code"] == "stale_version"
        assert response.json()["details"] == {"version": 2}
    deal.refresh_from_db()
    assert (deal.title, deal.version) == ("First writer", 2)
    assert TimelineEvent.objects.count() == events


def test_edits_refuse_nulls_bad_values_and_disagreeing_versions(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    api = as_user("rep")
    nulls = api.patch(f"/deals/{deal.pk}", {"title": None, "amount": "-3"})
    assert nulls.status_code == 422
    assert [e["field"] for e in nulls.json()["details"]["errors"]] == ["title", "amount"]
    clash = api.patch(f"/deals/{deal.pk}", {"title": "X", "version": 1}, headers={"If-Match": "2"})
    assert (clash.status_code, clash.json()["code"]) == (422, "version_mismatch")
    garbled = api.patch(f"/deals/{deal.pk}", {"title": "X"}, headers={"If-Match": "soon"})
    assert (garbled.status_code, garbled.json()["code"]) == (400, "if_match_invalid")
    deal.refresh_from_db()
    assert (deal.title, deal.version) == ("Acme rollout", 1)


def test_a_move_answers_the_new_state_and_the_rows_it_wrote(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal(industry="Software")
    response = as_user("rep").post(f"/deals/{deal.pk}/move", {"to": "qualification"})
    assert response.status_code == 200, response.json()
    moved = response.json()
    assert (moved["deal"]["stage"], moved["deal"]["version"]) == ("qualification", 2)
    assert response["ETag"] == '"2"'
    [change] = moved["changes"]
    assert (change["from_stage"], change["to_stage"], change["kind"], change["via"]) == (
        "prospecting",
        "qualification",
        "forward",
        "api",
    )
    assert change["criteria"][0]["criterion"] == "prospecting.exit.industry_known"
    assert [task["template"] for task in moved["tasks"]] == ["bant_call"]
    assert StageChange.objects.filter(deal=deal).count() == 2
    assert moved["deal"] == as_user("rep").get(f"/deals/{deal.pk}").json()  # as stored


def test_a_refused_move_lists_every_unmet_criterion_and_changes_nothing(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = as_user("rep").post(f"/deals/{deal.pk}/move", {"to": "contract"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_rejected"
    assert [(u["criterion"], u["code"]) for u in body["details"]["unmet"]] == [
        ("prospecting.exit.industry_known", "field_missing"),
        ("qualification.exit.bant_budget", "qualification_below"),
        ("qualification.exit.task_bant_call_done", "task_not_done"),
        ("first_contact.exit.call_logged", "activity_missing"),
        ("first_contact.exit.decision_maker_known", "contact_role_missing"),
        ("preparation.exit.proposal_sent", "document_status_missing"),
    ]
    assert all(u["message"] and u["help"] for u in body["details"]["unmet"])
    assert {"code", "message", "help", "criterion"} <= set(body["details"]["unmet"][0])
    assert body["details"]["violations"] == []
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("prospecting", 1)
    assert StageChange.objects.filter(deal=deal).count() == 1


def test_rules_and_overrides_through_the_api(
    as_user: Callable[..., Api], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    rep, manager = as_user("rep"), as_user("manager")
    same = rep.post(f"/deals/{deal.pk}/move", {"to": "prospecting"}).json()
    assert [v["code"] for v in same["details"]["violations"]] == ["same_stage"]
    refused = rep.post(f"/deals/{deal.pk}/move", {"to": "qualification", "override": True})
    assert (refused.status_code, refused.json()["code"]) == (403, "override_forbidden")
    no_reason = manager.post(f"/deals/{deal.pk}/move", {"to": "qualification", "override": True})
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "override_reason_required")
    waived = manager.post(
        f"/deals/{deal.pk}/move",
        {"to": "qualification", "override": True, "reason": "Known customer"},
    )
    assert waived.status_code == 200
    assert waived.json()["changes"][0]["overridden"] is True
    lost = rep.post(f"/deals/{deal.pk}/move", {"to": "lost", "lost_reason": "No budget"})
    assert (lost.json()["deal"]["status"], lost.json()["deal"]["lost_reason"]) == (
        "lost",
        "No budget",
    )


def test_history_timeline_and_checklist(
    as_user: Callable[..., Api], make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = walk_to_contract(make_deal(), people, clock)
    api = as_user("rep2")
    history = api.get(f"/deals/{deal.pk}/history").json()
    assert [row["to_stage"] for row in history] == [
        "prospecting",
        "qualification",
        "first_contact",
        "preparation",
        "contract",
    ]
    assert history[1]["duration_seconds"] == 0
    kinds = [event["kind"] for event in api.get(f"/deals/{deal.pk}/timeline").json()]
    assert kinds[0] == "deal.created"
    assert kinds.count("stage.changed") == 4
    checklist = api.get(f"/deals/{deal.pk}/checklist").json()
    assert checklist["stage"] == "contract"
    assert checklist["met"] is True
    assert [(i["kind"], i["met"]) for i in checklist["items"]] == [("expression", True)]
    Deal.objects.filter(pk=deal.pk).update(amount=10)
    assert api.get(f"/deals/{deal.pk}/checklist").json()["met"] is False


def test_each_listed_deal_is_exactly_what_reading_that_deal_answers(
    as_user: Callable[..., Api], make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    """The list takes a fast path (``.values()`` rows and a plain twin of DealOut); whatever
    the data, each item must be the one-deal answer (the schema's own path), field for field."""
    plain = make_deal()
    clock.advance(seconds=1.234567)  # microseconds in every timestamp
    odd = make_deal(
        owner="manager",  # the manager still sees a deal of no team: it is theirs
        amount=None,
        expected_close="2026-12-31",
        source="Web — ș/ț",
        custom={"seats": 12, "nested": {"a": [1, "x"]}, "none": None},
    )
    Deal.objects.filter(pk=odd.pk).update(team=None)
    closed = make_deal(amount="0.5")
    Deal.objects.filter(pk=closed.pk).update(
        status="lost", lost_reason="Price", closed_at=clock.advance(days=3)
    )
    api = as_user("manager")
    response = api.get("/deals/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    listed = {item["id"]: item for item in response.json()["items"]}
    assert set(listed) == {plain.pk, odd.pk, closed.pk}
    for deal_id, item in listed.items():
        assert item == api.get(f"/deals/{deal_id}").json()
    assert listed[odd.pk]["team"] is None
    assert listed[odd.pk]["amount"] is None
    assert listed[odd.pk]["custom"]["nested"] == {"a": [1, "x"]}
    assert listed[closed.pk]["amount"] == "0.50"


def test_pages_of_the_fast_list_follow_the_cursor_without_gaps_or_repeats(
    as_user: Callable[..., Api], make_deal: MakeDeal, clock: FakeClock
) -> None:
    made = []
    for n in range(7):
        made.append(make_deal(amount=str(1000 + (n % 3) * 10)))  # ties in the sort key
        clock.advance(minutes=1)
    api = as_user("rep")
    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 3, "sort": "-amount", **({"cursor": cursor} if cursor else {})}
        page = api.get("/deals/", **query).json()
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = sorted(made, key=lambda d: (d.amount, d.pk), reverse=True)
    assert seen == [d.pk for d in expected]


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, 1, 234567, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, 1, 999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        dt.datetime(2026, 3, 2, 9, 0, 0, 500000, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_the_fast_path_writes_times_as_the_api_renderer_does(moment: dt.datetime) -> None:
    from django.core.serializers.json import DjangoJSONEncoder

    from traseu.apikit.rows import _as_django_json

    assert _as_django_json(moment) == DjangoJSONEncoder().default(moment)
