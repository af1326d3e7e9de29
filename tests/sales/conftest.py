from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.sales.models import Product, Proposal
from traseu.sales.services import product_create, proposal_create, proposal_line_add


@pytest.fixture
def product(people: dict[str, User]) -> Product:
    return product_create(
        acting_user=people["manager"],
        data={"name": "Licență anuală", "code": "LIC-1", "unit_price": "100.00", "currency": "EUR"},
    )


@pytest.fixture
def make_proposal(people: dict[str, User], clock: Callable[[], object]) -> Callable[..., Proposal]:
    """A draft proposal on ``deal`` with the given lines (dicts of line fields)."""

    def make(deal: Deal, *lines: dict[str, object], user: str = "rep") -> Proposal:
        proposal = proposal_create(deal_id=deal.pk, acting_user=people[user], clock=clock)  # type: ignore[arg-type]
        for line in lines:
            proposal_line_add(
                proposal_id=proposal.pk,
                acting_user=people[user],
                data=line,
                expected_version=None,
            )
        proposal.refresh_from_db()
        return proposal

    return make


D = Decimal
