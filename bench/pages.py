"""Server time to render pages, against an empty template render measured in the same run.

The board is rendered for 10,000 open deals, the deal page for a deal with 200 activities
(targets from the web issue: board under 150 ms, deal page under 80 ms on this machine). Data
is bulk-inserted straight into a throwaway SQLite database; pages go through the test client,
so middleware, sessions, templates and queries are all counted.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from decimal import Decimal


def _timed(call: Callable[[], object], repeat: int) -> float:
    """Median milliseconds of ``repeat`` calls (after one warm-up)."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _seed(deals: int, activities: int) -> tuple[str, int]:
    from django.utils import timezone

    from traseu.core.models import Role, Team, User
    from traseu.crm.models import Account, Activity, Deal
    from traseu.process.techniques import shipped_documents
    from traseu.processes.selectors import process_definition
    from traseu.processes.services import process_apply_file

    path = next(p for p in shipped_documents() if p.name == "classic.en.yaml")
    version = process_apply_file(path=path).version
    stages = [s.key for s in process_definition(version).stages if s.kind == "pre_sale"]
    team = Team.objects.create(name="Bench pages")
    owner = User.objects.create_user(
        "bench-pages", password="bench-pass-123", role=Role.SALES_MANAGER
    )
    owner.teams.add(team)
    accounts = Account.objects.bulk_create(Account(name=f"Account {n}") for n in range(500))
    now = timezone.now()
    Deal.objects.bulk_create(
        Deal(
            title=f"Deal {n}",
            account=accounts[n % 500],
            owner=owner,
            team=team,
            process_version=version,
            stage=stages[n % len(stages)],
            currency="EUR",
            amount=Decimal(1000 + n),
            probability=Decimal("0.2"),
            stage_entered_at=now - dt.timedelta(days=n % 60),
            created_at=now,
        )
        for n in range(deals)
    )
    deal = Deal.objects.first()
    assert deal is not None
    Activity.objects.bulk_create(
        Activity(
            deal=deal,
            account=deal.account,
            type="call",
            subject=f"Call {n}",
            owner=owner,
            done=True,
            done_at=now,
            stage=deal.stage,
            created_at=now,
        )
        for n in range(activities)
    )
    return version.process.key, deal.pk


def run(deals: int = 10_000, activities: int = 200) -> list[tuple[str, float, float]]:
    from django.core.management import call_command
    from django.template import engines
    from django.test import Client

    from traseu.core.models import User

    call_command("migrate", verbosity=0)
    process_key, deal_id = _seed(deals, activities)
    client = Client()
    client.force_login(User.objects.get(username="bench-pages"))
    empty = engines["django"].from_string("")
    baseline = _timed(lambda: empty.render({}), 50)
    rows = []
    board = _timed(lambda: client.get(f"/pipeline/{process_key}/"), 10)
    rows.append((f"board ms ({deals:,} open deals)", board, baseline))
    response = client.get(f"/deals/{deal_id}/")
    if response.status_code == 200:
        page = _timed(lambda: client.get(f"/deals/{deal_id}/"), 10)
        rows.append((f"deal page ms ({activities} activities)", page, baseline))
    return rows
