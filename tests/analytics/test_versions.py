"""Each deal is read against the process version it runs on."""

from __future__ import annotations

import pytest

from tests.analytics.histories import ROUTE_V1, ROUTE_V2, START, make_cast
from tests.conftest import FakeClock
from traseu.analytics.conformance import conformance_report
from traseu.analytics.funnel import funnel_report
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.core.models import User
from traseu.crm.models import Account, Deal
from traseu.crm.services import deal_create
from traseu.crm.transitions import deal_move_to_stage
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db


def walk(version: ProcessVersion, owner: User, path: list[str]) -> Deal:
    clock = FakeClock(START)
    deal = deal_create(
        title=" → ".join(path),
        account=Account.objects.create(name="Acme"),
        owner=owner,
        process_version=version,
        acting_user=owner,
        clock=clock,
    )
    for stage in path:
        clock.advance(days=2)
        deal_move_to_stage(deal_id=deal.pk, to_stage=stage, acting_user=owner, clock=clock)
    return Deal.objects.get(pk=deal.pk)


def test_the_same_moves_conform_or_deviate_by_the_deals_own_route() -> None:
    """Version 1 has a contract stage after preparation; version 2 has a demo stage before it
    and no contract. Preparation -> won skips contract on v1 only; first contact ->
    preparation skips demo on v2 only."""
    rep = make_cast().rep
    v1 = process_apply_file(path=ROUTE_V1).version
    early = ["qualification", "first_contact"]
    v1_jump = walk(v1, rep, [*early, "preparation", "won"])
    walk(v1, rep, [*early, "preparation"])  # forward on v1: no deviation
    v2 = process_apply_file(path=ROUTE_V2).version
    walk(v2, rep, [*early, "demo", "preparation", "won"])  # the designed v2 route
    v2_skip = walk(v2, rep, [*early, "preparation"])

    scope = report_scope(ReportRequest(process="analytics-route"))
    assert [s.key for s in scope.stages] == [
        "prospecting",
        "qualification",
        "first_contact",
        "demo",
        "preparation",
        "contract",
        "won",
        "accompaniment",
        "lost",
    ]
    listed = {d.deal.pk: set(d.deviations) for d in conformance_report(scope).deals}
    assert listed == {v1_jump.pk: {"skip", "jump_to_won"}, v2_skip.pk: {"skip"}}

    funnel = {s.stage.key: s for s in funnel_report(scope).stages}
    assert (funnel["contract"].reached, funnel["contract"].entered) == (1, 0)
    assert (funnel["demo"].reached, funnel["demo"].entered) == (2, 1)
    assert (funnel["preparation"].reached, funnel["preparation"].passed) == (4, 2)
    assert funnel["won"].reached == funnel["won"].won == 2
