"""Fixtures for the command line: the fixture process applied, a deal on it, a runner.

The commands run in-process through ``traseu.cli.main`` with ``capsys``; the database fixtures
(``people``, ``clock``) come from ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from traseu.cli import main
from traseu.core.models import User
from traseu.crm.models import Account, Deal
from traseu.crm.services import deal_create
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

ROUTE = Path(__file__).parent.parent / "fixtures" / "route.yaml"


@dataclass
class Result:
    status: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def traseu(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``traseu ARGS...`` in-process; return its exit status, stdout and stderr."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


@pytest.fixture
def route(db: None) -> ProcessVersion:
    """The fixture process (tests/fixtures/route.yaml) stored as version 1."""
    return process_apply_file(path=ROUTE).version


@pytest.fixture
def make_deal(
    people: dict[str, User], route: ProcessVersion, clock: Callable[[], dt.datetime]
) -> Callable[..., Deal]:
    """A deal owned by ``owner`` in the first stage (prospecting) of the fixture process."""

    def make(owner: str = "rep", industry: str = "Retail", amount: str = "1200") -> Deal:
        account = Account.objects.create(name=f"Acme {Deal.objects.count()}", industry=industry)
        return deal_create(
            title="Acme rollout",
            account=account,
            owner=people[owner],
            process_version=route,
            acting_user=people[owner],
            amount=amount,
            clock=clock,
        )

    return make
