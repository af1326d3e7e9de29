"""A large synthetic stage history for the analytics benchmark.

Deals walk the classic process in simulated time: mostly forward, sometimes skipping a stage,
going back, looping, winning early, being lost at any stage, being reopened or overridden;
one to three activities each, half of them naming one of the stage's techniques. Rows are
written in chunks (see :mod:`bench.analytics_load`) so memory stays flat at a million deals.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CHUNK = 5_000
SOURCES = ("website", "referral", "event", "outbound", "partner")


@dataclass
class Walk:
    """One deal's simulated path."""

    changes: list[dict[str, Any]] = field(default_factory=list)
    stage: str = ""
    status: str = "open"
    entered: dt.datetime | None = None
    closed: dt.datetime | None = None
    lost_reason: str = ""


def walk(rng: random.Random, route: list[str], start: dt.datetime) -> Walk:
    """A path over ``route`` (pre-sale stages, won, after-sale) from ``start``."""
    won_at = route.index("won")
    here, now, path = 0, start, Walk(stage=route[0], entered=start)
    path.changes.append({"from_stage": "", "to_stage": route[0], "kind": "created", "at": now})
    for _ in range(rng.randrange(3, 10)):
        roll = rng.random()
        if path.status == "lost":
            if roll > 0.1:
                break
            target, kind = rng.randrange(won_at), "reopen"
        elif here >= won_at:
            if here + 1 >= len(route) or roll > 0.6:
                break
            target, kind = here + 1, "forward"
        elif roll < 0.1:
            target, kind = -1, "lost"
        elif roll < 0.16 and here > 0:
            target, kind = rng.randrange(here), "back"
        elif roll < 0.2:
            target, kind = won_at, "won"
        elif roll < 0.26 and here + 2 < won_at:
            target, kind = here + 2, "skip"
        else:
            target = here + 1
            kind = "won" if target == won_at else "forward"
        now = now + dt.timedelta(hours=rng.randrange(4, 24 * 30))
        to_stage = "lost" if target < 0 else route[target]
        path.changes.append(
            {
                "from_stage": path.stage,
                "to_stage": to_stage,
                "kind": kind,
                "at": now,
                "entered": path.entered,
                "overridden": kind in ("forward", "skip") and roll > 0.95,
            }
        )
        path.stage, path.entered = to_stage, now
        if kind == "lost":
            path.status, path.closed, path.lost_reason = "lost", now, "price"
        elif kind == "won":
            path.status, path.closed = "won", now
        elif target >= 0 and target < won_at:
            path.status, path.closed = "open", None
        here = target if target >= 0 else here
    return path


def generate(deals: int, *, seed: int = 11) -> dict[str, int]:
    """Fill the database with ``deals`` deals of the classic process; returns row counts."""
    from django.db import transaction

    from bench.analytics_load import insert, reset_sequences
    from traseu.core.models import Role, Team, User
    from traseu.crm.models import Account, Activity, Deal, StageChange
    from traseu.process.techniques import shipped_documents
    from traseu.processes.selectors import process_definition
    from traseu.processes.services import process_apply_file

    path = next(p for p in shipped_documents() if p.name == "classic.en.yaml")
    version = process_apply_file(path=path).version
    definition = process_definition(version)
    route = [s.key for s in definition.route]
    techniques = {s.key: list(s.techniques) for s in definition.stages}
    teams = Team.objects.bulk_create(Team(name=f"Team {n}") for n in range(4))
    owners = []
    for n in range(20):
        rep = User.objects.create_user(f"rep{n}", role=Role.SALES_REP)
        rep.teams.add(teams[n % 4])
        owners.append((rep.pk, teams[n % 4].pk))
    accounts = [
        a.pk for a in Account.objects.bulk_create(Account(name=f"A{n}") for n in range(2000))
    ]
    rng = random.Random(seed)
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    ids = {"deal": 0, "change": 0, "activity": 0}
    counts = {"deals": 0, "stage changes": 0, "activities": 0}
    for first in range(0, deals, CHUNK):
        deal_rows, change_rows, activity_rows = [], [], []
        for n in range(first, min(first + CHUNK, deals)):
            start = base + dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
            path_ = walk(rng, route, start)
            ids["deal"] += 1
            owner, team = owners[n % len(owners)]
            deal = _deal(rng, ids["deal"], path_, version.pk, owner, team, accounts[n % 2000])
            deal_rows.append(deal)
            for change in path_.changes:
                ids["change"] += 1
                change_rows.append(_change(ids["change"], deal, change))
            for activity in _activities(rng, deal, path_, techniques):
                ids["activity"] += 1
                activity_rows.append({"id": ids["activity"], **activity})
        with transaction.atomic():
            counts["deals"] += insert(Deal, deal_rows)
            counts["stage changes"] += insert(StageChange, change_rows)
            counts["activities"] += insert(Activity, activity_rows)
    reset_sequences(Deal, StageChange, Activity)
    return counts


def _deal(
    rng: random.Random, pk: int, w: Walk, version: int, owner: int, team: int, account: int
) -> dict[str, Any]:
    return {
        "id": pk,
        "title": f"Deal {pk}",
        "account_id": account,
        "owner_id": owner,
        "team_id": team,
        "process_version_id": version,
        "stage": w.stage,
        "status": w.status,
        "lost_reason": w.lost_reason,
        "amount": Decimal(rng.randrange(1, 200) * 500),
        "currency": "EUR",
        "probability": Decimal("0.5"),
        "source": SOURCES[pk % len(SOURCES)],
        "custom": {},
        "stage_entered_at": w.entered,
        "expected_close": _expected_close(pk, w),
        "created_at": w.changes[0]["at"],
        "closed_at": w.closed,
    }


def _expected_close(pk: int, w: Walk) -> dt.date | None:
    """A close date for the period forecast: the close for closed deals, one to seventeen
    weeks after entering the current stage for open ones (from the id, so the random sequence
    that shapes the paths is unchanged)."""
    if w.closed is not None:
        return w.closed.date()
    return None if w.entered is None else (w.entered + dt.timedelta(days=7 + pk % 113)).date()


def _change(pk: int, deal: dict[str, Any], c: dict[str, Any]) -> dict[str, Any]:
    entered = c.get("entered")
    return {
        "id": pk,
        "deal_id": deal["id"],
        "process_version_id": deal["process_version_id"],
        "from_stage": c["from_stage"],
        "to_stage": c["to_stage"],
        "kind": c["kind"],
        "from_entered_at": entered,
        "changed_at": c["at"],
        "duration": c["at"] - entered if entered else None,
        "overridden": c.get("overridden", False),
        "criteria": [],
    }


def _activities(
    rng: random.Random, deal: dict[str, Any], w: Walk, techniques: dict[str, list[str]]
) -> list[dict[str, Any]]:
    found = []
    stays = [c for c in w.changes if c["kind"] != "created" and c["from_stage"] != "lost"]
    for c in rng.sample(stays, min(len(stays), rng.choice((1, 2, 3)))):
        at = c["entered"] + (c["at"] - c["entered"]) / 2
        options = techniques.get(c["from_stage"]) or [""]
        found.append(
            {
                "deal_id": deal["id"],
                "account_id": deal["account_id"],
                "type": "call",
                "subject": "Call",
                "owner_id": deal["owner_id"],
                "done": True,
                "done_at": at,
                "stage": c["from_stage"],
                "technique": rng.choice(options) if rng.random() < 0.5 else "",
                "created_at": at,
            }
        )
    return found
