"""``traseu icp`` and ``traseu qualification`` on the command line (run in-process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.prospecting.conftest import SOFTWARE_SMB
from traseu.cli import main
from traseu.core.models import User
from traseu.crm.models import Account
from traseu.process.qualification import FRAMEWORKS_DIR
from traseu.prospecting.models import AccountFit, IdealCustomerProfile

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def traseu(capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_icp_validate_needs_no_database_and_names_each_problem(traseu: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("icp: x\nname: X\ncriteria:\n  - {attribute: size, at_least: 5}\n", "utf-8")

    status, out, err = traseu("icp", "validate", str(SOFTWARE_SMB), str(broken))

    assert status == 1
    assert out == (
        f"{SOFTWARE_SMB}: ok: software-smb 'Software and IT services SMBs in Central and "
        "Eastern Europe', 6 criteria\n"
    )
    assert err == (
        f"{broken}:4: criteria[0].attribute: unknown attribute 'size'; attributes: name, "
        "domain, industry, employees, annual_revenue, country, is_customer, tags, and "
        "custom.<name> [unknown_attribute]\n"
    )


@pytest.mark.django_db
def test_icp_apply_scores_the_accounts_and_is_idempotent(
    traseu: Run, people: dict[str, User]
) -> None:
    Account.objects.create(name="Nod", industry="Software", country="RO")

    first = traseu("icp", "apply", str(SOFTWARE_SMB), "--as", "manager")
    second = traseu("icp", "apply", str(SOFTWARE_SMB))

    assert first[0] == 0
    assert first[1].startswith("applied software-smb v1; scored 1 accounts, 0 prospects in ")
    assert second == (0, "unchanged software-smb v1\n", "")
    assert AccountFit.objects.get().score == 55
    assert IdealCustomerProfile.objects.get().updated_by == people["manager"]


@pytest.mark.django_db
def test_icp_apply_refuses_a_rep(traseu: Run, people: dict[str, User]) -> None:
    status, _out, err = traseu("icp", "apply", str(SOFTWARE_SMB), "--as", "rep")
    assert status == 2
    assert "may change an ideal customer profile. [publish_forbidden]" in err


@pytest.mark.django_db
def test_icp_score_and_list(traseu: Run, software_smb: IdealCustomerProfile) -> None:
    Account.objects.bulk_create(
        [Account(name="A", industry="Software", country="RO"), Account(name="B")]
    )

    status, out, _err = traseu("icp", "score", "--icp", "software-smb")
    listed = traseu("icp", "list")

    assert status == 0
    assert out.startswith("scored 2 accounts (2 fits) and 0 prospects in ")
    assert listed[1].splitlines() == [
        "KEY           VERSION  NAME                                                         "
        "ACCOUNTS  AVERAGE FIT",
        "software-smb  v1       Software and IT services SMBs in Central and Eastern Europe  "
        "2         30",
    ]
    assert traseu("icp", "score", "--icp", "nope")[0] == 2


def test_qualification_validate_and_list(traseu: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("framework: x\nname: X\nprior: 2\ncriteria:\n  - {key: a, name: A}\n", "utf-8")

    bant = FRAMEWORKS_DIR / "bant.yaml"
    status, out, err = traseu("qualification", "validate", str(bant), str(bad))
    listed = traseu("qualification", "list")

    assert status == 1
    assert out == f"{bant}: ok: bant, 4 criteria\n"
    assert err == f"{bad}:3: prior: prior 2 must be between 0 and 1 [probability_range]\n"
    lines = listed[1].splitlines()
    assert lines[0].split() == ["KEY", "NAME", "CRITERIA", "PRIOR", "FILE"]
    assert lines[1].startswith("bant     BANT     budget, authority, need, timeline")
    assert [line.split()[0] for line in lines[1:]] == ["bant", "champ", "meddicc"]
