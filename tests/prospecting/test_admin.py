"""The ICP is edited in the admin as YAML: checked with every problem's line, then applied (the
accounts are rescored) through the same service as the command line."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.prospecting.conftest import SOFTWARE_SMB
from traseu.core.models import Role, User
from traseu.crm.models import Account
from traseu.prospecting.models import AccountFit, IdealCustomerProfile

pytestmark = pytest.mark.django_db
ADD = "/admin/prospecting/idealcustomerprofile/add/"


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("boss", password=None, role=Role.ADMIN))
    return client


def test_a_profile_added_in_the_admin_is_applied_and_scores_accounts(admin_client: Client) -> None:
    Account.objects.create(name="Nod", industry="Software", country="RO")
    text = SOFTWARE_SMB.read_text(encoding="utf-8")

    response = admin_client.post(ADD, {"source": text})

    assert response.status_code == 302
    profile = IdealCustomerProfile.objects.get()
    assert (profile.key, profile.version, profile.updated_by.username) == (  # type: ignore[union-attr]
        "software-smb",
        1,
        "boss",
    )
    assert AccountFit.objects.get().score == 55

    change = f"/admin/prospecting/idealcustomerprofile/{profile.pk}/change/"
    edited = text.replace("in: [Software, IT services, SaaS]", "in: [Retail]")
    assert admin_client.post(change, {"source": edited}).status_code == 302
    profile.refresh_from_db()
    assert profile.version == 2
    assert AccountFit.objects.get().score == 25


def test_a_bad_profile_shows_each_problem_with_its_line_and_stores_nothing(
    admin_client: Client,
) -> None:
    text = "icp: x\nname: X\ncriteria:\n  - {attribute: size, at_least: 5}\n"
    response = admin_client.post(ADD, {"source": text})
    assert response.status_code == 200
    assert (
        "&lt;document&gt;:4: criteria[0].attribute: unknown attribute &#x27;size&#x27;"
        in response.content.decode()
    )
    assert not IdealCustomerProfile.objects.exists()


def test_the_key_of_a_stored_profile_cannot_change(admin_client: Client) -> None:
    admin_client.post(ADD, {"source": SOFTWARE_SMB.read_text(encoding="utf-8")})
    profile = IdealCustomerProfile.objects.get()
    renamed = SOFTWARE_SMB.read_text(encoding="utf-8").replace("icp: software-smb", "icp: other")
    response = admin_client.post(
        f"/admin/prospecting/idealcustomerprofile/{profile.pk}/change/", {"source": renamed}
    )
    assert "The key cannot change (it is software-smb)" in response.content.decode()
    assert list(IdealCustomerProfile.objects.values_list("key", flat=True)) == ["software-smb"]
