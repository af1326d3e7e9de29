"""Rebuilding a deal's stage history from the dates a source system kept (plain values).

The chain says only what the source says. A creation row at the deal's creation date; one row
per known stage change (OpportunityHistory, a deal-history file); a close row at the close date
for a won or lost deal. Consecutive points in the same stage are one stay. Nothing is invented
in between: a deal whose source has only an open and a close date gets exactly two rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from traseu.process.definition import ProcessDefinition, Stage, StageKind


@dataclass(frozen=True, slots=True)
class Step:
    from_stage: str
    to_stage: str
    kind: str
    changed_at: dt.datetime
    from_entered_at: dt.datetime | None

    @property
    def duration(self) -> dt.timedelta | None:
        return None if self.from_entered_at is None else self.changed_at - self.from_entered_at

    def key(self) -> tuple[str, str, str, dt.datetime]:
        return (self.from_stage, self.to_stage, self.kind, self.changed_at)


@dataclass(frozen=True, slots=True)
class Ending:
    """Where the source says the deal is now."""

    stage: str  # a stage key of the process (for a lost deal: the stage it was lost in, or "")
    outcome: str  # open, won, lost
    closed_at: dt.datetime | None = None


def move_kind(definition: ProcessDefinition, source: Stage, target: Stage) -> str:
    """The kind of a move, as the gate engine names it (forward, skip, back, won, lost,
    reopen)."""
    if target.kind is StageKind.LOST:
        return "lost"
    if source.kind is StageKind.LOST:
        return "reopen"
    here, there = definition.index(source.key), definition.index(target.key)
    if there < here:
        return "back"
    if target.kind is StageKind.WON or (
        target.kind is StageKind.AFTER_SALE and source.kind is StageKind.PRE_SALE
    ):
        return "won"
    return "forward" if there == here + 1 else "skip"


def build_chain(
    definition: ProcessDefinition,
    *,
    created_at: dt.datetime,
    points: list[tuple[dt.datetime, str]],
    ending: Ending,
) -> list[Step]:
    """The stage-change rows for one deal, oldest first, each chained to the previous one."""
    points = sorted(points)
    stays: list[tuple[dt.datetime, str]] = []
    for at, stage in points:
        if not stays or stays[-1][1] != stage:
            stays.append((at, stage))
    first_stage = stays[0][1] if stays else _opening_stage(definition, ending)
    start = min(created_at, stays[0][0]) if stays else created_at
    steps = [Step("", first_stage, "created", start, None)]
    for at, stage in stays[1:]:
        _append(definition, steps, stage, max(at, steps[-1].changed_at))
    _close(definition, steps, ending)
    return steps


def _opening_stage(definition: ProcessDefinition, ending: Ending) -> str:
    """Without history: the stage the source names for the deal (an open deal's current stage,
    the stage a lost deal was lost in), else the route's first stage."""
    stage = definition.stage(ending.stage) if ending.stage else None
    if stage is not None and stage.kind is StageKind.PRE_SALE:
        return stage.key
    return definition.first_stage.key


def _append(definition: ProcessDefinition, steps: list[Step], to: str, at: dt.datetime) -> None:
    source, target = definition.stage(steps[-1].to_stage), definition.stage(to)
    assert source is not None
    assert target is not None
    kind = move_kind(definition, source, target)
    if kind == "won" and target.kind is StageKind.AFTER_SALE:
        # as the transition service records it: a row into won, then one into after-sale
        won = definition.won
        steps.append(Step(source.key, won.key, "won", at, steps[-1].changed_at))
        source = won
        kind = "forward"
    steps.append(Step(source.key, target.key, kind, at, steps[-1].changed_at))


def _close(definition: ProcessDefinition, steps: list[Step], ending: Ending) -> None:
    current = definition.stage(steps[-1].to_stage)
    assert current is not None
    last_at = steps[-1].changed_at
    if ending.outcome == "open":
        if ending.stage and ending.stage != current.key:
            # the source moved on after its last dated point; the date of that move is not
            # known, so it is recorded at the last known date (no invented time in between)
            _append(definition, steps, ending.stage, last_at)
        return
    when = max(ending.closed_at or last_at, last_at)
    if ending.outcome == "won" and current.kind in (StageKind.WON, StageKind.AFTER_SALE):
        return
    if ending.outcome == "lost" and current.kind is StageKind.LOST:
        return
    if ending.outcome == "lost" and current.kind is not StageKind.PRE_SALE:
        # lost after a win in the source: reopen into the last pre-sale stage, then lose
        _append(
            definition, steps, definition.route[definition.index(definition.won.key) - 1].key, when
        )
    target = definition.won if ending.outcome == "won" else definition.lost
    named = definition.stage(ending.stage) if ending.stage else None
    if ending.outcome == "won" and named is not None and named.kind is StageKind.AFTER_SALE:
        target = named
    _append(definition, steps, target.key, when)
