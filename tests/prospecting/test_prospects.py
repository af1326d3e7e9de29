"""Prospects: added once per list, recognised as existing accounts, scored against the list's
profile, disqualified with a reason, and converted (one or in bulk) into accounts, contacts and
deals in the first stage of a process, each in its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import FakeClock
from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Account, Activity, Contact, Deal, DealContact, StageChange
from traseu.processes.models import ProcessVersion
from traseu.prospecting import conversion
from traseu.prospecting.conversion import prospects_convert
from traseu.prospecting.models import IdealCustomerProfile, Prospect, ProspectList
from traseu.prospecting.selectors import prospect_list_for
from traseu.prospecting.services import (
    prospect_add,
    prospect_list_create,
    prospect_list_set_profile,
    prospect_set_status,
)

pytestmark = pytest.mark.django_db
MakeAccount = Callable[..., Account]


def add(plist: ProspectList, user: User | None = None, **values: Any) -> Prospect:
    return prospect_add(prospect_list=plist, acting_user=user, **values).prospect


# --- adding ------------------------------------------------------------------------------------


def test_a_prospect_is_cleaned_and_scored_against_the_lists_profile(
    plist: ProspectList, people: dict[str, User]
) -> None:
    result = prospect_add(
        prospect_list=plist,
        acting_user=people["rep"],
        company_name="  Nod Software SRL ",
        domain="HTTPS://www.Nod.ro/about",
        industry="software",
        employees="120",
        annual_revenue="2,5e6".replace(",", "."),
        country="ro",
        contact_first_name="Ana",
        contact_last_name="Pop",
        contact_email="Ana.Pop@Nod.ro",
        source="conference",
        custom={"tags": "b2b"},
    )

    prospect = result.prospect
    assert result.created
    assert (prospect.company_name, prospect.domain, prospect.country) == (
        "Nod Software SRL",
        "nod.ro",
        "RO",
    )
    assert (prospect.employees, str(prospect.annual_revenue)) == (120, "2500000.00")
    assert (prospect.contact_email, prospect.status, prospect.name_key) == (
        "ana.pop@nod.ro",
        "new",
        "nod software",
    )
    assert prospect.fit_score == 100
    assert [item["key"] for item in prospect.fit_explanation if item["matched"]] == [
        "industry",
        "size",
        "revenue",
        "region",
        "tags",
        "new_logo",
    ]


def test_the_domain_comes_from_the_contacts_email_unless_a_public_one(plist: ProspectList) -> None:
    assert add(plist, company_name="Nod", contact_email="ana@nod.ro").domain == "nod.ro"
    assert add(plist, company_name="Other", contact_email="x@gmail.com").domain == ""
    assert add(plist, domain="www.named-after.ro").company_name == "named-after.ro"


@pytest.mark.parametrize(
    "second",
    [
        {"company_name": "Nod Software", "domain": "www.nod.ro"},
        {"company_name": "Totally different name", "domain": "https://NOD.ro/contact"},
        {"company_name": "Nod", "contact_email": "someone@nod.ro"},
    ],
    ids=["www", "other-name-same-domain", "email-domain"],
)
def test_a_company_is_on_a_list_once_by_domain(plist: ProspectList, second: dict[str, str]) -> None:
    first = add(plist, company_name="Nod Software SRL", domain="nod.ro")

    result = prospect_add(prospect_list=plist, acting_user=None, **second)

    assert (result.created, result.prospect.pk) == (False, first.pk)
    assert Prospect.objects.count() == 1


def test_names_and_domains_longer_than_their_columns_are_refused_or_keyed_in_full(
    plist: ProspectList,
) -> None:
    """``&`` grows into `` and ``: a 200-character name must still give a storable key, and a
    domain (given, or taken from the e-mail) longer than its column is a clear error."""
    ampersands = add(plist, company_name="&a" * 100)
    assert len(ampersands.company_name) == 200
    assert len(ampersands.name_key) <= 200
    assert ampersands.name_key.startswith("and a and a")
    long_domain = "d" * 60 + "." + "e" * 60 + "." + "f" * 60 + "." + "g" * 30 + ".ro"
    with pytest.raises(InvalidInput) as refused:
        add(plist, company_name="Long", contact_email=f"ana@{long_domain}")
    assert refused.value.details == {"field": "contact_email"}
    with pytest.raises(InvalidInput) as refused:
        add(plist, company_name="Long", domain=long_domain)
    assert refused.value.details == {"field": "domain"}
    assert Prospect.objects.count() == 1


def test_without_a_domain_the_normalised_name_dedupes(plist: ProspectList) -> None:
    first = add(plist, company_name="S.C. Brutăria Ionescu S.R.L.")
    again = prospect_add(prospect_list=plist, acting_user=None, company_name="BRUTARIA IONESCU")
    assert (again.created, again.prospect.pk) == (False, first.pk)


def test_the_same_company_may_be_on_two_lists(plist: ProspectList, people: dict[str, User]) -> None:
    other = prospect_list_create(name="Other", acting_user=people["rep"])
    add(plist, company_name="Nod", domain="nod.ro")
    assert prospect_add(prospect_list=other, acting_user=None, company_name="Nod").created


def test_an_importer_finds_its_row_again_by_external_id(plist: ProspectList) -> None:
    first = add(plist, company_name="Nod", external_id="crm-17")
    again = prospect_add(
        prospect_list=plist, acting_user=None, company_name="Renamed", external_id="crm-17"
    )
    assert (again.created, again.prospect.pk) == (False, first.pk)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "company_name", "A prospect needs a company name."),
        ({"company_name": "X", "country": "Romania"}, "country", "Country 'Romania' is not"),
        ({"company_name": "X", "contact_email": "ana@"}, "contact_email", "'ana@' is not an"),
        ({"company_name": "X", "employees": "-3"}, "employees", "employees must be a whole"),
        ({"company_name": "X", "employees": "12.5"}, "employees", "employees must be a whole"),
        ({"company_name": "X", "annual_revenue": "lots"}, "annual_revenue", "annual_revenue must"),
        ({"company_name": "X", "colour": "red"}, None, "Unknown prospect fields: colour."),
        ({"company_name": "X" * 201}, "company_name", "company_name is longer than 200"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_stores_nothing(
    plist: ProspectList, values: dict[str, str], field: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        prospect_add(prospect_list=plist, acting_user=None, **values)
    assert caught.value.message.startswith(message)
    assert caught.value.details.get("field") == field
    assert Prospect.objects.count() == 0


def test_a_read_only_user_adds_nothing(plist: ProspectList, people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        prospect_add(prospect_list=plist, acting_user=people["viewer"], company_name="X")
    assert Prospect.objects.count() == 0


# --- recognising existing accounts -------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "matched_by"),
    [
        ({"company_name": "Anything", "domain": "WWW.ACME.RO"}, "domain"),
        ({"company_name": "Anything", "domain": "https://acme.ro/ro/contact"}, "domain"),
        ({"company_name": "Anything", "contact_email": "ion@acme.ro"}, "domain"),
        ({"company_name": "ACME Distribuție S.R.L."}, "name"),
        ({"company_name": "acme distributie"}, "name"),
        ({"company_name": "S.C. Acme Distribuţie SA"}, "name"),
        ({"company_name": "Acme Distributie Ltd."}, "name"),
    ],
)
def test_an_existing_account_is_recognised_by_domain_then_by_name(
    plist: ProspectList, make_account: MakeAccount, values: dict[str, str], matched_by: str
) -> None:
    acme = make_account("Acme Distribuție SRL", domain="acme.ro", is_customer=True)
    make_account("Acme Logistics SRL", domain="acme-logistics.ro")

    prospect = add(plist, **values)

    assert (prospect.account_id, prospect.matched_by) == (acme.pk, matched_by)
    assert any(i["key"] == "new_logo" and i["value"] is True for i in prospect.fit_explanation), (
        "scored with the account's values: it is a customer"
    )


def test_a_different_domain_and_name_is_a_new_company(
    plist: ProspectList, make_account: MakeAccount
) -> None:
    make_account("Acme Distribuție SRL", domain="acme.ro")
    prospect = add(plist, company_name="Acme Logistics", domain="acme-logistics.com")
    assert (prospect.account_id, prospect.matched_by) == (None, "")


def test_a_prospect_is_recognised_when_its_account_is_created_later(
    plist: ProspectList, make_account: MakeAccount
) -> None:
    prospect = add(plist, company_name="Nod Software", industry="Software", country="RO")
    assert prospect.account_id is None
    assert prospect.fit_score == 55

    account = make_account("NOD SOFTWARE S.R.L.", employees=80, is_customer=True)

    prospect.refresh_from_db()
    assert (prospect.account_id, prospect.matched_by) == (account.pk, "name")
    assert prospect.fit_score == 75, "now with the account's size, and it is a customer: 55+25-5"


# --- status ------------------------------------------------------------------------------------


def test_a_prospect_is_disqualified_with_a_reason(
    plist: ProspectList, people: dict[str, User]
) -> None:
    prospect = add(plist, company_name="Nod")
    with pytest.raises(InvalidInput) as caught:
        prospect_set_status(prospect=prospect, status="disqualified", acting_user=people["rep"])
    assert caught.value.details == {"field": "reason"}

    prospect_set_status(
        prospect=prospect, status="disqualified", reason=" no budget ", acting_user=people["rep"]
    )
    prospect.refresh_from_db()
    assert (prospect.status, prospect.disqualified_reason) == ("disqualified", "no budget")

    prospect_set_status(prospect=prospect, status="researching", acting_user=people["rep"])
    prospect.refresh_from_db()
    assert (prospect.status, prospect.disqualified_reason) == ("researching", "")


def test_a_status_is_one_of_the_three_a_person_sets(
    plist: ProspectList, people: dict[str, User]
) -> None:
    prospect = add(plist, company_name="Nod")
    with pytest.raises(InvalidInput, match="Unknown prospect status 'converted'"):
        prospect_set_status(prospect=prospect, status="converted", acting_user=people["rep"])


def test_changing_the_lists_profile_rescores_it(
    plist: ProspectList, people: dict[str, User]
) -> None:
    prospect = add(plist, company_name="Nod", industry="Software")
    prospect_list_set_profile(prospect_list=plist, profile=None, acting_user=people["rep"])
    prospect.refresh_from_db()
    assert (prospect.fit_score, prospect.fit_explanation) == (None, [])


# --- converting --------------------------------------------------------------------------------


@pytest.fixture
def three(plist: ProspectList, make_account: MakeAccount) -> list[Prospect]:
    existing = make_account("Acme SRL", domain="acme.ro", is_customer=True)
    Contact.objects.create(account=existing, last_name="Ionescu", email="ion@acme.ro")
    return [
        add(
            plist,
            company_name="Nod Software",
            domain="nod.ro",
            industry="Software",
            country="RO",
            contact_first_name="Ana",
            contact_last_name="Pop",
            contact_email="ana@nod.ro",
            contact_title="CTO",
            source="conference",
        ),
        add(
            plist,
            company_name="ACME S.A.",
            contact_last_name="Ionescu",
            contact_email="ion@acme.ro",
        ),
        add(plist, company_name="Brutăria Ionescu"),
    ]


def test_bulk_convert_creates_deals_in_the_first_stage_with_their_tasks(
    plist: ProspectList,
    three: list[Prospect],
    route: ProcessVersion,
    people: dict[str, User],
    clock: FakeClock,
) -> None:
    nod, acme, bakery = three
    accounts_before = Account.objects.count()

    report = prospects_convert(
        prospect_list=plist,
        prospect_ids=[p.pk for p in three],
        process_version=route,
        acting_user=people["rep"],
        clock=clock,
    )

    assert report.failed == []
    assert [(c.prospect_id, c.account_created) for c in report.converted] == [
        (nod.pk, True),
        (acme.pk, False),
        (bakery.pk, True),
    ]
    assert Account.objects.count() == accounts_before + 2
    deals = {d.pk: d for d in Deal.objects.all()}
    assert len(deals) == 3
    for converted in report.converted:
        deal = deals[converted.deal_id]
        assert (deal.stage, deal.status, deal.owner, deal.process_version) == (
            "prospecting",
            "open",
            people["rep"],
            route,
        )
        assert deal.account_id == converted.account_id
        tasks = Activity.objects.filter(deal=deal, stage="prospecting", template="research")
        assert tasks.count() == 1, "the first stage's task, through the normal machinery"
        assert StageChange.objects.filter(deal=deal, kind="created").count() == 1
    nod.refresh_from_db()
    assert (nod.status, nod.converted_at, nod.deal_id) == (
        "converted",
        clock(),
        report.converted[0].deal_id,
    )
    nod_account = Account.objects.get(pk=nod.account_id)
    assert (nod_account.name, nod_account.domain, nod_account.industry) == (
        "Nod Software",
        "nod.ro",
        "Software",
    )
    assert deals[nod.deal_id].source == "conference"
    contact = DealContact.objects.get(deal_id=nod.deal_id).contact
    assert (contact.first_name, contact.last_name, contact.job_title) == ("Ana", "Pop", "CTO")
    acme.refresh_from_db()
    assert DealContact.objects.get(deal_id=acme.deal_id).contact.email == "ion@acme.ro"
    assert Contact.objects.filter(email="ion@acme.ro").count() == 1, "the existing contact"
    assert not DealContact.objects.filter(deal_id=report.converted[2].deal_id).exists()


def test_a_bad_prospect_is_reported_and_the_others_are_converted(
    plist: ProspectList,
    three: list[Prospect],
    route: ProcessVersion,
    people: dict[str, User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The bakery fails after its account was created: its account goes too; the others stay."""
    nod, acme, bakery = three
    prospect_set_status(
        prospect=acme, status="disqualified", reason="no", acting_user=people["rep"]
    )
    other_list = prospect_list_create(name="Theirs", acting_user=people["rep_b"])
    foreign = add(other_list, company_name="Foreign")
    real_deal_create = conversion.deal_create

    def failing_deal_create(**kwargs: Any) -> Deal:
        if kwargs["account"].name == "Brutăria Ionescu":
            raise InvalidInput("The bakery is closed.")
        return real_deal_create(**kwargs)

    monkeypatch.setattr(conversion, "deal_create", failing_deal_create)
    accounts_before = Account.objects.count()

    report = prospects_convert(
        prospect_list=plist,
        prospect_ids=[bakery.pk, nod.pk, acme.pk, foreign.pk, 999_999],
        process_version=route,
        acting_user=people["rep"],
    )

    assert [c.prospect_id for c in report.converted] == [nod.pk]
    assert [(f.prospect_id, f.company, f.code) for f in report.failed] == [
        (bakery.pk, "Brutăria Ionescu", "invalid"),
        (acme.pk, "ACME S.A.", "prospect_disqualified"),
        (foreign.pk, "", "prospect_not_found"),
        (999_999, "", "prospect_not_found"),
    ]
    assert report.failed[0].message == "The bakery is closed."
    assert Account.objects.count() == accounts_before + 1, "only Nod's account"
    assert not Account.objects.filter(name="Brutăria Ionescu").exists()
    bakery.refresh_from_db()
    foreign.refresh_from_db()
    assert (bakery.status, bakery.account_id, bakery.deal_id) == ("new", None, None)
    assert foreign.status == "new"
    assert Deal.objects.count() == 1


def test_a_converted_prospect_is_not_converted_twice(
    plist: ProspectList, three: list[Prospect], route: ProcessVersion, people: dict[str, User]
) -> None:
    nod = three[0]
    first = prospects_convert(
        prospect_list=plist, prospect_ids=[nod.pk], process_version=route, acting_user=people["rep"]
    )
    second = prospects_convert(
        prospect_list=plist,
        prospect_ids=[nod.pk, nod.pk],
        process_version=route,
        acting_user=people["rep"],
    )
    assert len(first.converted) == 1
    assert second.converted == []
    assert [f.code for f in second.failed] == ["prospect_converted"], "asked twice, tried once"
    assert Deal.objects.count() == 1


def test_a_reader_converts_nothing(
    plist: ProspectList, three: list[Prospect], route: ProcessVersion, people: dict[str, User]
) -> None:
    with pytest.raises(PermissionDenied):
        prospects_convert(
            prospect_list=plist,
            prospect_ids=[three[0].pk],
            process_version=route,
            acting_user=people["viewer"],
        )
    assert Deal.objects.count() == 0


# --- access ------------------------------------------------------------------------------------


def test_another_teams_list_is_not_found(
    plist: ProspectList, people: dict[str, User], software_smb: IdealCustomerProfile
) -> None:
    assert prospect_list_for(people["rep2"], plist.pk) == plist, "same team"
    with pytest.raises(NotFound) as caught:
        prospect_list_for(people["rep_b"], plist.pk)
    assert caught.value.code == "prospect_list_not_found"
    with pytest.raises(NotFound):
        prospect_list_for(people["rep_b"], 999_999)
