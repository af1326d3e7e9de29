"""Adding, disqualifying and converting prospects over the API: the services the prospect pages
call, limited to the lists the caller may see, refused for read-only people and read tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Api
from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.crm.models import Account, Contact, Deal, DealContact
from traseu.crm.services import account_create
from traseu.processes.models import ProcessVersion
from traseu.prospecting.models import Prospect, ProspectList, ProspectStatus
from traseu.prospecting.services import prospect_add, prospect_list_create

pytestmark = pytest.mark.django_db


def _list(user: User, name: str = "Cluj") -> ProspectList:
    return prospect_list_create(name=name, acting_user=user)


def _prospect(plist: ProspectList, **values: Any) -> Prospect:
    values.setdefault("company_name", "Alfa SRL")
    return prospect_add(prospect_list=plist, acting_user=plist.owner, **values).prospect


def _state() -> tuple[Any, ...]:
    """Everything a prospect write could change."""
    return (
        list(Prospect.objects.order_by("pk").values_list("pk", "status", "disqualified_reason")),
        Account.objects.count(),
        Deal.objects.count(),
        Contact.objects.count(),
        AuditEntry.objects.exclude(object_type="access_token").count(),
    )


# --- adding -------------------------------------------------------------------------------


def test_a_new_company_is_201_and_the_same_company_again_is_200(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    plist = _list(people["rep"])
    api = as_user("rep")
    body = {
        "company_name": "Acme SRL",
        "domain": "https://www.Acme.ro/contact",
        "industry": "Retail",
        "employees": 40,
        "annual_revenue": "1200000.50",
        "country": "ro",
        "contact_last_name": "Pop",
        "contact_email": "Ana.Pop@acme.ro",
        "custom": {"tier": "gold"},
    }
    created = api.post(f"/prospect-lists/{plist.pk}/prospects", body)
    assert created.status_code == 201, created.content
    prospect = Prospect.objects.get()
    assert created["Location"] == f"/api/v1/prospects/{prospect.pk}"
    answer = created.json()
    assert {key: answer[key] for key in ("id", "list_id", "company_name", "domain")} == {
        "id": prospect.pk,
        "list_id": plist.pk,
        "company_name": "Acme SRL",
        "domain": "acme.ro",
    }
    assert (answer["country"], answer["contact_email"], answer["status"]) == (
        "RO",
        "ana.pop@acme.ro",
        "new",
    )
    assert (answer["employees"], answer["annual_revenue"], answer["custom"]) == (
        40,
        "1200000.50",
        {"tier": "gold"},
    )
    assert (answer["account_id"], answer["deal_id"], answer["converted_at"]) == (None, None, None)
    assert prospect.created_by == people["rep"]

    again = api.post(f"/prospect-lists/{plist.pk}/prospects", {"domain": "acme.ro"})
    assert again.status_code == 200
    assert again.json() == answer  # the prospect the list had, unchanged
    assert "Location" not in again
    assert Prospect.objects.count() == 1


def test_a_company_already_an_account_is_recognised(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    account = account_create(acting_user=None, name="Beta SA", domain="beta.ro")
    plist = _list(people["rep"])
    answer = as_user("rep").post(
        f"/prospect-lists/{plist.pk}/prospects", {"company_name": "Beta", "domain": "beta.ro"}
    )
    assert (answer.status_code, answer.json()["account_id"]) == (201, account.pk)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company_name": "Acme", "country": "Romania"}, "country"),  # the schema's check
        ({"company_name": "Acme", "employees": -1}, "employees"),
        ({"company_name": "Acme", "annual_revenue": "12.345"}, "annual_revenue"),
        ({"company_name": "A" * 201}, "company_name"),
        ({"company_name": "Acme", "custom": ["x"]}, "custom"),
    ],
)
def test_values_the_schema_refuses_are_422_naming_the_field(
    as_user: Callable[..., Api], people: dict[str, User], body: dict[str, Any], field: str
) -> None:
    plist = _list(people["rep"])
    before = _state()
    answer = as_user("rep").post(f"/prospect-lists/{plist.pk}/prospects", body)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid")
    assert [error["field"] for error in answer.json()["details"]["errors"]] == [field]
    assert _state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company_name": "Acme", "country": "R1"}, "country"),  # the service's checks
        ({"company_name": "Acme", "contact_email": "not an address"}, "contact_email"),
        ({"company_name": "  ", "industry": "Retail"}, "company_name"),
    ],
)
def test_values_the_service_refuses_are_422_naming_the_field(
    as_user: Callable[..., Api], people: dict[str, User], body: dict[str, Any], field: str
) -> None:
    plist = _list(people["rep"])
    before = _state()
    answer = as_user("rep").post(f"/prospect-lists/{plist.pk}/prospects", body)
    assert (answer.status_code, answer.json()["details"]) == (422, {"field": field})
    assert _state() == before


def test_a_retried_add_with_its_idempotency_key_is_replayed(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    plist = _list(people["rep"])
    api, key = as_user("rep"), {"Idempotency-Key": "add-acme"}
    first = api.post(f"/prospect-lists/{plist.pk}/prospects", {"company_name": "Acme"}, headers=key)
    again = api.post(f"/prospect-lists/{plist.pk}/prospects", {"company_name": "Acme"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert (again.json(), again["Idempotent-Replayed"]) == (first.json(), "true")
    assert again["Location"] == first["Location"]
    other = api.post(f"/prospect-lists/{plist.pk}/prospects", {"company_name": "Beta"}, headers=key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert list(Prospect.objects.values_list("company_name", flat=True)) == ["Acme"]


# --- reading one --------------------------------------------------------------------------


def test_one_prospect_is_read_by_its_id(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    prospect = _prospect(_list(people["rep"]), contact_first_name="Ana", contact_last_name="Pop")
    answer = as_user("rep2", "read").get(f"/prospects/{prospect.pk}")  # a team-mate
    assert answer.status_code == 200
    assert answer.json()["company_name"] == "Alfa SRL"
    assert (answer.json()["contact_first_name"], answer.json()["contact_last_name"]) == (
        "Ana",
        "Pop",
    )


# --- who may write ------------------------------------------------------------------------


def _writes(list_id: int, prospect_id: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"/prospect-lists/{list_id}/prospects", {"company_name": "Gamma"}),
        (f"/prospects/{prospect_id}/disqualify", {"reason": "Too small"}),
        (f"/prospects/{prospect_id}/convert", {"process": "test-route"}),
    ]


def test_read_only_people_and_read_tokens_change_nothing(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    plist = _list(people["rep"])
    prospect = _prospect(plist)
    before = _state()
    for path, body in _writes(plist.pk, prospect.pk):
        viewer = as_user("viewer").post(path, body)  # a read-only user of team A
        assert (viewer.status_code, viewer.json()["code"]) == (403, "forbidden"), path
        reader = as_user("rep", "read").post(path, body)  # the owner, with a read token
        assert (reader.status_code, reader.json()["code"]) == (403, "token_read_only"), path
    assert _state() == before


def test_another_teams_list_and_prospect_are_not_found(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    plist = _list(people["rep_b"], "Theirs")
    prospect = _prospect(plist)
    api = as_user("rep")
    before = _state()
    codes = ["prospect_list_not_found", "prospect_not_found", "prospect_not_found"]
    for theirs_write, missing_write, code in zip(
        _writes(plist.pk, prospect.pk), _writes(999_999, 999_999), codes, strict=True
    ):
        theirs, missing = api.post(*theirs_write), api.post(*missing_write)
        assert (theirs.status_code, theirs.json()["code"]) == (404, code), theirs_write
        assert (missing.status_code, missing.json()["code"]) == (404, code), missing_write
    theirs = api.get(f"/prospects/{prospect.pk}")
    assert (theirs.status_code, theirs.json()["code"]) == (404, "prospect_not_found")
    assert _state() == before
    assert as_user("rep_b").get(f"/prospects/{prospect.pk}").status_code == 200


# --- disqualifying ------------------------------------------------------------------------


def test_disqualifying_needs_a_reason(as_user: Callable[..., Api], people: dict[str, User]) -> None:
    prospect = _prospect(_list(people["rep"]))
    api = as_user("rep")
    before = _state()
    missing = api.post(f"/prospects/{prospect.pk}/disqualify", {})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["details"]["errors"]] == ["reason"]
    blank = api.post(f"/prospects/{prospect.pk}/disqualify", {"reason": "   "})
    assert (blank.status_code, blank.json()["details"]) == (422, {"field": "reason"})
    assert _state() == before

    done = api.post(f"/prospects/{prospect.pk}/disqualify", {"reason": " Too small "})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["disqualified_reason"]) == (
        "disqualified",
        "Too small",
    )
    prospect.refresh_from_db()
    assert (prospect.status, prospect.disqualified_reason) == ("disqualified", "Too small")


def test_a_converted_prospect_cannot_be_disqualified(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    prospect = _prospect(_list(people["rep"]))
    api = as_user("rep")
    assert api.post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"}).status_code == (
        200
    )
    before = _state()
    answer = api.post(f"/prospects/{prospect.pk}/disqualify", {"reason": "Too small"})
    assert (answer.status_code, answer.json()["code"]) == (409, "prospect_converted")
    assert _state() == before


# --- converting ---------------------------------------------------------------------------


def test_converting_opens_an_account_and_a_deal(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    prospect = _prospect(
        _list(people["rep"]),
        company_name="Acme SRL",
        domain="acme.ro",
        industry="Retail",
        contact_last_name="Pop",
        contact_email="ana@acme.ro",
    )
    api = as_user("rep")
    answer = api.post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    deal = Deal.objects.select_related("account", "owner").get()
    assert (body["deal_id"], body["account_id"], body["account_created"]) == (
        deal.pk,
        deal.account.pk,
        True,
    )
    assert (deal.account.name, deal.account.domain, deal.account.industry) == (
        "Acme SRL",
        "acme.ro",
        "Retail",
    )
    assert (deal.owner, deal.process_version, deal.stage) == (people["rep"], route, "prospecting")
    contact = Contact.objects.get(account=deal.account)
    assert (contact.last_name, contact.email) == ("Pop", "ana@acme.ro")
    assert DealContact.objects.filter(deal=deal, contact=contact).exists()
    assert body["prospect"]["status"] == "converted"
    assert (body["prospect"]["deal_id"], body["prospect"]["account_id"]) == (
        deal.pk,
        deal.account.pk,
    )
    assert body["prospect"]["converted_at"] is not None
    # The CRM services wrote the trail, as coming through the API from the rep.
    created = set(
        AuditEntry.objects.filter(action="create", via="api", actor=people["rep"]).values_list(
            "object_type", "object_id"
        )
    )
    assert {("account", deal.account.pk), ("deal", deal.pk), ("contact", contact.pk)} <= created

    before = _state()
    again = api.post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"})
    assert (again.status_code, again.json()["code"]) == (409, "prospect_converted")
    assert _state() == before


def test_a_recognised_account_is_used_and_not_created(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    account = account_create(acting_user=None, name="Beta SA", domain="beta.ro")
    prospect = _prospect(_list(people["rep"]), company_name="Beta", domain="beta.ro")
    answer = as_user("rep").post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"})
    assert answer.status_code == 200
    assert (answer.json()["account_id"], answer.json()["account_created"]) == (account.pk, False)
    assert Account.objects.count() == 1
    assert Deal.objects.get().account == account


def test_conversions_that_are_refused_change_nothing(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    plist = _list(people["rep"])
    prospect = _prospect(plist)
    api = as_user("rep")
    before = _state()
    unknown = api.post(f"/prospects/{prospect.pk}/convert", {"process": "no-such-process"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "process_not_found")
    assert unknown.json()["details"] == {"field": "process"}
    missing = api.post(f"/prospects/{prospect.pk}/convert", {})
    assert [e["field"] for e in missing.json()["details"]["errors"]] == ["process"]
    assert _state() == before

    api.post(f"/prospects/{prospect.pk}/disqualify", {"reason": "Too small"})
    before = _state()
    disqualified = api.post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"})
    assert (disqualified.status_code, disqualified.json()["code"]) == (
        409,
        "prospect_disqualified",
    )
    assert _state() == before
    assert Prospect.objects.get().status == ProspectStatus.DISQUALIFIED

    reopened = api.post(f"/prospects/{prospect.pk}/reopen")
    assert (reopened.status_code, reopened.json()["status"]) == (200, "researching")
    assert reopened.json()["disqualified_reason"] == ""
    converted = api.post(f"/prospects/{prospect.pk}/convert", {"process": "test-route"})
    assert converted.status_code == 200
    again = api.post(f"/prospects/{prospect.pk}/reopen")
    assert (again.status_code, again.json()["code"]) == (409, "prospect_converted")
    assert Prospect.objects.get().status == ProspectStatus.CONVERTED


def test_a_retried_conversion_with_its_idempotency_key_is_replayed(
    as_user: Callable[..., Api], people: dict[str, User], route: ProcessVersion
) -> None:
    prospect = _prospect(_list(people["rep"]))
    api, key = as_user("rep"), {"Idempotency-Key": "convert-alfa"}
    path, body = f"/prospects/{prospect.pk}/convert", {"process": "test-route"}
    first = api.post(path, body, headers=key)
    again = api.post(path, body, headers=key)
    assert first.status_code == again.status_code == 200
    assert (again.json(), again["Idempotent-Replayed"]) == (first.json(), "true")
    assert Deal.objects.count() == 1
