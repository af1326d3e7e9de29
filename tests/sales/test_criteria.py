"""Sales facts in stage criteria, through the real transition gate and the shipped classic
process: preparation needs a sent proposal and analysed competitors; closing won needs a signed
contract. Also the facts snapshot itself and competitor outcomes following the deal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import FakeClock
from traseu.core.models import User
from traseu.crm.facts import deal_facts
from traseu.crm.models import Account, Deal
from traseu.crm.services import deal_create
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.process.criteria import EvaluationContext, evaluate
from traseu.process.facts import DealFacts
from traseu.process.loader import load_text
from traseu.process.techniques import DOCUMENTS
from traseu.processes.services import process_apply_file
from traseu.sales import competitors, contracts, proposal_status
from traseu.sales.models import Competitor, DealCompetitor, Proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def classic_deal(people: dict[str, User], clock: FakeClock) -> Deal:
    version = process_apply_file(path=DOCUMENTS / "classic.en.yaml").version
    account = Account.objects.create(name="Acme", industry="Software")
    return deal_create(
        title="Acme CRM",
        account=account,
        owner=people["rep"],
        process_version=version,
        acting_user=people["rep"],
        amount="12000",
        clock=clock,
    )


def move(deal: Deal, stage: str, user: User, clock: FakeClock, **kw: object) -> Deal:
    clock.advance(days=1)
    return deal_move_to_stage(
        deal_id=deal.pk,
        to_stage=stage,
        acting_user=user,
        clock=clock,
        **kw,  # type: ignore[arg-type]
    ).deal


def unmet(error: GateRejected) -> list[str]:
    return [u["criterion"] for u in error.details["unmet"]]


def to_preparation(deal: Deal, people: dict[str, User], clock: FakeClock) -> Deal:
    for stage in ("qualification", "first_contact", "preparation"):
        deal = move(deal, stage, people["manager"], clock, override=True, reason="test setup")
    return deal


def test_preparation_needs_a_sent_proposal_and_analysed_competitors(
    classic_deal: Deal,
    people: dict[str, User],
    clock: FakeClock,
    make_proposal: Callable[..., Proposal],
) -> None:
    rep = people["rep"]
    deal = to_preparation(classic_deal, people, clock)
    with pytest.raises(GateRejected) as caught:
        move(deal, "contract", rep, clock)
    assert {"preparation.exit.competitors_analysed", "preparation.exit.proposal_sent"} <= set(
        unmet(caught.value)
    )
    proposal = make_proposal(
        deal, {"description": "Licență", "quantity": "1", "unit_price": "12000"}
    )
    proposal_status.proposal_set_status(
        proposal_id=proposal.pk, acting_user=rep, status="sent", expected_version=None
    )
    rival = competitors.competitor_create(acting_user=rep, data={"name": "Rival"})
    entry = competitors.deal_competitor_add(
        deal_id=deal.pk, competitor_id=rival.pk, acting_user=rep, data={"strengths": "price"}
    )
    with pytest.raises(GateRejected) as caught:  # half an analysis does not count
        move(deal, "contract", rep, clock)
    assert "preparation.exit.competitors_analysed" in unmet(caught.value)
    assert "preparation.exit.proposal_sent" not in unmet(caught.value)
    competitors.deal_competitor_update(
        deal_competitor_id=entry.pk,
        acting_user=rep,
        changes={"weaknesses": "support", "positioning": "speed"},
        expected_version=None,
    )
    with pytest.raises(GateRejected) as caught:  # the contract stage's entry: accepted
        move(deal, "contract", rep, clock)
    assert unmet(caught.value) == ["contract.entry.proposal_accepted"]
    proposal_status.proposal_set_status(
        proposal_id=proposal.pk, acting_user=rep, status="accepted", expected_version=None
    )
    assert move(deal, "contract", rep, clock).stage == "contract"


def test_a_deal_cannot_close_won_without_a_signed_contract(
    classic_deal: Deal, people: dict[str, User], clock: FakeClock
) -> None:
    rep = people["rep"]
    deal = to_preparation(classic_deal, people, clock)
    deal = move(deal, "contract", people["manager"], clock, override=True, reason="test setup")
    contracts.contract_create(deal_id=deal.pk, acting_user=rep)
    contracts.contract_update(
        deal_id=deal.pk, acting_user=rep, changes={"status": "negotiating"}, expected_version=None
    )
    with pytest.raises(GateRejected) as caught:
        move(deal, "won", rep, clock)
    assert "won.entry.contract_signed" in unmet(caught.value)
    deal.refresh_from_db()
    assert deal.status == "open"
    contracts.contract_update(
        deal_id=deal.pk, acting_user=rep, changes={"status": "signed"}, expected_version=None
    )
    facts = deal_facts(deal, now=clock())
    assert facts.deal["contract_status"] == "signed"
    # The contract stage's own exit also wants the manager's approval task; waive only that.
    with pytest.raises(GateRejected) as caught:
        move(deal, "won", rep, clock)
    assert unmet(caught.value) == ["contract.exit.terms_approved"]


def test_facts_snapshot_and_a_cel_criterion(
    make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal], people: dict[str, User]
) -> None:
    deal = make_deal()
    empty = deal_facts(deal, now=deal.created_at)
    assert (empty.deal["proposal_status"], empty.deal["competitors_analysed"]) == (None, 0)
    assert empty.deal["contract_status"] is None
    make_proposal(deal, {"description": "A", "quantity": "3", "unit_price": "0.335"})
    facts = deal_facts(deal, now=deal.created_at)
    assert facts.deal["proposal_status"] == "draft"
    assert [(d.kind, d.status) for d in facts.documents] == [("proposal", "draft")]
    extra = """    exit:
      - kind: expression
        key: big_proposal
        cel: deal.proposal_status == "sent" && deal.competitors_analysed >= 1
      - kind: field_compare
        field: deal.contract_status
        op: eq
        value: signed
"""
    text = (DOCUMENTS / "classic.en.yaml").read_text()
    anchor = "    exit:\n      - kind: field_compare\n        key: competitors_analysed\n"
    assert anchor in text
    definition = load_text(text.replace(anchor, extra + anchor[len("    exit:\n") :]))
    stage = definition.stage("preparation")
    assert stage is not None
    specs = [s for s in stage.exit if s.key in ("big_proposal", "deal_contract_status_eq")]
    assert len(specs) == 2

    def met(snapshot: object) -> list[bool]:
        context = EvaluationContext(facts=snapshot, now=deal.created_at)  # type: ignore[arg-type]
        return [evaluate(s, stage="preparation", phase="exit", context=context).met for s in specs]

    assert met(facts) == [False, False]
    sent = deal_facts(deal, now=deal.created_at)
    sent = DealFacts(
        deal={
            **sent.deal,
            "proposal_status": "sent",
            "competitors_analysed": 2,
            "contract_status": "signed",
        }
    )
    assert met(sent) == [True, True]


def test_competitor_outcomes_follow_the_deal(
    classic_deal: Deal, people: dict[str, User], clock: FakeClock
) -> None:
    rep = people["rep"]
    one, two = (Competitor.objects.create(name=n) for n in ("One", "Two"))
    for competitor in (one, two):
        competitors.deal_competitor_add(
            deal_id=classic_deal.pk, competitor_id=competitor.pk, acting_user=rep
        )
    lost = move(classic_deal, "lost", rep, clock, lost_reason="Chose a competitor")
    assert set(DealCompetitor.objects.values_list("outcome", flat=True)) == {"no_decision"}
    competitors.deal_competitor_winner(deal_id=lost.pk, competitor_id=two.pk, acting_user=rep)
    outcomes = dict(DealCompetitor.objects.values_list("competitor__name", "outcome"))
    assert outcomes == {"One": "no_decision", "Two": "they_won"}
    competitors.deal_competitor_winner(deal_id=lost.pk, competitor_id=one.pk, acting_user=rep)
    outcomes = dict(DealCompetitor.objects.values_list("competitor__name", "outcome"))
    assert outcomes == {"One": "they_won", "Two": "no_decision"}


def test_the_deal_page_links_each_sales_criterion_to_its_own_panel(
    classic_deal: Deal, people: dict[str, User], clock: FakeClock
) -> None:
    """In Preparation the checklist asks for analysed competitors and a sent proposal; their
    "fix it" links go to the competitors and proposals panels, not to the details or the
    generic documents panel."""
    from django.test import Client

    deal = to_preparation(classic_deal, people, clock)
    browser = Client()
    browser.force_login(people["rep"])
    page = browser.get(f"/deals/{deal.pk}/").content.decode()
    assert '<a class="fix" href="#sales-competitors">Analyse the competitors</a>' in page
    assert '<a class="fix" href="#sales-proposals">Open the proposals</a>' in page
    assert 'id="sales-competitors"' in page
    assert 'id="sales-proposals"' in page
