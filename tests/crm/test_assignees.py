"""Stage-task assignees resolved once per batch pick whom the per-task query picks: the owner
when they hold the role, else the team's holder with the fewest open tasks (then lowest id)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.conftest import FakeClock
from traseu.core.models import User
from traseu.crm.assignees import AssigneeCache, assignees_batch
from traseu.crm.models import Activity, Deal
from traseu.crm.transitions import create_stage_tasks
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _assign(
    deals: list[Deal], route: ProcessVersion, clock: FakeClock, batch: bool
) -> tuple[list[str], int]:
    definition = process_definition(route)
    stages = [stage for stage in definition.stages if stage.tasks]
    picked: list[str] = []
    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            with assignees_batch() if batch else nullcontext():
                for deal in deals:
                    for stage in stages:
                        tasks = create_stage_tasks(deal=deal, stage=stage, now=clock(), actor=None)
                        picked += [f"{stage.key}:{task.owner.username}" for task in tasks]
            count = len(queries.captured_queries)
            raise _Undo
    except _Undo:
        pass
    return picked, count


def test_a_batch_assigns_every_task_as_the_per_task_query_does(
    make_deal: Callable[..., Deal],
    people: dict[str, User],
    route: ProcessVersion,
    clock: FakeClock,
) -> None:
    deals = [make_deal(owner=owner) for owner in ("manager", "manager", "rep", "am", "manager")]
    Activity.objects.filter(deal__in=deals).delete()
    make_deal(owner="rep2")  # rep2 starts with an open task: rep gets the first ones
    one_at_a_time, queries_each = _assign(deals, route, clock, batch=False)
    batched, queries_batch = _assign(deals, route, clock, batch=True)

    assert batched == one_at_a_time
    owners = {name.split(":")[1] for name in one_at_a_time}
    assert {"rep", "rep2"} <= owners, "the fewest-open-tasks rule spreads the work"
    assert queries_batch < queries_each


def test_a_role_nobody_in_the_team_holds_gives_nobody(people: dict[str, User]) -> None:
    team_id = people["rep"].teams.get().pk
    cache = AssigneeCache()
    assert cache.pick(team_id, "no_such_role") is None
    first = cache.pick(team_id, "sales_rep")
    assert first is not None
    cache.assigned([first.pk])
    assert cache.pick(team_id, "sales_rep") != first, "the other rep has fewer open tasks now"
