"""Deals with their history: stored as facts (no gate, no tasks for past stages).

A deal row gives the deal's fields, its current stage or outcome and its dates; the stage
history is rebuilt from them (and from the points a deal-history file left on the deal's
external reference) by :func:`traseu.imports.chain.build_chain`, then written by
:func:`sync_history`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.access import deals_writable_by
from traseu.crm.assignees import assignees_batch
from traseu.crm.models import Account, Deal, DealStatus, TimelineEvent
from traseu.crm.transitions import create_stage_tasks
from traseu.imports.chain import Ending, build_chain
from traseu.imports.kinds.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Context,
    changed_fields,
    owner_of,
    ref_get,
    ref_id,
    ref_set,
)
from traseu.imports.kinds.directory import account_for_row, account_resolve
from traseu.imports.kinds.stage_rows import apply_end, sync_history, write_steps
from traseu.imports.values import Cells
from traseu.process.definition import ProcessDefinition, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition, process_version_latest
from traseu.prospecting.fit import fits_deferred


def process_for(context: Context) -> tuple[ProcessVersion, ProcessDefinition]:
    """The process deals run on (``--process``, else the mapping's default); the mapping's
    stage names must all be stages of it."""
    if "process" not in context.cache:
        key = context.process_key or context.mapping.defaults.process
        if not key:
            raise InvalidInput(
                _("Name the process the deals run on: --process KEY or defaults.process."),
                code="process_required",
            )
        version = process_version_latest(key=key)
        definition = process_definition(version)
        for name, target in context.mapping.stages.items():
            if target.stage and definition.stage(target.stage) is None:
                raise InvalidInput(
                    _(
                        "The mapping sends '%(name)s' to stage '%(stage)s', which process "
                        "%(process)s does not have (its stages: %(stages)s)."
                    )
                    % {
                        "name": name,
                        "stage": target.stage,
                        "process": key,
                        "stages": ", ".join(s.key for s in definition.stages),
                    },
                    code="mapping_stage_unknown",
                )
        context.cache["process"] = (version, definition)
    found: tuple[ProcessVersion, ProcessDefinition] = context.cache["process"]
    return found


def stage_of(context: Context, cells: Cells, field: str = "stage") -> tuple[str, str]:
    """(stage key, outcome) for the row's stage name; an unmapped name is refused."""
    name = cells.text(field)
    if not name:
        return "", ""
    target = context.mapping.stage_for(name)
    if target is None:
        raise cells.error(
            field,
            name,
            _("Unknown stage '%(value)s'; the mapping knows: %(names)s.")
            % {"value": name, "names": ", ".join(context.mapping.stages)},
            "stage_unknown",
        )
    _version, definition = process_for(context)
    key = target.stage or ""
    if not key:
        key = definition.won.key if target.outcome == "won" else definition.lost.key
    stage = definition.stage(key)
    outcome = target.outcome
    if stage is not None and outcome == "open" and stage.kind is not StageKind.PRE_SALE:
        outcome = "lost" if stage.kind is StageKind.LOST else "won"
    return key, outcome


@dataclass
class DealRow:
    external_id: str
    values: dict[str, Any]
    account_reference: str
    account_name: str
    owner: User
    created_at: dt.datetime
    ending: Ending


class Deals:
    ref_kind = "deal"

    def prepare(self, context: Context) -> None:
        process_for(context)

    def check(self, context: Context, cells: Cells) -> DealRow:
        stage, outcome = stage_of(context, cells)
        outcome = _status(cells, outcome)
        created, closed = _dates(context, cells, outcome)
        reference, name = account_for_row(context, cells)
        if not reference and not name:
            field = "account" if cells.has("account") else "account_name"
            raise cells.error(field, "", _("A deal needs an account."), "required")
        owner = owner_of(context, cells)
        _check_access(context, cells, owner)
        ending = Ending(stage=stage, outcome=outcome, closed_at=closed)
        values = _values(context, cells, outcome)
        return DealRow(cells.text("external_id"), values, reference, name, owner, created, ending)

    def store(self, context: Context, item: DealRow) -> str:
        ref = ref_get(context, context.source, "deal", item.external_id)
        deal = _deal(context, ref.object_id) if ref else None
        points = (ref.data.get("points", []) if ref else []) or []
        account = account_resolve(context, item.account_reference, item.account_name)
        assert account is not None
        data = {"points": points, "ending": _ending_json(item.ending)}
        if deal is None:
            deal = _create(context, item, account.pk, points)
            ref_set(context, context.source, "deal", item.external_id, deal.pk, data)
            return CREATED
        changed = _update(context, deal, {**item.values, "account": account, "owner": item.owner})
        moved = sync_history(
            context, deal, created_at=item.created_at, points=_points(points), ending=item.ending
        )
        ref_set(context, context.source, "deal", item.external_id, deal.pk, data)
        return UPDATED if changed or moved else UNCHANGED

    def precheck(self, context: Context, rows: list[Cells]) -> None:
        """Which of a chunk's deals (imported before) the user may change: two queries."""
        ids = [ref_id(context, context.source, "deal", c.text("external_id")) for c in rows]
        context.cache["access"] = _access(context, [i for i in ids if i])

    def prefetch(self, context: Context, batch: list[DealRow]) -> None:
        """The batch's deals (with their history) and accounts in a few queries."""
        deal_ids = [ref_id(context, context.source, "deal", i.external_id) for i in batch]
        context.cache["deals"] = Deal.objects.prefetch_related("stage_changes").in_bulk(
            [i for i in deal_ids if i]
        )
        source = context.mapping.refs_source
        account_ids = [ref_id(context, source, "account", i.account_reference) for i in batch]
        context.cache["accounts"] = Account.objects.in_bulk([i for i in account_ids if i])

    @contextmanager
    def batch_scope(self, context: Context) -> Iterator[None]:
        """Stage-task assignees resolved once per (team, role) for the batch; accounts
        created by name get their fits at the batch's end."""
        with assignees_batch(), fits_deferred():
            yield

    def finish(self, context: Context) -> dict[str, int]:
        return {}


def _access(context: Context, deal_ids: list[int]) -> tuple[set[int], set[int]]:
    """Of ``deal_ids``: those the importing user may change, and those that exist."""
    writable = deals_writable_by(context.user).filter(pk__in=deal_ids)
    return (
        set(writable.values_list("pk", flat=True)),
        set(Deal.objects.filter(pk__in=deal_ids).values_list("pk", flat=True)),
    )


def _deal(context: Context, deal_id: int) -> Deal | None:
    """The deal from the batch's prefetch (taken out, so a row repeating it reads it afresh)."""
    found: Deal | None = context.cache.get("deals", {}).pop(deal_id, None)
    return found or Deal.objects.filter(pk=deal_id).first()


def _dates(context: Context, cells: Cells, outcome: str) -> tuple[dt.datetime, dt.datetime | None]:
    closed = _closed(cells, outcome)
    created = cells.moment("created_at")
    if created is None:  # no creation date in the file: a closed deal existed when it closed
        created = context.now if closed is None else min(closed, context.now)
    if closed is not None and closed < created and not _closed_that_day(closed, created):
        field = cells_field(cells, outcome)
        raise cells.error(
            field,
            cells.raw(field),
            _("The deal closes before it was created (%(created)s).")
            % {"created": created.date().isoformat()},
            "closed_before_created",
        )
    return created, closed


def _closed_that_day(closed: dt.datetime, created: dt.datetime) -> bool:
    """A close date without a time (midnight in its time zone) on the day the deal was
    created: the deal closed that day, after it was created (Salesforce's CloseDate is a date;
    the history records the close at the creation or at the last known change, never before)."""
    midnight = (closed.hour, closed.minute, closed.second, closed.microsecond) == (0, 0, 0, 0)
    return midnight and created.astimezone(closed.tzinfo).date() == closed.date()


def _values(context: Context, cells: Cells, outcome: str) -> dict[str, Any]:
    _version, definition = process_for(context)
    amount = cells.amount("amount")
    if amount is not None and amount < 0:
        raise cells.error(
            "amount", cells.raw("amount"), _("Amount cannot be negative."), "amount_negative"
        )
    currency = cells.text("currency") or context.mapping.defaults.currency or definition.currency
    if len(currency) != 3 or not currency.isalpha():
        raise cells.error(
            "currency",
            currency,
            _("'%(value)s' is not a currency code.") % {"value": currency},
            "currency",
        )
    custom = cells.custom()
    if cells.text("pipeline"):
        custom["pipeline"] = cells.text("pipeline")
    lost_reason = cells.text("lost_reason") or context.mapping.defaults.lost_reason
    return {
        "title": cells.required("title"),
        "amount": None if amount is None else amount.quantize(Decimal("0.01")),
        "currency": currency.upper(),
        "expected_close": cells.day("expected_close") if outcome == "open" else None,
        "source": cells.text("source")[:100],
        "lost_reason": lost_reason if outcome == "lost" else "",
        "custom": custom,
    }


def _check_access(context: Context, cells: Cells, owner: User) -> None:
    """A deal for someone else needs a manager (as when creating one by hand); a deal already
    imported must be one the importing user may change (else it is reported, never touched)."""
    user = context.user
    if owner != user and not user.may_override_gates:
        raise cells.error(
            "owner",
            cells.text("owner") or owner.username,
            _("Only a sales manager or an administrator may import deals for someone else."),
            "assign_forbidden",
        )
    ref = ref_get(context, context.source, "deal", cells.text("external_id"))
    if ref is None:
        return
    writable, existing = context.cache.get("access") or _access(context, [ref.object_id])
    if ref.object_id not in writable and ref.object_id in existing:  # not deleted since
        raise cells.error(
            "external_id",
            cells.text("external_id"),
            _("This deal was imported already and you may not change it."),
            "deal_forbidden",
        )


def cells_field(cells: Cells, outcome: str) -> str:
    for name in (f"{outcome}_at" if outcome in ("won", "lost") else "", "closed_at"):
        if name and cells.has(name) and cells.raw(name) not in (None, ""):
            return name
    return "closed_at"


def _status(cells: Cells, outcome: str) -> str:
    """The outcome: a status column (open, won, lost) wins, then IsClosed/IsWon flags, then
    what the stage name says."""
    if cells.has("status") and cells.text("status"):
        status = cells.text("status").lower()
        if status not in ("open", "won", "lost"):
            raise cells.error(
                "status",
                status,
                _("'%(value)s' is not open, won or lost.") % {"value": status},
                "status",
            )
        return status
    closed, won = cells.flag("is_closed"), cells.flag("is_won")
    if closed is not None:
        return ("won" if won else "lost") if closed else "open"
    if not outcome:
        raise cells.error("stage", "", _("A stage or a status is required."), "required")
    return outcome


def _closed(cells: Cells, outcome: str) -> dt.datetime | None:
    if outcome == "open":
        return None
    closed = cells.moment(f"{outcome}_at") if cells.has(f"{outcome}_at") else None
    closed = closed or cells.moment("closed_at")
    if closed is None:
        raise cells.error(
            cells_field(cells, outcome),
            "",
            _("A %(outcome)s deal needs its close date.") % {"outcome": outcome},
            "closed_at",
        )
    return closed


def _ending_json(ending: Ending) -> dict[str, Any]:
    closed = ending.closed_at.isoformat() if ending.closed_at else None
    return {"stage": ending.stage, "outcome": ending.outcome, "closed_at": closed}


def ending_from_json(data: dict[str, Any]) -> Ending:
    closed = data.get("closed_at")
    return Ending(
        stage=data.get("stage", ""),
        outcome=data.get("outcome", "open"),
        closed_at=dt.datetime.fromisoformat(closed) if closed else None,
    )


def _points(raw: list[list[str]]) -> list[tuple[dt.datetime, str]]:
    return [(dt.datetime.fromisoformat(at), stage) for at, stage in raw]


def _create(context: Context, item: DealRow, account_id: int, points: list[list[str]]) -> Deal:
    version, definition = process_for(context)
    with transaction.atomic():
        deal = Deal(
            account_id=account_id,
            owner=item.owner,
            team=item.owner.teams.order_by("pk").first(),
            process_version=version,
            stage=definition.first_stage.key,
            stage_entered_at=item.created_at,
            created_at=item.created_at,
            **item.values,
        )
        steps = build_chain(
            definition, created_at=item.created_at, points=_points(points), ending=item.ending
        )
        apply_end(deal, definition, steps[-1].to_stage, steps, item.values["lost_reason"])
        deal.save()
        write_steps(context, deal, steps)
        TimelineEvent.objects.create(
            deal=deal,
            kind="deal.imported",
            at=context.now,
            actor=context.user,
            data={"source": context.source, "job": context.job.pk},
        )
        stage = definition.stage(deal.stage)
        if context.mapping.stage_tasks and deal.status == DealStatus.OPEN and stage is not None:
            create_stage_tasks(deal=deal, stage=stage, now=context.now, actor=context.user)
        audit.record(
            action="create",
            obj=deal,
            actor=context.user,
            deal_id=deal.pk,
            at=context.now,
            after=audit.values(deal),
        )
    return deal


def _update(context: Context, deal: Deal, values: dict[str, Any]) -> bool:
    changes = changed_fields(deal, values)
    changes.pop("lost_reason", None)  # kept with the history, below
    if not changes:
        return False
    with transaction.atomic():
        before = audit.values(deal, list(changes))
        for name, value in changes.items():
            if name == "custom":
                deal.custom = {**(deal.custom or {}), **value}
            else:
                setattr(deal, name, value)
        deal.version += 1
        deal.save()
        audit.record(
            action="update",
            obj=deal,
            actor=context.user,
            deal_id=deal.pk,
            before=before,
            after=audit.values(deal, list(changes)),
        )
    return True
