"""Several OS processes move and edit the same deals at once: no lost update, no double move.

On PostgreSQL the transition and update services lock the deal row (READ COMMITTED alone would
let two writers read the same version); on SQLite every transaction starts IMMEDIATE, so
writers queue. The test runs on whichever database the suite runs on.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest
from django.db import connections

from tests.conftest import ROUTE
from traseu.core.errors import Conflict
from traseu.core.models import Role, Team, User
from traseu.crm.models import Account, Deal, StageChange
from traseu.crm.services import deal_create, deal_update
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.processes.services import process_apply_file

WORKERS = 4
EDITS = 6


def _worker(index: int, deal_ids: list[int], user_id: int, results: multiprocessing.Queue) -> None:
    connections.close_all()  # never share the parent's connection across fork
    user = User.objects.get(pk=user_id)
    moved, conflicts = Counter[int](), 0
    try:
        for step in range(EDITS):
            for deal_id in deal_ids:
                if step == index % EDITS:
                    try:
                        deal_move_to_stage(
                            deal_id=deal_id, to_stage="qualification", acting_user=user, via="test"
                        )
                        moved[deal_id] += 1
                    except GateRejected as rejection:
                        codes = [v["code"] for v in rejection.details["violations"]]
                        assert codes == ["same_stage"], codes
                deal_update(
                    deal_id=deal_id,
                    acting_user=user,
                    changes={"custom": {f"w{index}_{step}": step}},
                )
                seen = Deal.objects.get(pk=deal_id).version
                try:
                    deal_update(
                        deal_id=deal_id,
                        acting_user=user,
                        expected_version=seen,
                        changes={"source": f"worker {index}"},
                    )
                except Conflict:
                    conflicts += 1
        results.put((index, dict(moved), conflicts, None))
    except Exception as error:  # report to the parent instead of dying silently
        results.put((index, {}, 0, repr(error)))
    finally:
        connections.close_all()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_and_edits_lose_nothing() -> None:
    version = process_apply_file(path=ROUTE).version
    team = Team.objects.create(name="Race")
    user = User.objects.create_user("racer", role=Role.SALES_REP)
    user.teams.add(team)
    deals = [
        deal_create(
            title=f"Deal {n}",
            account=Account.objects.create(name=f"A{n}", industry="Retail"),
            owner=user,
            process_version=version,
            acting_user=user,
        )
        for n in range(3)
    ]
    ids = [deal.pk for deal in deals]
    connections.close_all()

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=_worker, args=(i, ids, user.pk, results)) for i in range(WORKERS)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=120) for _ in workers]
    for process in workers:
        process.join(timeout=30)

    assert [error for *_, error in reports if error] == []
    moves = Counter[int]()
    for _, moved, _, _ in reports:
        moves.update(moved)
    assert moves == dict.fromkeys(ids, 1), "every deal moved exactly once"
    versioned_writes = WORKERS * EDITS * len(ids) - sum(c for _, _, c, _ in reports)
    for deal in Deal.objects.filter(pk__in=ids):
        expected_keys = {f"w{i}_{s}" for i in range(WORKERS) for s in range(EDITS)}
        assert set(deal.custom) == expected_keys, "no custom attribute was lost"
        history = list(StageChange.objects.filter(deal=deal).values_list("from_stage", "to_stage"))
        assert history == [("", "prospecting"), ("prospecting", "qualification")]
        assert deal.stage == "qualification"
    total_versions = sum(d.version - 1 for d in Deal.objects.filter(pk__in=ids))
    unversioned_writes = WORKERS * EDITS * len(ids)
    assert total_versions == len(ids) + unversioned_writes + versioned_writes
