"""Products and proposal lines through the services; what the handoff reads."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from traseu.audit.models import AuditEntry
from traseu.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.sales.models import Product, Proposal, ProposalLine
from traseu.sales.proposal_status import proposal_set_status
from traseu.sales.services import (
    accepted_proposal_lines,
    product_create,
    product_update,
    proposal_line_add,
    proposal_update,
)

pytestmark = pytest.mark.django_db


def test_product_codes_are_unique_ignoring_case(people: dict[str, User], product: Product) -> None:
    with pytest.raises(InvalidInput) as error:
        product_create(
            acting_user=people["manager"],
            data={"name": "Other", "code": "lic-1", "unit_price": "1", "currency": "EUR"},
        )
    assert error.value.code == "product_code_taken"
    assert error.value.details == {"field": "code"}
    assert Product.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("unit_price", "-1"),
        ("unit_price", "abc"),
        ("currency", "EURO"),
        ("name", " "),
        ("unit_price", "1.123456"),
    ],
)
def test_bad_product_input_names_the_field_and_writes_nothing(
    people: dict[str, User], field: str, value: str
) -> None:
    data = {"name": "Seat", "code": "S", "unit_price": "10", "currency": "EUR", field: value}
    with pytest.raises(InvalidInput) as error:
        product_create(acting_user=people["manager"], data=data)
    assert error.value.details["field"] == field
    assert not Product.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_managers_edit_the_catalogue(people: dict[str, User], product: Product) -> None:
    with pytest.raises(PermissionDenied):
        product_update(
            product_id=product.pk,
            acting_user=people["rep"],
            changes={"name": "X"},
            expected_version=1,
        )
    with pytest.raises(Conflict):
        product_update(
            product_id=product.pk,
            acting_user=people["manager"],
            changes={"name": "X"},
            expected_version=7,
        )
    updated = product_update(
        product_id=product.pk,
        acting_user=people["manager"],
        changes={"unit_price": "120"},
        expected_version=1,
    )
    assert (updated.unit_price, updated.version) == (Decimal("120"), 2)
    assert AuditEntry.objects.filter(object_type="product", action="update").count() == 1


def test_a_product_line_copies_code_name_and_price(
    make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal], product: Product
) -> None:
    proposal = make_proposal(make_deal(), {"product_code": "LIC-1", "quantity": "3"})
    line = proposal.lines.get()
    assert (line.code, line.description, line.unit_price) == ("LIC-1", "Licență anuală", 100)
    assert proposal.version == 2


def test_accepted_proposal_lines_as_text(
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
    product: Product,
) -> None:
    deal = make_deal()
    assert accepted_proposal_lines(deal) == []
    proposal = make_proposal(
        deal,
        {"product_code": "LIC-1", "quantity": "2.5", "discount_percent": "10", "tax_percent": "19"},
        {"description": "Instruire", "quantity": "1", "unit_price": "333.335"},
    )
    proposal = proposal_set_status(
        proposal_id=proposal.pk,
        acting_user=people["rep"],
        status="sent",
        expected_version=proposal.version,
    )
    assert accepted_proposal_lines(deal) == []
    proposal_set_status(
        proposal_id=proposal.pk,
        acting_user=people["rep"],
        status="accepted",
        expected_version=proposal.version,
    )
    assert accepted_proposal_lines(deal) == [
        {
            "product_code": "LIC-1",
            "description": "Licență anuală",
            "quantity": "2.5",
            "unit_price": "100",
            "discount_percent": "10",
            "tax_percent": "19",
            "line_total": "267.75",
            "currency": "EUR",
        },
        {
            "product_code": "",
            "description": "Instruire",
            "quantity": "1",
            "unit_price": "333.335",
            "discount_percent": "0",
            "tax_percent": "0",
            "line_total": "333.34",
            "currency": "EUR",
        },
    ]


def test_bad_line_changes_nothing(
    people: dict[str, User], make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(make_deal())
    for data, field in [
        ({"description": "x", "quantity": "0", "unit_price": "1"}, "quantity"),
        (
            {"description": "x", "quantity": "1", "unit_price": "1", "discount_percent": "101"},
            "discount_percent",
        ),
        ({"description": "", "quantity": "1", "unit_price": "1"}, "description"),
        ({"product_code": "NOPE", "quantity": "1"}, "product"),
    ]:
        with pytest.raises(InvalidInput) as error:
            proposal_line_add(
                proposal_id=proposal.pk,
                acting_user=people["rep"],
                data=data,
                expected_version=proposal.version,
            )
        assert error.value.details["field"] == field
    assert not ProposalLine.objects.exists()
    proposal.refresh_from_db()
    assert proposal.version == 1


def test_other_team_gets_404_and_viewer_403(
    people: dict[str, User], make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(make_deal())
    with pytest.raises(NotFound):
        proposal_update(
            proposal_id=proposal.pk,
            acting_user=people["rep_b"],
            changes={"title": "x"},
            expected_version=None,
        )
    with pytest.raises(PermissionDenied):
        proposal_update(
            proposal_id=proposal.pk,
            acting_user=people["viewer"],
            changes={"title": "x"},
            expected_version=None,
        )
    proposal.refresh_from_db()
    assert proposal.title == "Acme rollout"
