"""A deal's history as plain values, and the deal as it stood at any moment (a snapshot).

Models learn from snapshots of closed deals and score snapshots of open deals, built by the same
function, so training and scoring see the same features. A snapshot reads everything as of its
moment: the stage and how long the deal had been there, the activities done and the newest
qualification answers by then, and the deal's own fields (amount, source, custom attributes)
with later edits undone. Account attributes have no history and are read as they are now.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Stay:
    """A stay in a pre-sale stage, from ``entered_at`` to ``left_at`` (None: still there)."""

    stage: str
    entered_at: dt.datetime
    left_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    at: dt.datetime
    question: str  # "<framework>.<criterion>", e.g. "bant.budget"
    status: str


@dataclass(frozen=True, slots=True)
class Edit:
    """A change of deal fields: each field's value before and after (``custom`` as a whole)."""

    at: dt.datetime
    before: Mapping[str, Any]
    after: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Account:
    industry: str = ""
    employees: int | None = None
    annual_revenue: float | None = None
    country: str = ""
    is_customer: bool = False


@dataclass(frozen=True)
class DealRecord:
    """Everything the models may know about one deal.

    ``route`` is the pre-sale stages of the deal's process version in order, ``designed`` their
    designed probabilities. ``won`` is None while the deal is open. ``amount``, ``source``,
    ``expected_close`` and ``custom`` are the current values; ``edits`` undo them back in time.
    ``activities`` are ``(done_at, type)`` of done activities, sorted by time.
    """

    deal_id: int
    process: str
    route: tuple[str, ...]
    designed: Mapping[str, float]
    created_at: dt.datetime
    stays: tuple[Stay, ...]
    won: bool | None = None
    closed_at: dt.datetime | None = None
    amount: float | None = None
    source: str = ""
    team: str = ""
    expected_close: dt.date | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)
    account: Account = field(default_factory=Account)
    activities: tuple[tuple[dt.datetime, str], ...] = ()
    answers: tuple[Answer, ...] = ()
    edits: tuple[Edit, ...] = ()

    @property
    def is_closed(self) -> bool:
        return self.won is not None

    def reached_index(self) -> int:
        """How far along the route the deal got: a won deal passed every pre-sale stage; any
        other deal reached the furthest stage it stayed in (earlier skipped stages count as
        passed). -1 when it never stayed in a stage of its route."""
        if self.won:
            return len(self.route) - 1
        indices = [self.route.index(s.stage) for s in self.stays if s.stage in self.route]
        return max(indices, default=-1)

    def reached(self) -> tuple[str, ...]:
        """The pre-sale stages the deal reached, in route order (see :meth:`reached_index`)."""
        return self.route[: self.reached_index() + 1]

    def value_at(self, name: str, at: dt.datetime) -> Any:
        """A deal field as it stood at ``at``: the value after the last edit at or before
        ``at``, else the value before the first later edit, else the current value."""
        last_before: Any = _MISSING
        first_after: Any = _MISSING
        for edit in self.edits:
            if name not in edit.after:
                continue
            if edit.at <= at:
                last_before = edit.after[name]
            elif first_after is _MISSING:
                first_after = edit.before.get(name)
        if last_before is not _MISSING:
            return last_before
        if first_after is not _MISSING:
            return first_after
        return getattr(self, name)


_MISSING = object()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A deal as it stood at ``at`` (the unit the models learn from and score)."""

    deal_id: int
    at: dt.datetime
    stage: str
    designed: float
    days_in_stage: float
    age_days: float
    answers: Mapping[str, str]
    activities: Mapping[str, int]
    amount: float | None
    source: str
    team: str
    custom: Mapping[str, Any]
    account: Account


def stay_at(record: DealRecord, at: dt.datetime) -> Stay | None:
    """The pre-sale stay the deal was in at ``at`` (None: not in a pre-sale stage then)."""
    for stay in record.stays:
        if stay.entered_at <= at and (stay.left_at is None or at < stay.left_at):
            return stay
    return None


def snapshot(record: DealRecord, at: dt.datetime, stay: Stay | None = None) -> Snapshot | None:
    """The deal at ``at``, or None if it was not in a pre-sale stage of its route then."""
    stay = stay or stay_at(record, at)
    if stay is None or stay.stage not in record.route:
        return None
    times = [moment for moment, _kind in record.activities]
    done = record.activities[: bisect.bisect_right(times, at)]
    counts: dict[str, int] = {}
    for _moment, kind in done:
        counts[kind] = counts.get(kind, 0) + 1
    answers: dict[str, str] = {}
    for answer in sorted(record.answers, key=lambda a: a.at):
        if answer.at <= at:
            answers[answer.question] = answer.status
    amount = record.value_at("amount", at)
    custom = record.value_at("custom", at)
    return Snapshot(
        deal_id=record.deal_id,
        at=at,
        stage=stay.stage,
        designed=record.designed.get(stay.stage, 0.0),
        days_in_stage=max(0.0, (at - stay.entered_at).total_seconds() / DAY),
        age_days=max(0.0, (at - record.created_at).total_seconds() / DAY),
        answers=answers,
        activities=counts,
        amount=_number(amount),
        source=str(record.value_at("source", at) or ""),
        team=record.team,
        custom=custom if isinstance(custom, Mapping) else {},
        account=record.account,
    )


def training_snapshots(records: Sequence[DealRecord]) -> list[tuple[Snapshot, bool]]:
    """One snapshot per finished pre-sale stay of every closed deal, taken halfway through the
    stay, with the deal's outcome. (Halfway, because an open deal is scored somewhere inside
    its stay: taking the end would teach the models full stay lengths and every last-minute
    activity.)"""
    rows: list[tuple[Snapshot, bool]] = []
    for record in records:
        if record.won is None:
            continue
        for stay in record.stays:
            if stay.left_at is None:
                continue
            middle = stay.entered_at + (stay.left_at - stay.entered_at) / 2
            shot = snapshot(record, middle, stay)
            if shot is not None:
                rows.append((shot, record.won))
    return rows


def current_snapshot(record: DealRecord, now: dt.datetime) -> Snapshot | None:
    """An open deal as it is at ``now`` (in its last stay)."""
    open_stays = [stay for stay in record.stays if stay.left_at is None]
    if not open_stays:
        return None
    return snapshot(record, max(now, open_stays[-1].entered_at), open_stays[-1])


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
