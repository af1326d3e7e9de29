from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from traseu.core.models import Role, Team, User
from traseu.crm.models import Account, Deal
from traseu.crm.services import deal_create
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

ROUTE = Path(__file__).parent / "crm" / "route.yaml"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class FakeClock:
    """An injectable clock the tests move by hand."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _user(username: str, role: str, team: Team | None) -> User:
    user = User.objects.create_user(username, password=None, role=role)
    if team is not None:
        user.teams.add(team)
    return user


@pytest.fixture
def people(db: None) -> dict[str, User]:
    """Two teams: A (rep, second rep, manager, account manager) and B (rep)."""
    team_a, team_b = Team.objects.create(name="A"), Team.objects.create(name="B")
    return {
        "rep": _user("rep", Role.SALES_REP, team_a),
        "rep2": _user("rep2", Role.SALES_REP, team_a),
        "manager": _user("manager", Role.SALES_MANAGER, team_a),
        "am": _user("am", Role.ACCOUNT_MANAGER, team_a),
        "rep_b": _user("rep_b", Role.SALES_REP, team_b),
        "viewer": _user("viewer", Role.READ_ONLY, team_a),
    }


@pytest.fixture
def route(db: None) -> ProcessVersion:
    return process_apply_file(path=ROUTE).version


@pytest.fixture
def make_deal(
    people: dict[str, User], route: ProcessVersion, clock: FakeClock
) -> Callable[..., Deal]:
    def make(owner: str = "rep", amount: str = "5000", industry: str = "", **kw: object) -> Deal:
        account = Account.objects.create(name=f"Acme {Deal.objects.count()}", industry=industry)
        return deal_create(
            title="Acme rollout",
            account=account,
            owner=people[owner],
            process_version=route,
            acting_user=people[owner],
            amount=amount,
            clock=clock,
            **kw,  # type: ignore[arg-type]
        )

    return make
