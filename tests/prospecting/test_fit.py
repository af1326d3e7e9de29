"""Fit scores are stored per account and profile and kept current: when an account is created or
changed through the CRM's services, when a profile is applied or changed, and in bulk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.prospecting.conftest import SOFTWARE_SMB
from traseu.core.errors import PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Account
from traseu.crm.services import account_update
from traseu.process.errors import ProcessDocumentError
from traseu.prospecting.fit import fits_recompute, icp_apply_text
from traseu.prospecting.models import AccountFit, AccountKey, IdealCustomerProfile

pytestmark = pytest.mark.django_db
MakeAccount = Callable[..., Account]


def fit_of(account: Account, profile: IdealCustomerProfile) -> AccountFit:
    return AccountFit.objects.get(account=account, profile=profile)


def test_a_new_account_is_scored_against_every_profile(
    software_smb: IdealCustomerProfile, make_account: MakeAccount
) -> None:
    account = make_account(
        "Nod Software SRL",
        domain="https://www.nod.ro/",
        industry="Software",
        employees=120,
        annual_revenue="2500000",
        country="ro",
        custom={"tags": ["b2b"]},
    )

    fit = fit_of(account, software_smb)

    assert fit.score == 100
    assert fit.digest == software_smb.digest
    assert [(c["key"], c["matched"], c["points"]) for c in fit.explanation] == [
        ("industry", True, 30.0),
        ("size", True, 25.0),
        ("revenue", True, 15.0),
        ("region", True, 20.0),
        ("tags", True, 5.0),
        ("new_logo", True, 5.0),
    ]
    key = AccountKey.objects.get(account=account)
    assert (key.domain, key.name_key) == ("nod.ro", "nod software")


def test_changing_the_account_changes_its_score_and_says_why(
    software_smb: IdealCustomerProfile, make_account: MakeAccount, people: dict[str, User]
) -> None:
    account = make_account("Nod", industry="Software", employees=120, country="RO")
    assert fit_of(account, software_smb).score == 80  # no revenue (15), no tags (5)

    account_update(
        account_id=account.pk,
        acting_user=people["rep"],
        changes={"employees": 5000, "is_customer": True, "name": "Nod Group"},
    )

    fit = fit_of(account, software_smb)
    assert fit.score == 50  # size and "not a customer yet" lost: 80 - 25 - 5
    unmet = [(c["key"], c["value"]) for c in fit.explanation if not c["matched"]]
    assert unmet == [("size", 5000), ("revenue", None), ("tags", None), ("new_logo", True)]
    assert AccountKey.objects.get(account=account).name_key == "nod group"
    assert AccountFit.objects.filter(account=account).count() == 1


def test_applying_a_profile_scores_the_existing_accounts(
    db: None, make_account: MakeAccount
) -> None:
    retail = make_account("Shop", industry="Retail", country="RO")
    software = make_account("Code", industry="SaaS", country="DE")
    assert AccountFit.objects.count() == 0, "no profile yet"

    result = icp_apply_text(text=SOFTWARE_SMB.read_text(encoding="utf-8"))

    assert (result.created, result.changed) == (True, True)
    assert result.report is not None
    assert result.report.accounts == 2
    assert fit_of(retail, result.profile).score == 25  # region 20 + not a customer 5
    assert fit_of(software, result.profile).score == 35  # industry 30 + not a customer 5


def test_a_changed_profile_rescores_and_an_unchanged_one_does_nothing(
    software_smb: IdealCustomerProfile, make_account: MakeAccount
) -> None:
    account = make_account("Shop", industry="Retail", country="RO")
    text = SOFTWARE_SMB.read_text(encoding="utf-8")

    again = icp_apply_text(text="# same meaning\n" + text)
    assert (again.changed, again.profile.version) == (False, 1)

    changed = icp_apply_text(text=text.replace("in: [Software, IT services, SaaS]", "in: [Retail]"))

    assert (changed.changed, changed.profile.version) == (True, 2)
    fit = fit_of(account, software_smb)
    assert fit.score == 55  # industry 30 + region 20 + not a customer 5
    assert fit.digest == changed.profile.digest


def test_a_bad_profile_is_refused_with_its_lines_and_stores_nothing(db: None) -> None:
    text = SOFTWARE_SMB.read_text(encoding="utf-8").replace("between: [20, 500]", "between: 20")
    with pytest.raises(ProcessDocumentError) as caught:
        icp_apply_text(text=text, file="bad.yaml")
    [problem] = caught.value.problems
    line = text.splitlines().index("    between: 20") + 1
    assert str(problem) == (
        f"bad.yaml:{line}: criteria[1].between: 'between' needs [low, high] "
        "(numbers; null for no bound) [invalid_value]"
    )
    assert IdealCustomerProfile.objects.count() == 0


def test_only_managers_apply_profiles(people: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        icp_apply_text(text=SOFTWARE_SMB.read_text(encoding="utf-8"), acting_user=people["rep"])
    result = icp_apply_text(
        text=SOFTWARE_SMB.read_text(encoding="utf-8"), acting_user=people["manager"]
    )
    assert result.profile.updated_by == people["manager"]


def test_the_batch_recompute_catches_accounts_written_around_the_services(
    software_smb: IdealCustomerProfile,
) -> None:
    """Accounts created with the ORM (an import, the admin) get keys and fits in one run, in
    a number of queries that depends on the chunks, not on the accounts."""
    Account.objects.bulk_create(
        [Account(name=f"Firm {n} SRL", industry="Software", country="RO") for n in range(30)]
    )

    with CaptureQueriesContext(connection) as queries:
        report = fits_recompute(chunk_size=10)

    assert (report.accounts, report.fits) == (30, 30)
    assert AccountFit.objects.filter(profile=software_smb, score=55).count() == 30
    assert AccountKey.objects.filter(name_key__startswith="firm ").count() == 30
    assert len(queries) <= 30, "a few queries per chunk of 10"


def test_the_batch_recompute_of_one_profile_leaves_the_others(
    software_smb: IdealCustomerProfile, make_account: MakeAccount
) -> None:
    account = make_account("Shop", industry="Retail", country="RO")
    other = icp_apply_text(
        text="icp: ro\nname: Romania\ncriteria:\n  - {attribute: country, in: [RO]}\n"
    ).profile
    AccountFit.objects.filter(profile=software_smb).update(score=0)

    report = fits_recompute(profile=other)

    assert report.fits == 1
    assert fit_of(account, software_smb).score == 0, "not recomputed"
    assert fit_of(account, other).score == 100
