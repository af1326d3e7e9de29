"""Nobody sees what is not theirs: every route that names a deal answers a team-B user with the
same 404 as a missing deal, and changes nothing. The routes come from the OpenAPI document, so a
new deal route is covered the day it is added."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import (
    BODIES,
    PATH_PARAMETER,
    Api,
    fill,
    operations,
    required_fields,
)
from traseu.crm.models import Activity, Contact, Deal, TimelineEvent

pytestmark = pytest.mark.django_db
DEAL_ROUTES = [(m, p, op["operationId"]) for m, p, op in operations() if "{deal_id}" in p]
OPERATIONS = {op["operationId"]: op for _, _, op in operations()}
SEEDED = {"deal_id", "task_id", "contact_id", "kind"}  # what the check below gives real values


def test_every_deal_route_is_checked() -> None:
    """Each route naming a deal (taken from the document, not counted) runs the team-B check
    below with real records for its path parameters and a body it accepts, so that the answer
    comes from the access check and not from a missing record or from validation."""
    operation_ids = {r[2] for r in DEAL_ROUTES}
    assert {"deal_move", "deal_update", "deal_task_complete", "deal_contract_round_add"} <= (
        operation_ids
    )
    unseeded = {
        operation: set(PATH_PARAMETER.findall(path)) - SEEDED
        for _, path, operation in DEAL_ROUTES
        if set(PATH_PARAMETER.findall(path)) - SEEDED
    }
    assert unseeded == {}
    without_body = [
        operation
        for _, _, operation in DEAL_ROUTES
        if required_fields(OPERATIONS[operation]) and operation not in BODIES
    ]
    assert without_body == []


@pytest.mark.parametrize(("method", "path", "operation"), DEAL_ROUTES)
def test_another_teams_deal_is_not_found(
    as_user: Callable[..., Api],
    make_deal: Callable[..., Deal],
    method: str,
    path: str,
    operation: str,
) -> None:
    deal = make_deal()  # owned by rep, team A
    task = Activity.objects.get(deal=deal)
    contact = Contact.objects.create(account=deal.account, last_name="Pop")
    url = fill(path, deal_id=deal.pk, task_id=task.pk, contact_id=contact.pk, kind="proposal")
    events = TimelineEvent.objects.count()
    outsider = as_user("rep_b").call(method, url, BODIES.get(operation))
    missing_url = url.replace(f"/deals/{deal.pk}", "/deals/999999", 1)
    missing = as_user("rep").call(method, missing_url, BODIES.get(operation))
    assert outsider.status_code == missing.status_code == 404
    assert outsider.json() == {
        "code": "deal_not_found",
        "message": f"No deal {deal.pk}.",
        "details": {},
    }
    assert missing.json()["code"] == "deal_not_found"
    deal.refresh_from_db()
    assert (deal.version, deal.stage) == (1, "prospecting")
    assert TimelineEvent.objects.count() == events


def test_team_mates_see_the_deal_and_other_teams_do_not_list_it(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    deal = make_deal()
    assert as_user("rep2").get(f"/deals/{deal.pk}").status_code == 200
    assert as_user("viewer").get(f"/deals/{deal.pk}").status_code == 200
    assert as_user("rep_b").get("/deals/").json()["items"] == []


def test_a_task_of_another_deal_is_not_found(
    as_user: Callable[..., Api], make_deal: Callable[..., Deal]
) -> None:
    mine, other = make_deal(), make_deal()
    task = Activity.objects.get(deal=other)
    response = as_user("rep").post(f"/deals/{mine.pk}/tasks/{task.pk}/complete")
    assert (response.status_code, response.json()["code"]) == (404, "task_not_found")
    task.refresh_from_db()
    assert task.done is False
