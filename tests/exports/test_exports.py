"""Exports: only what the acting user may see, in the columns the import reads, custom
attributes as extra columns, formula-like text neutralised in CSV and XLSX while numbers stay
numbers, from the command line and as a download."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped]

from traseu.cli import main
from traseu.core.errors import InvalidInput, NotFound
from traseu.core.models import User
from traseu.crm.models import Account, Contact, Deal
from traseu.crm.services import account_create
from traseu.exports.kinds import Filters
from traseu.exports.tables import export_table
from traseu.exports.writers import write_csv, write_xlsx
from traseu.prospecting.bulk import ProspectRow, store_prospects
from traseu.prospecting.services import prospect_list_create

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def csv_rows(kind: str, user: User, filters: Filters | None = None) -> list[dict[str, str]]:
    out = io.StringIO()
    write_csv(export_table(kind=kind, acting_user=user, filters=filters), out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.fixture
def accounts(people: dict[str, User]) -> dict[str, Account]:
    return {
        "a": account_create(
            acting_user=people["rep"],
            name="Nod Software",
            domain="nod.ro",
            employees=120,
            annual_revenue="2500000.50",
            country="RO",
            is_customer=True,
            custom={"tier": "gold", "delta": -12.5, "note": "-12.5", "name": "x"},
            owner=people["rep"],
        ),
        "b": account_create(
            acting_user=people["rep_b"], name="Bravo Team B", owner=people["rep_b"]
        ),
    }


def test_accounts_are_the_ones_the_user_sees_in_the_import_columns(
    people: dict[str, User], accounts: dict[str, Account]
) -> None:
    rows = csv_rows("accounts", people["rep2"])

    assert [row["name"] for row in rows] == ["Nod Software"]
    row = rows[0]
    assert row["external_id"] == str(accounts["a"].pk)
    assert (row["domain"], row["employees"], row["annual_revenue"]) == (
        "nod.ro",
        "120",
        "2500000.50",
    )
    assert (row["country"], row["is_customer"], row["owner"]) == ("RO", "yes", "rep")
    assert (row["tier"], row["delta"], row["custom.name"]) == ("gold", "-12.5", "x")
    assert [row["name"] for row in csv_rows("accounts", people["rep_b"])] == ["Bravo Team B"]


def test_formula_like_text_is_neutralised_and_numbers_stay_numbers_in_csv(
    people: dict[str, User], accounts: dict[str, Account]
) -> None:
    for n, text in enumerate(DANGEROUS):
        account_create(acting_user=people["rep"], name=f"N{n}", industry=text, owner=people["rep"])

    rows = {row["name"]: row for row in csv_rows("accounts", people["rep"])}

    assert [rows[f"N{n}"]["industry"] for n in range(len(DANGEROUS))] == [
        "'" + text for text in DANGEROUS
    ]
    assert rows["Nod Software"]["delta"] == "-12.5"  # a number: kept as it is
    assert rows["Nod Software"]["note"] == "'-12.5"  # text that a spreadsheet would compute


def test_formula_like_text_is_neutralised_and_numbers_stay_numbers_in_xlsx(
    people: dict[str, User], accounts: dict[str, Account], tmp_path: Path
) -> None:
    account_create(
        acting_user=people["rep"], name="=cmd|'/C calc'!A0", industry="@x", owner=people["rep"]
    )
    path = tmp_path / "accounts.xlsx"
    with path.open("wb") as out:
        count = write_xlsx(export_table(kind="accounts", acting_user=people["rep"]), out)

    sheet = load_workbook(path).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    nod, evil = rows["Nod Software"], rows["'=cmd|'/C calc'!A0"]
    assert count == 2
    assert evil[header.index("industry")].value == "'@x"
    assert evil[1].data_type == "s"
    assert nod[header.index("delta")].value == -12.5
    assert nod[header.index("delta")].data_type == "n"
    assert nod[header.index("note")].value == "'-12.5"
    assert nod[header.index("annual_revenue")].value == Decimal("2500000.50")
    assert nod[header.index("employees")].value == 120


def test_deals_and_their_history_only_of_visible_deals(
    people: dict[str, User], make_deal: MakeDeal
) -> None:
    mine = make_deal(owner="rep", amount="1200")
    make_deal(owner="rep_b")

    deals = csv_rows("deals", people["rep2"])
    history = csv_rows("deal-history", people["rep2"])

    assert [row["external_id"] for row in deals] == [str(mine.pk)]
    assert deals[0]["account_name"] == mine.account.name
    assert (deals[0]["amount"], deals[0]["status"], deals[0]["owner"]) == ("1200.00", "open", "rep")
    assert deals[0]["stage"] == mine.stage
    assert deals[0]["created_at"] == mine.created_at.strftime("%Y-%m-%d %H:%M:%S")
    assert {row["deal"] for row in history} == {str(mine.pk)}
    assert all(row["stage"] for row in history)


def test_contacts_follow_their_accounts_visibility(
    people: dict[str, User], accounts: dict[str, Account]
) -> None:
    Contact.objects.create(account=accounts["a"], first_name="Ana", last_name="Pop")
    Contact.objects.create(account=accounts["b"], first_name="Bob", last_name="Team-B")

    rows = csv_rows("contacts", people["rep"])

    assert [(row["first_name"], row["account_name"]) for row in rows] == [("Ana", "Nod Software")]
    assert rows[0]["account"] == str(accounts["a"].pk)


def test_prospects_of_visible_lists_and_one_list_on_request(people: dict[str, User]) -> None:
    mine = prospect_list_create(name="Mine", acting_user=people["rep"])
    other = prospect_list_create(name="Team B", acting_user=people["rep_b"])
    store_prospects(mine, [ProspectRow(company_name="Alfa", domain="alfa.ro", employees=5)])
    store_prospects(other, [ProspectRow(company_name="Beta")])

    rows = csv_rows("prospects", people["rep2"], Filters(prospect_list=mine.pk))

    assert [(row["name"], row["domain"], row["employees"], row["list"]) for row in rows] == [
        ("Alfa", "alfa.ro", "5", "Mine")
    ]
    assert [row["name"] for row in csv_rows("prospects", people["rep_b"])] == ["Beta"]
    with pytest.raises(NotFound):
        export_table(kind="prospects", acting_user=people["rep"], filters=Filters(other.pk))


def test_products_are_the_catalogue(people: dict[str, User]) -> None:
    from traseu.sales.models import Product

    Product.objects.create(name="Seat", code="S-1", unit_price="12.5000", currency="EUR")

    rows = csv_rows("products", people["viewer"])

    assert [(r["code"], r["unit_price"], r["active"]) for r in rows] == [("S-1", "12.5000", "yes")]


def test_an_unknown_kind_is_refused_by_name(people: dict[str, User]) -> None:
    with pytest.raises(InvalidInput) as caught:
        export_table(kind="invoices", acting_user=people["rep"])

    assert caught.value.code == "export_kind_unknown"


def test_the_command_line_writes_csv_and_xlsx_as_the_named_user(
    people: dict[str, User],
    accounts: dict[str, Account],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    xlsx, mapping = tmp_path / "a.xlsx", tmp_path / "a.yaml"

    assert main(["export", "accounts", "--as", "rep_b"]) == 0
    printed = capsys.readouterr().out
    assert (
        main(["export", "accounts", "--as", "rep", "-o", str(xlsx), "--mapping", str(mapping)]) == 0
    )

    assert "Bravo Team B" in printed
    assert "Nod Software" not in printed
    assert load_workbook(xlsx).active.max_row == 2
    assert "tier" in mapping.read_text()
    assert main(["export", "accounts"]) == 2  # nobody named
    assert main(["export", "accounts", "--as", "rep", "--format", "xlsx"]) == 2  # no file


def test_the_download_needs_a_sign_in_and_shows_only_what_the_user_sees(
    people: dict[str, User], accounts: dict[str, Account]
) -> None:
    client = Client()
    assert client.get("/export/accounts.csv").status_code == 302
    client.force_login(people["rep_b"])

    response = client.get("/export/accounts.csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    workbook = client.get("/export/accounts.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="traseu-accounts-')
    assert "Bravo Team B" in body
    assert "Nod Software" not in body
    assert workbook.status_code == 200
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/export/invoices.csv").status_code == 404
    mine = prospect_list_create(name="Mine", acting_user=people["rep"])
    assert client.get(f"/export/prospects.csv?list={mine.pk}").status_code == 404


def test_the_list_pages_link_to_the_downloads(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["rep"])
    plist = prospect_list_create(name="Mine", acting_user=people["rep"])

    assert b"/export/accounts.csv" in client.get("/accounts/").content
    assert b"/export/contacts.xlsx" in client.get("/contacts/").content
    assert (
        f"/export/prospects.csv?list={plist.pk}".encode()
        in client.get(f"/prospects/{plist.pk}/").content
    )
