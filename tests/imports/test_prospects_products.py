"""Prospects go through prospecting's bulk path; products through the sales services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traseu.core.errors import InvalidInput, PermissionDenied
from traseu.prospecting.models import Prospect, ProspectList
from traseu.sales.models import Product

from .conftest import Importer, table_counts


def test_prospects_into_a_named_list_deduplicated(run: Importer) -> None:
    result = run(
        "prospects",
        "generic/prospects.csv",
        mapping="generic/prospects.yaml",
        list_name="Romania 2025",
        skip_invalid=True,
    )
    assert [(e.row, e.column, e.value) for e in result.errors] == [(5, "Angajati", "many")]
    assert result.counts["created"] == 3
    assert result.counts["unchanged"] == 1  # the same company spelled differently
    prospects = ProspectList.objects.get(name="Romania 2025").prospects.all()
    assert prospects.count() == 3
    ioana = Prospect.objects.get(domain="brutaria-ionescu.ro")
    assert (ioana.contact_first_name, ioana.contact_last_name) == ("Ioana", "Ionescu")
    assert ioana.contact_phone == "0721000111"
    assert ioana.country == "RO"
    assert ioana.custom == {"city": "Brașov"}
    again = run(
        "prospects",
        "generic/prospects.csv",
        mapping="generic/prospects.yaml",
        list_name="romania 2025",
        skip_invalid=True,
    )
    assert again.counts["created"] == 0
    assert ProspectList.objects.count() == 1
    assert Prospect.objects.count() == 3


def test_prospects_need_a_list_and_a_dry_run_changes_nothing(run: Importer) -> None:
    with pytest.raises(InvalidInput, match="--list"):
        run("prospects", "generic/prospects.csv", mapping="generic/prospects.yaml")
    before = table_counts()
    result = run(
        "prospects",
        "generic/prospects.csv",
        mapping="generic/prospects.yaml",
        list_name="Dry",
        skip_invalid=True,
        dry_run=True,
    )
    assert result.counts["created"] == 3
    assert table_counts() == before
    assert not ProspectList.objects.exists()


def test_products_with_comma_decimals_and_yes_no_in_romanian(run: Importer) -> None:
    result = run(
        "products", "generic/products.csv", mapping="generic/products.yaml", skip_invalid=True
    )
    assert [(e.row, e.column, e.code) for e in result.errors] == [(5, "Pret unitar", "unit_price")]
    assert result.counts["created"] == 3
    basic = Product.objects.get(code="CRM-BASIC")
    assert (basic.unit_price, basic.currency, basic.active) == (Decimal("1234.50"), "RON", True)
    assert Product.objects.get(code="CRM-PRO").unit_price == Decimal("2500")
    training = Product.objects.get(code="TRAIN-1D")
    assert (training.unit_price, training.active) == (Decimal("900"), False)
    again = run(
        "products", "generic/products.csv", mapping="generic/products.yaml", skip_invalid=True
    )
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 1}


def test_only_catalogue_managers_import_products(run: Importer) -> None:
    with pytest.raises(PermissionDenied):
        run("products", "generic/products.csv", mapping="generic/products.yaml", user="rep")
    assert not Product.objects.exists()
