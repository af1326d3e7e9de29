"""Synthetic deal histories with a known signal, for the pure forecasting tests.

Every deal runs the route a -> b -> c -> d. Whether it is won depends on its BANT budget answer
and its meetings (``signal``); source, team, country and industry are noise. A lost deal is
lost in a uniformly chosen stage; a won deal passes every stage.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from traseu.forecasting.history import Account, Answer, DealRecord, Stay

ROUTE = ("a", "b", "c", "d")
DESIGNED = {"a": 0.1, "b": 0.3, "c": 0.5, "d": 0.7}
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def signal(budget_confirmed: bool, meetings: int) -> float:
    return 2.5 * budget_confirmed + 1.2 * math.log1p(meetings) - 2.0


def deals(count: int, seed: int = 1, open_share: float = 0.0) -> list[DealRecord]:
    rng = np.random.default_rng(seed)
    records = []
    for number in range(count):
        created = START + dt.timedelta(days=float(rng.uniform(0, 300)))
        budget = bool(rng.random() < 0.5)
        meetings = int(rng.integers(0, 6))
        chance = 1 / (1 + math.exp(-signal(budget, meetings)))
        is_open = rng.random() < open_share
        won = None if is_open else bool(rng.random() < chance)
        last = int(rng.integers(0, len(ROUTE))) if not won else len(ROUTE) - 1
        stays, moment = [], created
        for position in range(last + 1):
            length = dt.timedelta(days=float(rng.uniform(2, 20)))
            still_there = is_open and position == last
            stays.append(Stay(ROUTE[position], moment, None if still_there else moment + length))
            moment += length
        records.append(
            DealRecord(
                deal_id=number + 1,
                process="synthetic",
                route=ROUTE,
                designed=DESIGNED,
                created_at=created,
                stays=tuple(stays),
                won=won,
                closed_at=None if is_open else moment,
                amount=float(rng.choice([1000, 5000, 20000])),
                source=str(rng.choice(["web", "referral", "event"])),
                team=str(rng.choice(["north", "south"])),
                account=Account(
                    industry=str(rng.choice(["Retail", "Energy"])),
                    country=str(rng.choice(["RO", "DE"])),
                    employees=int(rng.integers(5, 2000)),
                    annual_revenue=float(rng.uniform(1e5, 1e7)),
                ),
                activities=tuple((created, "meeting") for _ in range(meetings)),
                answers=(Answer(created, "bant.budget", "confirmed" if budget else "weak"),),
            )
        )
    return records
