"""Accounts and contacts over the API, with optimistic versions on accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import Api
from traseu.crm.models import Account, Contact

pytestmark = pytest.mark.django_db


def test_accounts_are_created_cleaned_and_listed(as_user: Callable[..., Api], db: None) -> None:
    api = as_user("rep")
    created = api.post(
        "/accounts/",
        {"name": "Acme", "domain": "https://www.Acme.ro/contact", "country": "ro", "owner": "rep"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["domain"], body["country"], body["owner"]["username"]) == ("acme.ro", "RO", "rep")
    assert created["ETag"] == '"1"'
    api.post("/accounts/", {"name": "Globex", "is_customer": True})
    api.post("/accounts/", {"name": "Initech"})
    names = [a["name"] for a in api.get("/accounts/").json()["items"]]
    assert names == ["Acme", "Globex", "Initech"]
    assert [a["name"] for a in api.get("/accounts/", customer="true").json()["items"]] == ["Globex"]
    assert [a["name"] for a in api.get("/accounts/", q="acme").json()["items"]] == ["Acme"]
    first = api.get("/accounts/", sort="-name", limit=2).json()
    rest = api.get("/accounts/", sort="-name", limit=2, cursor=first["next_cursor"]).json()
    assert [a["name"] for a in first["items"] + rest["items"]] == ["Initech", "Globex", "Acme"]
    assert rest["next_cursor"] is None


def test_account_creation_refuses_bad_values(as_user: Callable[..., Api], db: None) -> None:
    api = as_user("rep")
    assert api.post("/accounts/", {"name": ""}).status_code == 422
    country = api.post("/accounts/", {"name": "X", "country": "R1"})
    assert (country.status_code, country.json()["details"]) == (422, {"field": "country"})
    owner = api.post("/accounts/", {"name": "X", "owner": "ghost"})
    assert (owner.status_code, owner.json()["details"]) == (422, {"field": "owner"})
    assert not Account.objects.exists()


def test_account_edits_use_versions(as_user: Callable[..., Api], db: None) -> None:
    account = Account.objects.create(name="Acme")
    api = as_user("rep")
    assert api.get(f"/accounts/{account.pk}")["ETag"] == '"1"'
    edited = api.patch(
        f"/accounts/{account.pk}",
        {"industry": "Software", "owner": "rep2", "custom": {"tier": "gold"}},
        headers={"If-Match": '"1"'},
    )
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["industry"], edited.json()["owner"]["username"]) == ("Software", "rep2")
    assert (edited.json()["version"], edited["ETag"]) == (2, '"2"')
    stale = api.patch(f"/accounts/{account.pk}", {"industry": "Retail", "version": 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
    cleared = api.patch(f"/accounts/{account.pk}", {"owner": None, "version": 2})
    assert cleared.json()["owner"] is None
    assert api.patch(f"/accounts/{account.pk}", {"name": None}).status_code == 422
    account.refresh_from_db()
    assert (account.industry, account.version, account.custom) == ("Software", 3, {"tier": "gold"})
    assert api.get("/accounts/999999").json()["code"] == "account_not_found"


def test_contacts_are_created_and_listed(as_user: Callable[..., Api], db: None) -> None:
    account = Account.objects.create(name="Acme")
    api = as_user("rep")
    created = api.post(
        "/contacts/",
        {"account_id": account.pk, "first_name": "Ana", "last_name": "Pop", "email": "ANA@X.RO"},
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["email"], created.json()["account"]) == (
        "ana@x.ro",
        {"id": account.pk, "name": "Acme"},
    )
    api.post("/contacts/", {"email": "solo@y.ro"})
    assert api.post("/contacts/", {"first_name": "Nobody"}).status_code == 422
    orphan = api.post("/contacts/", {"last_name": "X", "account_id": 999999})
    assert (orphan.status_code, orphan.json()["details"]) == (422, {"field": "account_id"})
    assert [c["email"] for c in api.get("/contacts/").json()["items"]] == ["solo@y.ro", "ana@x.ro"]
    by_account = api.get("/contacts/", account=account.pk).json()["items"]
    assert [c["last_name"] for c in by_account] == ["Pop"]
    contact = Contact.objects.get(last_name="Pop")
    assert api.get(f"/contacts/{contact.pk}").json()["first_name"] == "Ana"
    assert api.get("/contacts/999999").status_code == 404
