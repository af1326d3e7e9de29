"""Refreshing fits once per batch (``fits_deferred``) stores what refreshing each account as it
is written stores: the same fit rows and explanations, keys, prospect links and scores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from traseu.core.models import User
from traseu.crm.models import Account
from traseu.crm.services import account_update
from traseu.prospecting.fit import fits_deferred, icp_apply_text
from traseu.prospecting.models import AccountFit, AccountKey, Prospect, ProspectList
from traseu.prospecting.services import prospect_add

pytestmark = pytest.mark.django_db
MakeAccount = Callable[..., Account]
TINY = """traseu: 1
icp: tiny
name: Tiny companies
criteria:
  - {key: small, attribute: employees, between: [1, 50], weight: 10}
"""


class _Undo(Exception):
    """Rolls a scenario back so the other path starts from the same database."""


def _snapshot() -> dict[str, Any]:
    fits = AccountFit.objects.values_list(
        "account__name", "profile__key", "score", "explanation", "digest"
    )
    prospects = Prospect.objects.values_list(
        "company_name", "account__name", "matched_by", "fit_score", "fit_explanation"
    )
    keys = AccountKey.objects.values_list("account__name", "domain", "name_key")
    return {
        "fits": sorted(fits, key=str),
        "prospects": sorted(prospects, key=str),
        "keys": sorted(keys),
    }


def _scenario(make_account: MakeAccount, user: User) -> None:
    # "Nod Software" is recognised by name by the first account and by domain by the second:
    # refreshed in order, the first one links it.
    by_name = make_account("Nod Software SRL", domain="other.ro", employees=30, industry="SaaS")
    make_account("Alt Nume SA", domain="nod.ro", employees=500, country="RO")
    linked = make_account("Cetate Soft", domain="cetate.ro", industry="Software")
    account_update(
        account_id=by_name.pk, acting_user=user, changes={"employees": 300, "country": "RO"}
    )
    account_update(account_id=linked.pk, acting_user=user, changes={"employees": 40})


def _run(make_account: MakeAccount, user: User, wrap: Callable[[], Any] | None) -> dict[str, Any]:
    try:
        with transaction.atomic():
            if wrap is None:
                _scenario(make_account, user)
            else:
                with wrap():
                    _scenario(make_account, user)
            snapshot = _snapshot()
            raise _Undo
    except _Undo:
        pass
    return snapshot


def test_a_deferred_refresh_stores_what_one_at_a_time_stores(
    plist: ProspectList, make_account: MakeAccount, people: dict[str, User]
) -> None:
    icp_apply_text(text=TINY)
    prospect_add(
        prospect_list=plist, acting_user=None, company_name="Nod Software", domain="nod.ro"
    )
    prospect_add(prospect_list=plist, acting_user=None, company_name="Cetate Soft")
    prospect_add(prospect_list=plist, acting_user=None, company_name="Nobody Else")

    one_at_a_time = _run(make_account, people["rep"], None)
    deferred = _run(make_account, people["rep"], fits_deferred)

    assert deferred == one_at_a_time
    assert len(one_at_a_time["fits"]) == 6, "three accounts, two profiles"
    links = {name: (account, how) for name, account, how, *_ in one_at_a_time["prospects"]}
    assert links["Nod Software"] == ("Nod Software SRL", "name")
    assert links["Cetate Soft"] == ("Cetate Soft", "name")
    assert links["Nobody Else"] == (None, "")


def test_a_deferred_batch_takes_a_few_queries_whatever_its_size(
    plist: ProspectList, make_account: MakeAccount
) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as refresh, fits_deferred():
        accounts = [make_account(f"Alta {n}", domain=f"alta{n}.ro") for n in range(10)]
        assert not AccountFit.objects.exists(), "not scored yet"
        during = len(refresh.captured_queries)
    assert AccountFit.objects.count() == 10
    assert len(refresh.captured_queries) - during <= 10, "the refresh itself: one pass"
    assert {fit.account_id for fit in AccountFit.objects.filter(account__in=accounts)} == {
        account.pk for account in accounts
    }


def test_nothing_is_refreshed_when_the_block_fails(
    software_smb: object, make_account: MakeAccount
) -> None:
    def failing_batch() -> None:
        with transaction.atomic(), fits_deferred():
            make_account("Nod Software SRL", domain="nod.ro")
            raise RuntimeError("the batch fails")

    with pytest.raises(RuntimeError):
        failing_batch()

    assert not Account.objects.exists()
    assert not AccountFit.objects.exists()
