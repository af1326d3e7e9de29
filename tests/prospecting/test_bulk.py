"""Storing prospects in bulk: the same rows as ``prospect_add`` one at a time, in batches with a
fixed number of queries, idempotent re-runs, updates only where something changed, a dry run
that changes nothing, and one audit entry per batch."""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from traseu.audit.models import AuditEntry
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.models import Account
from traseu.prospecting.bulk import (
    BulkCounts,
    ProspectRow,
    ProspectStore,
    prospect_row,
    store_prospects,
)
from traseu.prospecting.models import IdealCustomerProfile, Prospect, ProspectList
from traseu.prospecting.services import prospect_add, prospect_list_create

pytestmark = pytest.mark.django_db
MakeAccount = Callable[..., Account]
COMPARED = (
    "company_name",
    "name_key",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_title",
    "contact_phone",
    "source",
    "external_id",
    "custom",
    "status",
    "disqualified_reason",
    "dedupe_key",
    "fit_score",
    "fit_explanation",
    "account_id",
    "matched_by",
    "deal_id",
    "converted_at",
    "created_by_id",
)
NAMES = [
    "S.C. Brutăria Ionescu S.R.L.",
    "Brutaria Ionescu SRL",
    "Nod Software SRL",
    "Ţesătoria Nouă SA",
    "Acme GmbH & Co. KG",
    "O'Brien Consulting Ltd",
    "Delta Soft",
    "Alfa Systems S.A.",
    "",
    "  Beta   Cloud  ",
]
DOMAINS = ["", "", "https://www.nod.ro/contact", "acme.de", "WWW.Delta.ro", "alfa.ro/", "beta.io"]
EMAILS = ["", "ana@nod.ro", "ion.pop@gmail.com", "Mara@Acme.DE", "x@beta.io", "ops@delta.ro"]
INDUSTRIES = ["", "software", "Software", "retail", "IT services", "SaaS"]
COUNTRIES = ["", "ro", "RO", "de", "md", "US", " pl "]
EMPLOYEES: list[Any] = ["", None, "12", "120", 450, "  30 ", "5000", 0]
REVENUES: list[Any] = ["", None, "2500000", "999999.999", Decimal("1200000.5"), "12.5"]
CUSTOM: list[dict[str, Any]] = [{}, {"tags": "b2b"}, {"tags": ["b2b", "subscription"]}, {"x": 1}]


def messy_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """Rows as an importer meets them: spellings of the same company, blanks, repeats."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        name = rng.choice(NAMES)
        if rng.random() < 0.5:
            name = f"{name} {n % 60}" if name.strip() else name
        rows.append(
            {
                "company_name": name,
                "domain": rng.choice(DOMAINS),
                "industry": rng.choice(INDUSTRIES),
                "employees": rng.choice(EMPLOYEES),
                "annual_revenue": rng.choice(REVENUES),
                "country": rng.choice(COUNTRIES),
                "contact_first_name": rng.choice(["", "Ana", " Ion "]),
                "contact_last_name": rng.choice(["", "Pop", "Ionescu"]),
                "contact_email": rng.choice(EMAILS),
                "contact_title": rng.choice(["", "CTO", "Owner"]),
                "contact_phone": rng.choice(["", "+40 721 000 000"]),
                "source": rng.choice(["", "fair", "list"]),
                "external_id": rng.choice(["", "", f"ext-{n % 90}"]),
                "custom": dict(rng.choice(CUSTOM)),
            }
        )
    return rows


def valid_rows(raw: list[dict[str, Any]]) -> list[ProspectRow]:
    rows = []
    for number, values in enumerate(raw, start=1):
        try:
            rows.append(prospect_row(values, row_number=number))
        except InvalidInput:
            continue
    return rows


def snapshot(plist: ProspectList) -> dict[str, dict[str, Any]]:
    return {
        values["dedupe_key"]: values
        for values in Prospect.objects.filter(prospect_list=plist).values(*COMPARED)
    }


@pytest.fixture
def accounts(make_account: MakeAccount) -> list[Account]:
    """Existing accounts the rows should be recognised as (by domain, else by name)."""
    return [
        make_account("Nod Software SRL", domain="nod.ro", industry="software", country="RO"),
        make_account("Brutăria Ionescu", employees=40, custom={"tags": ["b2b"]}),
        make_account("Delta Soft", domain="delta.ro", is_customer=True, annual_revenue="5000000"),
    ]


def test_bulk_gives_the_rows_prospect_add_gives_on_messy_input(
    plist: ProspectList,
    people: dict[str, User],
    software_smb: IdealCustomerProfile,
    accounts: list[Account],
) -> None:
    """Given 200 messy rows (repeats, blanks, spellings, existing accounts), when they go
    through prospect_add one by one into one list and through store_prospects into another,
    then both lists hold the same prospects, field by field, and bad rows fail alike."""
    one_by_one = prospect_list_create(name="A", profile=software_smb, acting_user=people["rep"])
    rows = messy_rows(200)
    added, failures, bulk_rows, bulk_failures = 0, [], [], []
    for number, values in enumerate(rows, start=1):
        try:
            added += prospect_add(
                prospect_list=one_by_one, acting_user=people["rep"], **values
            ).created
        except InvalidInput as error:
            failures.append((number, error.message))
        try:
            bulk_rows.append(prospect_row(values, row_number=number))
        except InvalidInput as error:
            bulk_failures.append((error.details["row"], error.message))

    counts = store_prospects(plist, bulk_rows, batch_size=37, acting_user=people["rep"])

    expected = snapshot(one_by_one)
    assert bulk_failures == failures
    assert counts.created == added == len(expected)
    assert counts.updated == 0
    assert counts.unchanged == len(bulk_rows) - added
    assert snapshot(plist) == expected
    assert any(values["account_id"] for values in expected.values())
    assert len({values["matched_by"] for values in expected.values()}) == 3


def test_a_second_run_of_the_same_rows_changes_nothing(
    plist: ProspectList, accounts: list[Account]
) -> None:
    rows = valid_rows(messy_rows(120, seed=3))
    first = store_prospects(plist, rows, batch_size=50)
    before = {p.pk: p.updated_at for p in Prospect.objects.all()}
    entries = AuditEntry.objects.count()

    second = store_prospects(plist, rows, batch_size=50)

    assert second == BulkCounts(0, 0, len(rows), first.duplicates)
    assert {p.pk: p.updated_at for p in Prospect.objects.all()} == before
    assert AuditEntry.objects.count() == entries


def test_changed_rows_are_updated_and_only_they(plist: ProspectList) -> None:
    rows = [
        ProspectRow(company_name="Alfa", external_id="a1", employees=10),
        ProspectRow(company_name="Beta", domain="beta.ro", employees=50, industry="software"),
        ProspectRow(company_name="Gama", domain="gama.ro"),
    ]
    store_prospects(plist, rows)
    untouched = Prospect.objects.get(domain="gama.ro").updated_at
    changed = [
        ProspectRow(company_name="Alfa Renamed", external_id="a1", employees=10),
        ProspectRow(company_name="Beta", domain="beta.ro", employees=60, industry="software"),
        ProspectRow(company_name="Gama", domain="gama.ro"),
    ]

    counts = store_prospects(plist, changed)

    assert counts == BulkCounts(created=0, updated=2, unchanged=1)
    alfa = Prospect.objects.get(external_id="a1")
    assert (alfa.company_name, alfa.name_key, alfa.dedupe_key) == (
        "Alfa Renamed",
        "alfa renamed",
        "n:alfa",
    )
    beta = Prospect.objects.get(domain="beta.ro")
    assert beta.employees == 60
    assert beta.fit_score is not None
    assert beta.fit_explanation[1]["value"] == 60
    assert Prospect.objects.get(domain="gama.ro").updated_at == untouched


def test_a_blank_external_id_never_clears_a_stored_one(plist: ProspectList) -> None:
    store_prospects(plist, [ProspectRow(company_name="Alfa", external_id="a1")])

    counts = store_prospects(plist, [ProspectRow(company_name="Alfa", industry="retail")])

    assert counts.updated == 1
    assert Prospect.objects.values_list("external_id", "industry").get() == ("a1", "retail")


def test_only_the_given_fields_are_compared_and_written(plist: ProspectList) -> None:
    store_prospects(plist, [ProspectRow(company_name="Alfa", domain="alfa.ro", industry="retail")])

    counts = store_prospects(
        plist,
        [ProspectRow(company_name="Alfa", domain="alfa.ro", employees=9)],
        fields=["company_name", "domain", "employees"],
    )

    assert counts.updated == 1
    assert Prospect.objects.values_list("industry", "employees").get() == ("retail", 9)


def test_a_repeat_later_in_the_run_changes_nothing(plist: ProspectList) -> None:
    """The first row of a company wins, across batches too, as with prospect_add."""
    rows = [
        ProspectRow(company_name="Alfa", domain="alfa.ro", industry="retail"),
        ProspectRow(company_name="Beta"),
        ProspectRow(company_name="Alfa SRL", domain="alfa.ro", industry="software"),
    ]

    counts = store_prospects(plist, rows, batch_size=1)
    again = store_prospects(plist, rows, batch_size=1)

    assert counts == BulkCounts(created=2, updated=0, unchanged=1, duplicates=1)
    assert again == BulkCounts(created=0, updated=0, unchanged=3, duplicates=1)
    assert Prospect.objects.get(domain="alfa.ro").industry == "retail"


def test_a_dry_run_changes_nothing_and_counts_exactly(plist: ProspectList) -> None:
    rows = valid_rows(messy_rows(80, seed=11))
    entries = AuditEntry.objects.count()

    dry = store_prospects(plist, rows, dry_run=True, batch_size=20)

    assert not Prospect.objects.exists()
    assert AuditEntry.objects.count() == entries
    assert store_prospects(plist, rows, batch_size=20) == dry


def test_one_audit_entry_per_batch_that_changed_something(
    plist: ProspectList, people: dict[str, User]
) -> None:
    rows = [ProspectRow(company_name=f"Firm {n}", row_number=n + 2) for n in range(10)]
    seen: list[int] = []

    store_prospects(plist, rows, batch_size=4, acting_user=people["rep"], progress=seen.append)

    entries = list(AuditEntry.objects.filter(object_type="prospect_list").order_by("pk"))
    assert seen == [4, 8, 10]
    assert [e.after["prospects_imported"]["rows"] for e in entries] == [[2, 5], [6, 9], [10, 11]]
    assert [e.after["prospects_imported"]["created"] for e in entries] == [4, 4, 2]
    assert {e.actor_id for e in entries} == {people["rep"].pk}
    assert Prospect.objects.filter(created_by=people["rep"]).count() == 10


def test_queries_per_batch_do_not_grow_with_the_batch(
    plist: ProspectList, accounts: list[Account]
) -> None:
    small = [ProspectRow(company_name=f"Small {n}", domain=f"s{n}.ro") for n in range(5)]
    large = [ProspectRow(company_name=f"Large {n}", domain=f"l{n}.ro") for n in range(500)]
    with CaptureQueriesContext(connection) as few:
        store_prospects(plist, small, batch_size=1000)
    with CaptureQueriesContext(connection) as many:
        store_prospects(plist, large, batch_size=1000)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert Prospect.objects.count() == 505


def test_a_bad_row_names_its_row_and_field_and_stores_nothing(plist: ProspectList) -> None:
    with pytest.raises(InvalidInput) as caught:
        prospect_row({"company_name": "Alfa", "contact_email": "not-an-address"}, row_number=7)

    assert caught.value.details == {"field": "contact_email", "row": 7}
    with pytest.raises(InvalidInput) as unknown:
        store_prospects(plist, [], fields=["company_name", "colour"])
    assert unknown.value.details == {"fields": ["colour"]}
    assert not Prospect.objects.exists()


def test_without_a_profile_no_score_is_stored(people: dict[str, User]) -> None:
    bare = prospect_list_create(name="Bare", acting_user=people["rep"])

    store_prospects(bare, [ProspectRow(company_name="Alfa", industry="software")])

    assert Prospect.objects.values_list("fit_score", "fit_explanation").get() == (None, [])


def test_a_prospect_store_tells_repeats_across_the_callers_batches(plist: ProspectList) -> None:
    store = ProspectStore(plist)

    first = store.store([ProspectRow(company_name="Alfa", domain="alfa.ro", industry="retail")])
    second = store.store([ProspectRow(company_name="ALFA", domain="alfa.ro", industry="x")])

    assert first == BulkCounts(created=1)
    assert second == BulkCounts(unchanged=1, duplicates=1)
    assert Prospect.objects.get().industry == "retail"
