"""An exported file, with the mapping the export writes beside it, imports back with no changes:
every row unchanged, nothing created, nothing updated."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from traseu.core.models import User
from traseu.crm.models import Account, Contact
from traseu.crm.services import account_create
from traseu.exports.kinds import Filters
from traseu.exports.tables import export_table, import_mapping
from traseu.exports.writers import write_csv, write_xlsx
from traseu.imports.engine import ImportParams, run_import
from traseu.imports.mapping import load_mapping_text
from traseu.prospecting.bulk import ProspectRow, store_prospects
from traseu.prospecting.models import Prospect
from traseu.prospecting.services import prospect_list_create

pytestmark = pytest.mark.django_db


def export_then_import(
    kind: str, user: User, tmp_path: Path, fmt: str = "csv", **options: Any
) -> dict[str, int]:
    table = export_table(kind=kind, acting_user=user, filters=Filters(options.pop("list_id", None)))
    path = tmp_path / f"{kind}.{fmt}"
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            write_csv(table, out)
    else:
        with path.open("wb") as binary:
            write_xlsx(table, binary)
    mapping = load_mapping_text(import_mapping(table))
    result = run_import(
        ImportParams(
            kind=kind,
            path=path,
            mapping=mapping,
            user=user,
            errors_path=tmp_path / "errors.csv",
            **options,
        )
    )
    assert not result.errors, [str(error) for error in result.errors]
    return result.counts


@pytest.fixture
def directory(people: dict[str, User]) -> list[Account]:
    rep = people["rep"]
    accounts = [
        account_create(
            acting_user=rep,
            owner=rep,
            name="Nod Software",
            domain="nod.ro",
            industry="Software",
            employees=120,
            annual_revenue="2500000.50",
            country="RO",
            is_customer=True,
            custom={"tier": "gold", "seats": 12},
        ),
        account_create(acting_user=rep, owner=rep, name="Brutăria Ionescu", country="MD"),
    ]
    Contact.objects.create(
        account=accounts[0], first_name="Ana", last_name="Pop", email="ana@nod.ro", job_title="CTO"
    )
    Contact.objects.create(
        account=accounts[1], first_name="Ion", last_name="Rusu", email="ion@brutaria.md"
    )
    return accounts


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_accounts_come_back_unchanged(
    people: dict[str, User], directory: list[Account], tmp_path: Path, fmt: str
) -> None:
    before = list(Account.objects.order_by("pk").values())

    counts = export_then_import("accounts", people["rep"], tmp_path, fmt)

    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 2)
    assert list(Account.objects.order_by("pk").values()) == before


def test_contacts_come_back_unchanged(
    people: dict[str, User], directory: list[Account], tmp_path: Path
) -> None:
    before = list(Contact.objects.order_by("pk").values())

    counts = export_then_import("contacts", people["rep"], tmp_path)

    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 2)
    assert list(Contact.objects.order_by("pk").values()) == before


def test_a_contact_without_an_email_comes_back_unchanged(
    people: dict[str, User], directory: list[Account], tmp_path: Path
) -> None:
    Contact.objects.create(account=directory[0], first_name="Fără", last_name="Email")
    before = list(Contact.objects.order_by("pk").values())

    counts = export_then_import("contacts", people["rep"], tmp_path)

    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 3)
    assert list(Contact.objects.order_by("pk").values()) == before


def test_prospects_come_back_unchanged(people: dict[str, User], tmp_path: Path) -> None:
    plist = prospect_list_create(name="Fair 2026", acting_user=people["rep"])
    store_prospects(
        plist,
        [
            ProspectRow(
                company_name="Alfa Systems",
                domain="alfa.ro",
                industry="Software",
                employees=40,
                country="RO",
                contact_first_name="Ana",
                contact_last_name="Pop",
                contact_email="ana@alfa.ro",
                source="fair",
                external_id="fair-1",
                custom={"booth": "B12"},
            ),
            ProspectRow(company_name="Beta Cloud", annual_revenue=None, source="fair"),
        ],
    )
    before = list(Prospect.objects.order_by("pk").values())

    counts = export_then_import(
        "prospects", people["rep"], tmp_path, list_id=plist.pk, list_name="Fair 2026"
    )

    assert (counts["created"], counts["updated"], counts["unchanged"]) == (0, 0, 2)
    assert list(Prospect.objects.order_by("pk").values()) == before
