"""Recognising one company under several spellings: names and e-mail domains (pure)."""

from __future__ import annotations

import pytest

from traseu.crm.services import normalise_domain
from traseu.prospecting.names import dedupe_key, email_domain, normalise_name


@pytest.mark.parametrize(
    "spelling",
    [
        "Brutăria Ionescu",
        "BRUTARIA IONESCU SRL",
        "S.C. Brutăria Ionescu S.R.L.",
        "SC Brutaria Ionescu SRL-D",
        "brutăria  ionescu, s.r.l.",
        "Brutăria Ionescu S.A.",
        "Brutăria-Ionescu",
    ],
)
def test_legal_forms_case_punctuation_and_diacritics_do_not_matter(spelling: str) -> None:
    assert normalise_name(spelling) == "brutaria ionescu"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme, Inc.", "acme"),
        ("ACME Ltd", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Acme Corporation", "acme"),
        ("Ştiinţa S.A.", "stiinta"),  # cedilla and comma-below letters are one letter
        ("Știința SA", "stiinta"),
        ("O'Brien & Sons Ltd", "obrien and sons"),
        ("Müller Bau GmbH", "muller bau"),
        ("SRL", "srl"),  # a name that is only a legal form keeps it
        ("Johnson & Johnson", "johnson and johnson"),
    ],
)
def test_names_normalise(name: str, key: str) -> None:
    assert normalise_name(name) == key


def test_different_companies_stay_different() -> None:
    assert normalise_name("Acme Software SRL") != normalise_name("Acme Logistics SRL")


@pytest.mark.parametrize(
    "raw", ["acme.ro", "ACME.RO", "www.acme.ro", "https://www.Acme.ro/contact?x=1", "acme.ro."]
)
def test_domain_variants_are_one_domain(raw: str) -> None:
    assert normalise_domain(raw) == "acme.ro"


def test_the_domain_of_an_email_unless_a_public_provider() -> None:
    assert email_domain("Ana.Pop@Acme.ro") == "acme.ro"
    assert email_domain("ana@gmail.com") == ""
    assert email_domain("not an address") == ""


def test_the_dedupe_key_prefers_the_domain() -> None:
    assert dedupe_key(domain="acme.ro", name_key="acme") == "d:acme.ro"
    assert dedupe_key(domain="", name_key="acme") == "n:acme"
