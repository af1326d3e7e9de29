"""Writing a deal's stage history as facts: the rows of a rebuilt chain, and the deal's stage,
status and dates that follow from its last row (no gate, no tasks: the past is not re-run)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from traseu.audit import services as audit
from traseu.crm.models import Deal, DealStatus, StageChange
from traseu.crm.transitions import stage_probability
from traseu.imports.chain import Ending, Step, build_chain
from traseu.imports.kinds.base import Context
from traseu.process.definition import ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

VIA = "import"


def definition_of(context: Context, version_id: int) -> ProcessDefinition:
    """The definition of a process version, loaded once per run (not once per deal)."""
    definitions: dict[int, ProcessDefinition] = context.cache.setdefault("definitions", {})
    if version_id not in definitions:
        definitions[version_id] = process_definition(ProcessVersion.objects.get(pk=version_id))
    return definitions[version_id]


def apply_end(
    deal: Deal, definition: ProcessDefinition, stage_key: str, steps: list[Step], lost_reason: str
) -> None:
    stage = definition.stage(stage_key)
    assert stage is not None
    deal.stage, deal.stage_entered_at = stage.key, steps[-1].changed_at
    deal.probability = stage_probability(stage)
    closing = next((s for s in reversed(steps) if s.kind in ("won", "lost")), None)
    if stage.kind is StageKind.PRE_SALE:
        deal.status, deal.closed_at, deal.lost_reason = DealStatus.OPEN, None, ""
    elif stage.kind is StageKind.LOST:
        deal.status = DealStatus.LOST
        deal.closed_at = closing.changed_at if closing else steps[-1].changed_at
        deal.lost_reason = lost_reason or deal.lost_reason or "Lost (imported)"
    else:
        deal.status, deal.lost_reason = DealStatus.WON, ""
        deal.closed_at = closing.changed_at if closing else steps[-1].changed_at


def write_steps(context: Context, deal: Deal, steps: list[Step]) -> None:
    StageChange.objects.bulk_create(
        StageChange(
            deal=deal,
            process_version_id=deal.process_version_id,
            from_stage=s.from_stage,
            to_stage=s.to_stage,
            kind=s.kind,
            from_entered_at=s.from_entered_at,
            changed_at=s.changed_at,
            duration=s.duration,
            actor=context.user,
            via=VIA,
        )
        for s in steps
    )


def sync_history(
    context: Context,
    deal: Deal,
    *,
    created_at: dt.datetime,
    points: list[tuple[dt.datetime, str]],
    ending: Ending,
) -> bool:
    """Make the deal's stage history the chain its source dates give; True if it changed.

    Idempotent (the same facts write nothing). A deal moved in Traseu since it was imported
    (a history row not written by an import) keeps its history: Traseu's record wins.
    """
    definition = definition_of(context, deal.process_version_id)
    existing = list(deal.stage_changes.all())  # prefetched per batch, or in history order
    if any(row.via != VIA for row in existing):
        return False
    steps = build_chain(definition, created_at=created_at, points=points, ending=ending)
    current = [(r.from_stage, r.to_stage, r.kind, r.changed_at) for r in existing]
    if current == [s.key() for s in steps] and deal.created_at == created_at:
        return False
    with transaction.atomic():
        before = audit.values(deal, ("stage", "status", "closed_at"))
        StageChange.objects.filter(deal=deal).delete()
        write_steps(context, deal, steps)
        apply_end(deal, definition, steps[-1].to_stage, steps, deal.lost_reason)
        deal.created_at = created_at
        deal.version += 1
        deal.save()
        audit.record(
            action="update",
            obj=deal,
            actor=context.user,
            deal_id=deal.pk,
            before=before,
            after=audit.values(deal, ("stage", "status", "closed_at")),
            reason="stage history imported",
        )
    return True
