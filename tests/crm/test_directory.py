"""Accounts and contacts: search, sort, filters, pages, live search, the account page, forms."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from traseu.core.models import User
from traseu.crm.models import Account, Contact, Deal

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
LIVE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def account_names(client: Client, query: str = "", **headers: str) -> list[str]:
    response = client.get(f"/accounts/?{query}", **headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    found = re.findall(
        r'<th scope="row"><a href="/accounts/\d+/">([^<]*)</a>', response.content.decode()
    )
    return [html.unescape(name) for name in found]


def contact_names(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/contacts/?{query}")
    assert response.status_code == 200
    found = re.findall(r'<th scope="row">([^<]*)</th>', response.content.decode())
    return [html.unescape(name) for name in found]


@pytest.fixture
def accounts(db: None) -> dict[str, Account]:
    rows = [
        ("Acme Romania", "acme.ro", "Software", "RO", 120, True),
        ("beta Logistics", "beta-log.com", "Logistics", "DE", 40, False),
        ("Carpați Foods", "carpati.ro", "Food", "RO", None, False),
        ("Delta Soft", "delta.io", "software", "FR", 900, True),
    ]
    return {
        name: Account.objects.create(
            name=name,
            domain=domain,
            industry=industry,
            country=country,
            employees=employees,
            is_customer=customer,
        )
        for name, domain, industry, country, employees, customer in rows
    }


# --- accounts list ---------------------------------------------------------------------------


def test_lists_need_sign_in(client: Client) -> None:
    for url in ("/accounts/", "/accounts/new/", "/contacts/", "/contacts/new/", "/accounts/1/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/")


def test_accounts_are_sorted_by_name_without_regard_to_case(
    client: Client, people: dict[str, User], accounts: dict[str, Account]
) -> None:
    assert account_names(signed_in(client, people["rep"])) == [
        "Acme Romania",
        "beta Logistics",
        "Carpați Foods",
        "Delta Soft",
    ]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("acme", ["Acme Romania"]),  # name, any case
        ("CARPATI.RO", ["Carpați Foods"]),  # domain
        ("software", ["Acme Romania", "Delta Soft"]),  # industry, any case
        ("soft delta", ["Delta Soft"]),  # every word must match
        ("nothing-like-it", []),
    ],
)
def test_account_search(
    client: Client,
    people: dict[str, User],
    accounts: dict[str, Account],
    search: str,
    expected: list[str],
) -> None:
    assert account_names(signed_in(client, people["rep"]), f"q={search}") == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-name", ["Delta Soft", "Carpați Foods", "beta Logistics", "Acme Romania"]),
        ("employees", ["beta Logistics", "Acme Romania", "Delta Soft", "Carpați Foods"]),
        ("-employees", ["Delta Soft", "Acme Romania", "beta Logistics", "Carpați Foods"]),
        ("country", ["beta Logistics", "Delta Soft", "Acme Romania", "Carpați Foods"]),
        ("industry", ["Carpați Foods", "beta Logistics", "Acme Romania", "Delta Soft"]),
        ("-created", ["Delta Soft", "Carpați Foods", "beta Logistics", "Acme Romania"]),
        ("password", ["Acme Romania", "beta Logistics", "Carpați Foods", "Delta Soft"]),
        ("-__class__", ["Acme Romania", "beta Logistics", "Carpați Foods", "Delta Soft"]),
    ],
)
def test_account_sort_whitelist_with_empty_values_last(
    client: Client,
    people: dict[str, User],
    accounts: dict[str, Account],
    sort: str,
    expected: list[str],
) -> None:
    assert account_names(signed_in(client, people["rep"]), f"sort={sort}") == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("industry=Software", ["Acme Romania", "Delta Soft"]),
        ("country=ro", ["Acme Romania", "Carpați Foods"]),
        ("customer=yes", ["Acme Romania", "Delta Soft"]),
        ("customer=no", ["beta Logistics", "Carpați Foods"]),
        ("customer=maybe", ["Acme Romania", "beta Logistics", "Carpați Foods", "Delta Soft"]),
        ("country=RO&customer=yes&q=acme&sort=-name", ["Acme Romania"]),
    ],
)
def test_account_filters(
    client: Client,
    people: dict[str, User],
    accounts: dict[str, Account],
    query: str,
    expected: list[str],
) -> None:
    assert account_names(signed_in(client, people["rep"]), query) == expected


def test_the_filters_offer_the_values_accounts_have(
    client: Client, people: dict[str, User], accounts: dict[str, Account]
) -> None:
    page = signed_in(client, people["rep"]).get("/accounts/?country=RO").content.decode()
    assert '<option value="RO" selected>RO</option>' in page
    assert '<option value="DE">DE</option>' in page
    assert '<option value="Logistics">Logistics</option>' in page


def test_accounts_come_fifty_to_a_page(client: Client, people: dict[str, User]) -> None:
    Account.objects.bulk_create(Account(name=f"Company {n:03}", country="RO") for n in range(51))
    signed_in(client, people["rep"])
    first = account_names(client, "country=RO")
    assert len(first) == 50
    assert first[0] == "Company 000"
    assert account_names(client, "country=RO&page=2") == ["Company 050"]
    assert account_names(client, "country=RO&page=99") == ["Company 050"], "clamped"
    page = client.get("/accounts/?country=RO").content.decode()
    assert 'href="?country=RO&amp;page=2"' in page
    assert "51 accounts" in page


def test_live_search_returns_only_the_results(
    client: Client, people: dict[str, User], accounts: dict[str, Account]
) -> None:
    response = signed_in(client, people["rep"]).get("/accounts/?q=acme", **LIVE)  # type: ignore[arg-type]
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body
    assert "Acme Romania" in body
    assert "Delta Soft" not in body
    assert "HX-Request" in response["Vary"]
    # Without JavaScript, the same form loads the whole page.
    assert "<html" in client.get("/accounts/?q=acme").content.decode()


def test_the_search_form_works_with_and_without_javascript(
    client: Client, people: dict[str, User]
) -> None:
    page = signed_in(client, people["rep"]).get("/accounts/").content.decode()
    form = page[
        page.index('<form class="filters"') : page.index(
            "</form>", page.index('<form class="filters"')
        )
    ]
    assert 'method="get" action="/accounts/"' in form
    assert 'hx-target="#results"' in form
    assert 'hx-trigger="input changed delay:300ms, search"' in form
    assert '<button type="submit">' in form


def test_accounts_list_queries_do_not_grow_with_rows(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    signed_in(client, people["rep"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/accounts/?sort=employees").status_code == 200
        return len(captured)

    for _ in range(3):
        make_deal(industry="Software")
    few = queries()
    for _ in range(27):
        make_deal(industry="Software")
    assert queries() == few


# --- account page ----------------------------------------------------------------------------


def test_the_account_page_shows_fields_contacts_and_the_deals_i_may_see(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(amount="12500")
    account = deal.account
    Account.objects.filter(pk=account.pk).update(domain="acme.ro", country="RO", employees=1200)
    theirs = make_deal(owner="rep_b")
    Deal.objects.filter(pk=theirs.pk).update(account=account, title="Team B deal")
    Contact.objects.create(account=account, first_name="Ioana", last_name="Pop", job_title="CFO")
    Contact.objects.create(first_name="Nobody", last_name="Else")

    page = signed_in(client, people["rep"]).get(f"/accounts/{account.pk}/").content.decode()

    assert f"<h1>{account.name}</h1>" in page
    assert "acme.ro" in page
    assert "1,200" in page or "1.200" in page
    assert "Ioana Pop" in page
    assert "CFO" in page
    assert "Nobody" not in page
    assert f'href="/deals/{deal.pk}/"' in page
    assert "Prospecting" in page  # the stage's name, not its key
    assert "12,500" in page or "12.500" in page
    assert "Team B deal" not in page, "deals follow deal visibility"


def test_an_unknown_account_is_404(client: Client, people: dict[str, User]) -> None:
    assert signed_in(client, people["rep"]).get("/accounts/999999/").status_code == 404


def test_account_page_queries_do_not_grow_with_deals(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    account = make_deal().account
    signed_in(client, people["rep"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/accounts/{account.pk}/").status_code == 200
        return len(captured)

    def add(count: int) -> None:
        for n in range(count):
            Deal.objects.filter(pk=make_deal().pk).update(account=account)
            Contact.objects.create(account=account, last_name=f"Person {n}")

    add(2)
    queries()  # warm the process-definition cache
    few = queries()
    add(27)
    assert queries() == few


# --- new account -----------------------------------------------------------------------------


def test_a_new_account(client: Client, people: dict[str, User]) -> None:
    response = signed_in(client, people["rep"]).post(
        "/accounts/new/",
        {
            "name": " Nord Energy ",
            "domain": "https://www.Nord.ro/x",
            "country": "ro",
            "employees": "35",
            "is_customer": "on",
        },
    )
    account = Account.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/accounts/{account.pk}/"
    assert (account.name, account.domain, account.country) == ("Nord Energy", "nord.ro", "RO")
    assert (account.employees, account.is_customer, account.owner) == (35, True, people["rep"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "  "}, "name", "This field is required."),
        (
            {"name": "Nord", "country": "Romania"},
            "country",
            "Country &#x27;Romania&#x27; is not a two-letter ISO code such as RO.",
        ),
        ({"name": "Nord", "employees": "many"}, "employees", "Enter a whole number."),
    ],
)
def test_a_refused_account_shows_the_error_beside_the_field(
    client: Client, people: dict[str, User], data: dict[str, str], field: str, message: str
) -> None:
    response = signed_in(client, people["rep"]).post("/accounts/new/", data)
    page = response.content.decode()
    assert response.status_code == 422
    assert not Account.objects.exists()
    error = re.search(rf'<span class="errors" id="id_{field}_error">(.*?)</span>', page)
    assert error is not None, page
    assert error[1] == message
    assert page.count('class="errors"') == 1


def test_read_only_users_cannot_add_accounts_or_contacts(
    client: Client, people: dict[str, User], accounts: dict[str, Account]
) -> None:
    signed_in(client, people["viewer"])
    assert client.get("/accounts/new/").status_code == 403
    assert client.post("/accounts/new/", {"name": "Nord"}).status_code == 403
    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/contacts/new/", {"last_name": "Pop"}).status_code == 403
    assert Account.objects.count() == 4
    assert not Contact.objects.exists()
    page = client.get("/accounts/").content.decode()
    assert "/accounts/new/" not in page, "no button they cannot use"


def test_new_records_need_a_csrf_token(people: dict[str, User]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["rep"])
    assert browser.post("/accounts/new/", {"name": "Nord"}).status_code == 403
    assert browser.post("/contacts/new/", {"last_name": "Pop"}).status_code == 403
    assert not Account.objects.exists()
    assert not Contact.objects.exists()

    form = browser.get("/accounts/new/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    response = browser.post("/accounts/new/", {"name": "Nord", "csrfmiddlewaretoken": token[1]})
    assert response.status_code == 303


# --- contacts --------------------------------------------------------------------------------


@pytest.fixture
def contacts(accounts: dict[str, Account]) -> dict[str, Contact]:
    rows = [
        ("Ioana", "Pop", "ioana@acme.ro", "CFO", "Acme Romania"),
        ("Mihai", "albu", "mihai@beta-log.com", "Head of Logistics", "beta Logistics"),
        ("Elena", "Zamfir", "elena@delta.io", "CTO", "Delta Soft"),
        ("Dan", "Ene", "dan@example.com", "", None),
    ]
    return {
        last: Contact.objects.create(
            first_name=first,
            last_name=last,
            email=email,
            job_title=title,
            account=accounts[account] if account else None,
        )
        for first, last, email, title, account in rows
    }


def test_contacts_are_sorted_by_last_name(
    client: Client, people: dict[str, User], contacts: dict[str, Contact]
) -> None:
    assert contact_names(signed_in(client, people["rep"])) == [
        "Mihai albu",
        "Dan Ene",
        "Ioana Pop",
        "Elena Zamfir",
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ioana", ["Ioana Pop"]),  # first name
        ("q=ALBU", ["Mihai albu"]),  # last name, any case
        ("q=delta.io", ["Elena Zamfir"]),  # e-mail
        ("q=head", ["Mihai albu"]),  # job title
        ("q=acme", ["Ioana Pop"]),  # account name (and the e-mail domain)
        ("q=logistics", ["Mihai albu"]),
        ("q=elena cto", ["Elena Zamfir"]),
        ("sort=-name", ["Elena Zamfir", "Ioana Pop", "Dan Ene", "Mihai albu"]),
        ("sort=account", ["Ioana Pop", "Mihai albu", "Elena Zamfir", "Dan Ene"]),
        ("sort=email", ["Dan Ene", "Elena Zamfir", "Ioana Pop", "Mihai albu"]),
        ("sort=salary", ["Mihai albu", "Dan Ene", "Ioana Pop", "Elena Zamfir"]),
    ],
)
def test_contact_search_and_sort(
    client: Client,
    people: dict[str, User],
    contacts: dict[str, Contact],
    query: str,
    expected: list[str],
) -> None:
    assert contact_names(signed_in(client, people["rep"]), query) == expected


def test_contacts_filter_by_account(
    client: Client, people: dict[str, User], contacts: dict[str, Contact]
) -> None:
    acme = contacts["Pop"].account
    assert acme is not None
    signed_in(client, people["rep"])
    assert contact_names(client, f"account={acme.pk}") == ["Ioana Pop"]
    assert contact_names(client, "account=abc") == [
        "Mihai albu",
        "Dan Ene",
        "Ioana Pop",
        "Elena Zamfir",
    ]
    page = client.get(f"/contacts/?account={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>Acme Romania</option>' in page


def test_contacts_list_queries_do_not_grow_with_rows(
    client: Client, people: dict[str, User]
) -> None:
    signed_in(client, people["rep"])

    def add(count: int) -> None:
        for n in range(count):
            account = Account.objects.create(name=f"Company {n}")
            Contact.objects.create(account=account, last_name=f"Person {n}")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/contacts/?sort=account").status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(27)
    assert queries() == few


def test_a_new_contact_on_an_account(
    client: Client, people: dict[str, User], accounts: dict[str, Account]
) -> None:
    acme = accounts["Acme Romania"]
    signed_in(client, people["rep"])
    form = client.get(f"/contacts/new/?account={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>Acme Romania</option>' in form

    response = client.post(
        "/contacts/new/",
        {"first_name": "Ana", "last_name": "Pop", "email": "Ana@Acme.ro", "account": acme.pk},
    )

    assert response.status_code == 303
    assert response["Location"] == f"/accounts/{acme.pk}/"
    contact = Contact.objects.get()
    assert (contact.email, contact.account) == ("ana@acme.ro", acme)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": "Ana"}, "last_name"),  # neither a last name nor an e-mail
        ({"last_name": "Pop", "email": "not-an-address"}, "email"),
        ({"last_name": "Pop", "account": "999999"}, "account"),
    ],
)
def test_a_refused_contact_shows_the_error_beside_the_field(
    client: Client, people: dict[str, User], data: dict[str, str], field: str
) -> None:
    response = signed_in(client, people["rep"]).post("/contacts/new/", data)
    assert response.status_code == 422
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Contact.objects.exists()
