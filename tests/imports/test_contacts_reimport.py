"""Contacts without an id or an e-mail: importing the same file again recognises them by their
account and name, instead of adding them a second time."""

from __future__ import annotations

from pathlib import Path

from traseu.crm.models import Contact

from .conftest import Importer

MAPPING = """kind: contacts
columns:
  first_name: First
  last_name: Last
  account_name: Company
  job_title: Title
"""


def _files(tmp_path: Path, rows: str) -> tuple[Path, Path]:
    mapping, data = tmp_path / "contacts.yaml", tmp_path / "contacts.csv"
    mapping.write_text(MAPPING, encoding="utf-8")
    data.write_text("First,Last,Company,Title\n" + rows, encoding="utf-8")
    return mapping, data


def test_the_same_file_twice_adds_each_contact_once(run: Importer, tmp_path: Path) -> None:
    mapping, data = _files(
        tmp_path,
        "Ana,Pop,Alfa SRL,CTO\nIon,Rusu,Alfa SRL,\nIon,Rusu,Beta SA,Buyer\n",
    )
    first = run("contacts", data, mapping=mapping)
    assert first.counts["created"] == 3
    again = run("contacts", data, mapping=mapping)
    assert (again.counts["created"], again.counts["unchanged"]) == (0, 3)
    assert Contact.objects.count() == 3
    # namesakes at two companies stay two people
    assert sorted(
        Contact.objects.filter(last_name="Rusu").values_list("account__name", flat=True)
    ) == [
        "Alfa SRL",
        "Beta SA",
    ]


def test_case_and_spaces_do_not_make_a_new_person_and_the_file_wins(
    run: Importer, tmp_path: Path
) -> None:
    mapping, data = _files(tmp_path, "Ana,Pop,Alfa SRL,CTO\n")
    run("contacts", data, mapping=mapping)
    mapping, data = _files(tmp_path, "  ana , POP ,Alfa SRL,Chief Technology Officer\n")
    result = run("contacts", data, mapping=mapping)
    assert (result.counts["created"], result.counts["updated"]) == (0, 1)
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.job_title) == (
        "ana",
        "POP",
        "Chief Technology Officer",
    )
