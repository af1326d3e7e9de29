"""Deal histories for the report tests, made by the real services with a fake clock.

Every move goes through :func:`deal_move_to_stage`, so the rows are exactly what real use writes.
The histories hold every shape a report must handle: forward moves, skips, moves back (with a
reason), re-entries, gate overrides by a manager (the route's gates hold unless the deal carries
``custom.hold = "yes"``, which the generator sets before an override), losses at every pre-sale
stage, reopened losses, jumps to won (also straight into the after-sale stage), activities with
and without techniques (some only planned, never done), several owners, teams and sources.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import FakeClock
from traseu.core.models import Role, Team, User
from traseu.crm.models import Account, Deal
from traseu.crm.services import activity_log, deal_create, deal_update
from traseu.crm.transitions import deal_move_to_stage
from traseu.process.definition import ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition
from traseu.processes.services import process_apply_file

HERE = Path(__file__).parent
ROUTE_V1 = HERE / "route_v1.yaml"
ROUTE_V2 = HERE / "route_v2.yaml"
START = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
SOURCES = ("web", "referral", "event")


@dataclass
class Cast:
    """Who works the deals: reps in two teams, a manager who overrides gates, a read-only user."""

    rep: User
    rep2: User
    rep_b: User
    manager: User
    viewer: User

    @property
    def owners(self) -> tuple[User, ...]:
        return (self.rep, self.rep, self.rep2, self.rep_b, self.manager)


def make_cast() -> Cast:
    team_a, team_b = Team.objects.create(name="A"), Team.objects.create(name="B")

    def user(name: str, role: str, team: Team) -> User:
        person = User.objects.create_user(name, password=None, role=role)
        person.teams.add(team)
        return person

    return Cast(
        rep=user("rep", Role.SALES_REP, team_a),
        rep2=user("rep2", Role.SALES_REP, team_a),
        rep_b=user("rep_b", Role.SALES_REP, team_b),
        manager=user("manager", Role.SALES_MANAGER, team_a),
        viewer=user("viewer", Role.READ_ONLY, team_a),
    )


@dataclass
class History:
    cast: Cast
    versions: list[ProcessVersion] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    end: dt.datetime = START


class Walker:
    """Walks one deal along the route in simulated time."""

    def __init__(self, deal: Deal, definition: ProcessDefinition, cast: Cast, rng: random.Random):
        self.deal, self.definition, self.cast, self.rng = deal, definition, cast, rng
        self.clock = FakeClock(deal.created_at)
        self.pre_sale = [s.key for s in definition.route if s.kind is StageKind.PRE_SALE]
        self.after_sale = [s.key for s in definition.route if s.kind is StageKind.AFTER_SALE]

    def wait(self) -> None:
        self.clock.advance(hours=self.rng.choice((2, 20, 50, 90, 150, 300, 600)))

    def work(self) -> None:
        """Log 0-3 activities in the current stage, some with one of its techniques."""
        stage = self.definition.stage(self.deal.stage)
        techniques = list(stage.techniques) if stage else []
        for _ in range(self.rng.choice((0, 1, 1, 2, 3))):
            self.clock.advance(hours=self.rng.choice((1, 5, 30)))
            technique = self.rng.choice([*techniques, "", ""]) if techniques else ""
            done = self.rng.random() > 0.15
            self.deal = Deal.objects.get(pk=self.deal.pk)
            activity_log(
                deal=self.deal,
                type="call",
                subject="Call",
                acting_user=self.deal.owner,
                technique=technique,
                done=done,
                due_at=None if done else self.clock.now + dt.timedelta(days=2),
                clock=self.clock,
            )

    def move(self, to_stage: str, *, override: bool = False, lost: bool = False) -> None:
        self.work()
        self.wait()
        actor = self.cast.manager if override else self.deal.owner
        if override:
            deal_update(
                deal_id=self.deal.pk, acting_user=actor, changes={"custom": {"hold": "yes"}}
            )
        here = self.definition.index(self.deal.stage)
        there = self.definition.index(to_stage)
        backwards = self.deal.status == "lost" or (0 <= there < here)
        outcome = deal_move_to_stage(
            deal_id=self.deal.pk,
            to_stage=to_stage,
            acting_user=actor,
            reason="needs another look" if backwards or override else "",
            lost_reason="price" if lost else "",
            override=override,
            clock=self.clock,
        )
        self.deal = outcome.deal
        if override:
            deal_update(deal_id=self.deal.pk, acting_user=actor, changes={"custom": {"hold": ""}})
            self.deal = Deal.objects.get(pk=self.deal.pk)

    def run(self, path: Sequence[str]) -> None:
        """Follow a script: stage keys, ``lost``, ``!key`` for an override, ``won``."""
        for step in path:
            override = step.startswith("!")
            key = step.lstrip("!")
            if key == "lost":
                self.move(self.definition.lost.key, lost=True)
            else:
                self.move(key, override=override)

    def wander(self, steps: int) -> None:
        """A random walk: forward, skip, back, lose, win early, reopen, follow up."""
        for _ in range(steps):
            target = self.next_target()
            if target is None:
                return
            self.run([target])

    def next_target(self) -> str | None:
        rng, stage = self.rng, self.deal.stage
        if self.deal.status == "lost":
            return rng.choice(self.pre_sale) if rng.random() < 0.3 else None
        if self.deal.status == "won":
            if stage == self.definition.won.key and rng.random() < 0.6:
                return self.after_sale[0]
            return rng.choice(self.pre_sale) if rng.random() < 0.05 else None
        here = self.pre_sale.index(stage)
        roll = rng.random()
        if roll < 0.12:
            return "lost"
        if roll < 0.2 and here > 0:
            return self.pre_sale[rng.randrange(here)]
        if roll < 0.28:
            return self.definition.won.key  # a jump to won when not from the last stage
        if roll < 0.36 and here + 2 < len(self.pre_sale):
            step = self.pre_sale[here + 2]
        elif here + 1 < len(self.pre_sale):
            step = self.pre_sale[here + 1]
        else:
            step = self.definition.won.key
        return ("!" if rng.random() < 0.15 else "") + step


def scripted_paths(definition: ProcessDefinition) -> list[list[str]]:
    """Paths every history contains: a loss at every pre-sale stage, a clean win, a skip, an
    override, a loop, a reopened loss, a jump to won and a win straight into after-sale."""
    pre = [s.key for s in definition.route if s.kind is StageKind.PRE_SALE]
    won, after = definition.won.key, definition.route[-1].key
    losses = [[*pre[1 : i + 1], "lost"] for i in range(len(pre))]
    return [
        *losses,
        [*pre[1:], won, after],
        [pre[2], *pre[3:], won],
        [pre[1], "!" + pre[2], *pre[3:], won],
        [pre[1], pre[2], pre[1], pre[2], pre[3]],
        [pre[1], "lost", pre[1], pre[2]],
        [pre[1], won],
        [pre[1], pre[2], after],
    ]


def build_history(
    history: History, version: ProcessVersion, *, deals: int, seed: int, start: dt.datetime
) -> None:
    """Create ``deals`` deals on ``version``: the scripted paths first, then random walks.
    Deals are created a day or two apart from ``start``."""
    definition = process_definition(version)
    rng = random.Random(seed)
    scripts = scripted_paths(definition)
    created = start
    for n in range(deals):
        created += dt.timedelta(hours=rng.choice((12, 30, 44)))
        owner = history.cast.owners[n % len(history.cast.owners)]
        deal = deal_create(
            title=f"Deal {version.number}-{n}",
            account=Account.objects.create(name=f"Account {version.number}-{n}"),
            owner=owner,
            process_version=version,
            acting_user=owner,
            amount=None if n % 7 == 3 else str(1000 + 250 * rng.randrange(40)),
            source=SOURCES[n % len(SOURCES)],
            custom={"product": "pro"} if n % 2 else {},
            clock=FakeClock(created),
        )
        walker = Walker(deal, definition, history.cast, rng)
        if n < len(scripts):
            walker.run(scripts[n])
        else:
            walker.wander(rng.randrange(1, 9))
        history.deals.append(walker.deal)
        history.end = max(history.end, walker.clock.now)
    history.versions.append(version)


def two_version_history(*, deals_per_version: int = 45, seed: int = 7) -> History:
    """Deals on version 1 of the analytics route, then on version 2 (a new stage, one stage
    fewer, other targets), both with every shape listed above."""
    history = History(cast=make_cast())
    v1 = process_apply_file(path=ROUTE_V1).version
    build_history(history, v1, deals=deals_per_version, seed=seed, start=START)
    v2 = process_apply_file(path=ROUTE_V2).version
    build_history(
        history, v2, deals=deals_per_version, seed=seed + 1, start=START + dt.timedelta(days=60)
    )
    return history
