"""Mapping documents: precise errors with the YAML path and line; values and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from traseu.core.errors import InvalidInput
from traseu.imports.mapping import load_mapping_text, load_preset, preset_names
from traseu.imports.reading import SourceRow
from traseu.imports.values import CellError, Cells
from traseu.process.errors import ProcessDocumentError


def _problems(text: str) -> list[tuple[str, int, str]]:
    with pytest.raises(ProcessDocumentError) as caught:
        load_mapping_text(text, file="m.yaml")
    return [(p.path, p.line, p.message) for p in caught.value.problems]


def test_every_preset_loads() -> None:
    assert preset_names() == {
        "salesforce": ("accounts", "contacts", "deal-history", "deals"),
        "hubspot": ("deals",),
        "pipedrive": ("deals",),
    }
    for name, kinds in preset_names().items():
        for kind in kinds:
            assert load_preset(name, kind).kind == kind


def test_unknown_preset_or_kind() -> None:
    with pytest.raises(InvalidInput, match="No preset 'zoho'"):
        load_preset("zoho", "deals")
    with pytest.raises(InvalidInput, match="no mapping for products"):
        load_preset("hubspot", "products")


def test_errors_name_the_path_and_the_line() -> None:
    text = (
        "kind: deals\n"
        "columns:\n"
        "  title: Name\n"
        "  stage: Stage\n"
        "  colour: Colour\n"
        "dates:\n"
        "  formats: ['%d/%m/%Y', 'dd.mm.yyyy']\n"
        "custom:\n"
        "  - {column: Segment, key: Segment, type: choice}\n"
    )
    problems = _problems(text)
    paths = {path: (line, message) for path, line, message in problems}
    assert paths["dates.formats"][0] == 7
    assert "dd.mm.yyyy" in paths["dates.formats"][1]
    assert paths["custom[0].key"][0] == 9
    assert paths["columns"][0] == 2
    assert "colour" in paths["columns"][1]


def test_yaml_syntax_and_wrong_kind() -> None:
    assert _problems("kind: [deals\n")[0][2].startswith("invalid YAML")
    problems = _problems("kind: invoices\ncolumns: {}\n")
    assert problems[0][0] == "kind"
    assert problems[0][1] == 1


def _cells(text: str, values: dict[str, object]) -> Cells:
    return Cells(load_mapping_text(text), SourceRow(2, values))


def test_dates_tried_in_order_and_decimals_with_comma() -> None:
    cells = _cells(
        "kind: accounts\ncolumns: {name: N, annual_revenue: R}\n"
        "dates: {formats: ['%d.%m.%Y', '%d/%m/%Y'], timezone: UTC}\ndecimals: {decimal: ','}\n",
        {"n": "A", "r": "1.234,56 lei"},
    )
    assert cells.amount("annual_revenue") == Decimal("1234.56")
    from traseu.imports.values import parse_moment

    assert parse_moment(cells, "x", "31.01.2025") == dt.datetime(2025, 1, 31, tzinfo=dt.UTC)
    assert parse_moment(cells, "x", "31/01/2025").day == 31
    assert parse_moment(cells, "x", "2025-01-31T08:00:00.000Z").hour == 8  # ISO always works
    with pytest.raises(CellError) as caught:
        parse_moment(cells, "x", "01-31-2025")
    assert caught.value.code == "date"


def test_us_amounts_and_case_insensitive_choices() -> None:
    cells = _cells(
        "kind: accounts\ncolumns:\n  name: N\n  annual_revenue: R\n"
        "  industry: {column: I, transforms: [trim], values: {'it services': IT}}\n"
        "custom:\n  - {column: Tier, key: tier, type: choice, choices: {Gold: gold}}\n"
        "  - {column: Seats, key: seats, type: number}\n",
        {"n": "A", "r": "$1,234.50", "i": "  IT Services ", "tier": " GOLD", "seats": "12"},
    )
    assert cells.amount("annual_revenue") == Decimal("1234.50")
    assert cells.text("industry") == "IT"
    assert cells.custom() == {"tier": "gold", "seats": 12}
    bad = _cells(
        "kind: accounts\ncolumns: {name: N}\ncustom:\n"
        "  - {column: Tier, key: tier, type: choice, choices: {Gold: gold}}\n",
        {"n": "A", "tier": "Platinum"},
    )
    with pytest.raises(CellError) as caught:
        bad.custom()
    assert (caught.value.column, caught.value.value, caught.value.code) == (
        "Tier",
        "Platinum",
        "unknown_choice",
    )
