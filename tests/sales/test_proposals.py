"""Proposal versions and status transitions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import FakeClock
from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import User
from traseu.crm.models import Deal, TimelineEvent
from traseu.sales.models import Proposal
from traseu.sales.proposal_status import proposal_set_status
from traseu.sales.services import proposal_create, proposal_line_add, proposal_update

pytestmark = pytest.mark.django_db
LINE = {"description": "Seat", "quantity": "2", "unit_price": "50", "tax_percent": "19"}


def send(proposal: Proposal, user: User, status: str = "sent") -> Proposal:
    return proposal_set_status(
        proposal_id=proposal.pk, acting_user=user, status=status, expected_version=None
    )


def test_a_new_version_copies_the_previous_lines_and_header(
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
    clock: FakeClock,
) -> None:
    deal = make_deal()
    v1 = make_proposal(deal, LINE, {**LINE, "description": "Training", "discount_percent": "10"})
    proposal_update(
        proposal_id=v1.pk,
        acting_user=people["rep"],
        changes={"title": "Ofertă", "valid_until": "2026-04-30"},
        expected_version=None,
    )
    send(v1, people["rep"])
    v2 = proposal_create(deal_id=deal.pk, acting_user=people["rep"], clock=clock)
    assert (v2.number, v2.status, v2.title, str(v2.valid_until)) == (
        2,
        "draft",
        "Ofertă",
        "2026-04-30",
    )
    copied = [(line.description, line.discount_percent) for line in v2.lines.all()]
    assert copied == [(line.description, line.discount_percent) for line in v1.lines.all()]
    # The copy is independent: editing v2 leaves v1 as it was sent.
    proposal_line_add(
        proposal_id=v2.pk, acting_user=people["rep"], data=LINE, expected_version=None
    )
    assert (v1.lines.count(), v2.lines.count()) == (2, 3)
    events = TimelineEvent.objects.filter(deal=deal, kind__startswith="proposal.")
    kinds = list(events.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["proposal.created", "proposal.sent", "proposal.created"]


def test_only_drafts_are_editable(
    people: dict[str, User], make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = send(make_proposal(make_deal(), LINE), people["rep"])
    with pytest.raises(Conflict) as error:
        proposal_update(
            proposal_id=proposal.pk,
            acting_user=people["rep"],
            changes={"title": "x"},
            expected_version=None,
        )
    assert error.value.code == "proposal_not_draft"
    with pytest.raises(Conflict):
        proposal_line_add(
            proposal_id=proposal.pk, acting_user=people["rep"], data=LINE, expected_version=None
        )


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ([], "accepted"),
        ([], "rejected"),
        (["sent", "accepted"], "sent"),
        (["sent", "rejected"], "accepted"),
        (["sent", "accepted"], "rejected"),
    ],
)
def test_transitions_not_allowed_are_refused_with_a_clear_error(
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
    path: list[str],
    target: str,
) -> None:
    proposal = make_proposal(make_deal(), LINE)
    for step in path:
        proposal = send(proposal, people["rep"], step)
    with pytest.raises(Conflict) as error:
        send(proposal, people["rep"], target)
    assert error.value.code == "proposal_transition_invalid"
    assert target in error.value.message
    proposal.refresh_from_db()
    assert proposal.status == (path[-1] if path else "draft")


def test_an_empty_draft_cannot_be_sent_and_draft_is_no_target(
    people: dict[str, User], make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(make_deal())
    with pytest.raises(InvalidInput) as error:
        send(proposal, people["rep"])
    assert error.value.code == "proposal_empty"
    with pytest.raises(InvalidInput):
        send(proposal, people["rep"], "draft")


def test_dates_are_stamped_and_one_accepted_per_deal(
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
    clock: FakeClock,
) -> None:
    deal = make_deal()
    v1 = send(make_proposal(deal, LINE), people["rep"])
    v2 = send(
        proposal_create(deal_id=deal.pk, acting_user=people["rep"], clock=clock), people["rep"]
    )
    v1 = send(v1, people["rep"], "accepted")
    assert v1.accepted_at is not None
    assert v1.sent_at is not None
    with pytest.raises(Conflict) as error:
        send(v2, people["rep"], "accepted")
    assert error.value.code == "proposal_already_accepted"
    with pytest.raises(Conflict):
        proposal_create(deal_id=deal.pk, acting_user=people["rep"], clock=clock)
    assert send(v2, people["rep"], "rejected").rejected_at is not None
