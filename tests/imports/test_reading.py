"""Reading CSV and XLSX files: encodings, delimiters, quoting, blank lines, row numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from traseu.imports.reading import FileProblem, open_table

from .conftest import FIXTURES, Importer


def _read(path: Path, **kw: str) -> tuple[list[str], list[tuple[int, dict[str, object]]]]:
    with open_table(path, **kw) as table:
        return table.headers, [(row.number, row.values) for row in table.rows]


def test_bom_quotes_embedded_newlines_and_blank_lines() -> None:
    headers, rows = _read(FIXTURES / "salesforce" / "Account.csv")
    assert headers[0] == "Id"  # the byte-order mark is not part of the first header
    assert [number for number, _ in rows] == [2, 3, 4, 6]  # row 5 is blank
    assert rows[3][1]["name"] == 'Transilvania "Logistic" SA'
    _headers, deals = _read(FIXTURES / "salesforce" / "Opportunity.csv")
    assert deals[4] == (6, deals[4][1])
    assert deals[4][1]["name"] == "Acme support\nrenewal"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(f'  Name {delimiter}DOMAIN\n"A{delimiter} B"{delimiter}a.ro\n', "utf-8")
    headers, rows = _read(path)
    assert headers == ["Name", "DOMAIN"]
    assert rows == [(2, {"name": f"A{delimiter} B", "domain": "a.ro"})]


def test_cp1250_with_romanian_diacritics_when_named() -> None:
    _headers, rows = _read(FIXTURES / "generic" / "conturi-cp1250.csv", encoding="cp1250")
    assert rows[1][1]["nume"] == "Ţesătoria Braşov SA"
    assert rows[2][1]["industrie"] == "Alimentaţie"


def test_the_wrong_encoding_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as caught:
        _read(FIXTURES / "generic" / "conturi-cp1250.csv")
    assert caught.value.code == "undecodable"
    assert caught.value.details["row"] == 2
    assert "Row 2" in caught.value.message
    assert "--encoding" in caught.value.message


def test_an_unknown_encoding_and_a_duplicate_header_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("Name,name\nA,B\n", "utf-8")
    with pytest.raises(FileProblem, match="appears twice"):
        _read(path)
    with pytest.raises(FileProblem, match="Unknown encoding"):
        _read(path, encoding="klingon")


def test_xlsx_first_sheet_or_a_named_one(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Deals"
    first.append(["Deal - Title", "Deal - Value", "Deal - Deal created"])
    first.append(["Alpha", 1200.5, dt.datetime(2025, 1, 2, 9, 30)])
    first.append([None, None, None])
    first.append(["Beta", 7, None])
    other = book.create_sheet("Orgs")
    other.append(["Name"])
    other.append(["Gamma SRL"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    headers, rows = _read(path)
    assert headers == ["Deal - Title", "Deal - Value", "Deal - Deal created"]
    assert [n for n, _ in rows] == [2, 4]
    assert rows[0][1]["deal - value"] == 1200.5
    assert _read(path, sheet="Orgs")[1] == [(2, {"name": "Gamma SRL"})]
    with pytest.raises(FileProblem, match="No sheet"):
        _read(path, sheet="Nope")


def test_an_xlsx_pipedrive_export_imports(run: Importer, tmp_path: Path) -> None:
    import csv

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with (FIXTURES / "pipedrive" / "pipedrive-deals.csv").open(encoding="utf-8") as file:
        for i, row in enumerate(csv.reader(file, delimiter=";")):
            sheet.append([float(c) if i and c.isdigit() else c for c in row])
    path = tmp_path / "deals.xlsx"
    book.save(path)
    result = run("deals", path, preset="pipedrive", skip_invalid=True)
    assert result.counts["created"] == 3


def test_a_cp1250_file_imports_with_a_custom_mapping(run: Importer) -> None:
    from traseu.crm.models import Account

    result = run(
        "accounts", "generic/conturi-cp1250.csv", mapping="generic/conturi.yaml", encoding="cp1250"
    )
    assert result.counts["created"] == 3
    tesatoria = Account.objects.get(domain="tesatoria-brasov.ro")
    assert (tesatoria.country, str(tesatoria.annual_revenue)) == ("RO", "3400000.00")
    assert str(Account.objects.get(domain="brutaria-ionescu.ro").annual_revenue) == "1250000.50"


def test_excel_unicode_text_utf16_with_tabs(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    text = 'Nume\tOraș\r\n"Ţesătoria\r\nBraşov"\tBrașov\r\n'
    path.write_bytes(text.encode("utf-16"))  # with its byte-order mark, as Excel writes it
    headers, rows = _read(path, encoding="utf-16")
    assert headers == ["Nume", "Oraș"]
    assert rows == [(2, {"nume": "Ţesătoria\r\nBraşov", "oraș": "Brașov"})]
