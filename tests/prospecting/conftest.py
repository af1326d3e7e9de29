"""Fixtures for prospecting: the shipped software profile applied, a list of team A's rep, and a
way to create accounts through the CRM's services (which keep fits and keys current)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from traseu.core.models import User
from traseu.crm.models import Account
from traseu.crm.services import account_create
from traseu.process import icp
from traseu.prospecting.fit import icp_apply_file
from traseu.prospecting.models import IdealCustomerProfile, ProspectList
from traseu.prospecting.services import prospect_list_create

SOFTWARE_SMB = icp.DOCUMENTS / "software-smb.yaml"


@pytest.fixture
def software_smb(db: None) -> IdealCustomerProfile:
    return icp_apply_file(path=SOFTWARE_SMB).profile


@pytest.fixture
def plist(people: dict[str, User], software_smb: IdealCustomerProfile) -> ProspectList:
    return prospect_list_create(
        name="CEE software", profile=software_smb, acting_user=people["rep"]
    )


@pytest.fixture
def make_account(people: dict[str, User]) -> Callable[..., Account]:
    def make(name: str, **values: Any) -> Account:
        return account_create(acting_user=people["rep"], name=name, **values)

    return make
