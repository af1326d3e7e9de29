"""A trail in two teams: team A's deal and account, team B's deal and account."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.api.conftest import _fresh_rate_limits, as_user  # noqa: F401 - shared fixtures
from tests.conftest import FakeClock
from traseu.core.models import Role, User
from traseu.crm.models import Account, Deal
from traseu.crm.services import account_create, activity_log


@dataclass
class Trail:
    deal_a: Deal
    deal_b: Deal
    account_a: Account
    account_b: Account


@pytest.fixture
def admin(db: None) -> User:
    return User.objects.create_user("boss", password=None, role=Role.ADMIN)


@pytest.fixture
def trail(make_deal: Callable[..., Deal], people: dict[str, User], clock: FakeClock) -> Trail:
    deal_a = make_deal(owner="rep")
    clock.advance(hours=1)
    deal_b = make_deal(owner="rep_b")
    clock.advance(hours=1)
    activity_log(deal=deal_a, type="call", subject="Call A", acting_user=people["rep"], clock=clock)
    activity_log(
        deal=deal_b, type="call", subject="Call B", acting_user=people["rep_b"], clock=clock
    )
    account_a = account_create(acting_user=people["rep"], name="Alpha SRL")
    account_b = account_create(acting_user=people["rep_b"], name="Beta SRL")
    return Trail(deal_a, deal_b, account_a, account_b)
