"""Writes for a deal's contract and its negotiation rounds.

Statuses move drafting -> negotiating -> signed, and any unsigned contract may be cancelled
(a signed one too, when the client withdraws); anything else is refused with
``contract_transition_invalid``. Signing stamps ``signed_on`` (today unless given). A signed or
cancelled contract's terms no longer change. Recording a negotiation round on a draft moves it
to negotiating.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound
from traseu.core.models import User
from traseu.crm.models import TimelineEvent
from traseu.sales import validation as check
from traseu.sales.access import deal_for_writer
from traseu.sales.models import Contract, ContractStatus, NegotiationRound, Party

Clock = Callable[[], dt.datetime]
TERM_FIELDS = ("terms", "value", "currency", "start_date", "end_date")
FIELDS = (*TERM_FIELDS, "status", "signed_on")
ALLOWED: dict[str, tuple[str, ...]] = {
    ContractStatus.DRAFTING: ("negotiating", "signed", "cancelled"),
    ContractStatus.NEGOTIATING: ("drafting", "signed", "cancelled"),
    ContractStatus.SIGNED: ("cancelled",),
    ContractStatus.CANCELLED: (),
}


def _values(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown contract fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    values: dict[str, Any] = {}
    if "terms" in data:
        values["terms"] = check.text(data["terms"], "terms")
    if "value" in data:
        values["value"] = check.decimal(data["value"], "value", places=2, required=False)
    if "currency" in data:
        values["currency"] = check.currency(data["currency"])
    for name in ("start_date", "end_date", "signed_on"):
        if name in data:
            values[name] = check.date(data[name], name)
    if "status" in data:
        values["status"] = check.choice(data["status"], "status", list(ContractStatus.values))
    return values


def _check_dates(contract: Contract) -> None:
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        raise check.invalid("end_date", _("The end cannot come before the start."))


def contract_create(
    *,
    deal_id: int,
    acting_user: User,
    data: Mapping[str, Any] | None = None,
    clock: Clock = timezone.now,
) -> Contract:
    """Open the deal's contract (one per deal), drafting, in the deal's currency and amount."""
    deal = deal_for_writer(acting_user, deal_id)
    values = _values(dict(data or {}))
    if values.pop("status", ContractStatus.DRAFTING) != ContractStatus.DRAFTING:
        raise check.invalid("status", _("A new contract starts as drafting."))
    now = clock()
    with transaction.atomic():
        if Contract.objects.filter(deal=deal).exists():
            raise Conflict(_("This deal already has a contract."), code="contract_exists")
        contract = Contract(
            deal=deal,
            currency=deal.currency,
            value=deal.amount,
            created_at=now,
            **{k: v for k, v in values.items() if k != "signed_on"},
        )
        _check_dates(contract)
        with check.unique(_("This deal already has a contract."), "contract_exists"):
            contract.save()
        TimelineEvent.objects.create(
            deal=deal, kind="contract.created", at=now, actor=acting_user, data={}
        )
        audit.record(
            action="create",
            obj=contract,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after=audit.values(contract, FIELDS),
        )
    return contract


def _locked(user: User, deal_id: int, expected_version: int | None) -> Contract:
    deal_for_writer(user, deal_id)
    contract = Contract.objects.select_for_update().filter(deal_id=deal_id).first()
    if contract is None:
        raise NotFound(_("This deal has no contract yet."), code="contract_not_found")
    check.check_version(contract.version, expected_version, _("contract"))
    return contract


def contract_update(
    *,
    deal_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None,
    clock: Clock = timezone.now,
) -> Contract:
    """Change the terms and/or the status (see the module docstring for the rules)."""
    values = _values(changes)
    now = clock()
    with transaction.atomic():
        contract = _locked(acting_user, deal_id, expected_version)
        before = audit.values(contract, FIELDS)
        closed = contract.status in (ContractStatus.SIGNED, ContractStatus.CANCELLED)
        if closed and set(values) & set(TERM_FIELDS):
            raise Conflict(
                _("A %(status)s contract's terms cannot change.")
                % {"status": contract.get_status_display()},
                code="contract_closed",
            )
        target = values.pop("status", contract.status)
        for name, value in values.items():
            setattr(contract, name, value)
        if target != contract.status:
            _move(contract, target, now)
        _check_dates(contract)
        contract.version = F("version") + 1
        contract.save()
        contract.refresh_from_db()
        after = audit.values(contract, FIELDS)
        if before["status"] != after["status"]:
            TimelineEvent.objects.create(
                deal_id=deal_id,
                kind=f"contract.{target}",
                at=now,
                actor=acting_user,
                data={"from": before["status"]},
            )
        audit.record(
            action="update",
            obj=contract,
            actor=acting_user,
            deal_id=deal_id,
            at=now,
            before=before,
            after=after,
        )
    return contract


def _move(contract: Contract, target: str, now: dt.datetime) -> None:
    if target not in ALLOWED[contract.status]:
        raise Conflict(
            _("A %(status)s contract cannot become %(target)s (allowed: %(allowed)s).")
            % {
                "status": contract.status,
                "target": target,
                "allowed": ", ".join(ALLOWED[contract.status]) or _("none"),
            },
            code="contract_transition_invalid",
            details={"status": contract.status, "allowed": list(ALLOWED[contract.status])},
        )
    contract.status = target
    if target == ContractStatus.SIGNED and contract.signed_on is None:
        contract.signed_on = timezone.localdate(now)


def negotiation_round_add(
    *,
    deal_id: int,
    acting_user: User,
    data: Mapping[str, Any],
    expected_version: int | None = None,
    clock: Clock = timezone.now,
) -> NegotiationRound:
    """Record one exchange: who asked for what, and what was conceded and by whom."""
    asked_by = check.choice(data.get("asked_by"), "asked_by", list(Party.values))
    asked = check.text(data.get("asked"), "asked", required=True, max_length=5000)
    conceded = check.text(data.get("conceded"), "conceded", max_length=5000)
    conceded_by = str(data.get("conceded_by") or "").strip()
    if conceded_by or conceded:
        conceded_by = check.choice(conceded_by, "conceded_by", list(Party.values))
    person = check.text(data.get("person"), "person", max_length=200)
    at = data.get("at") or clock()
    if not isinstance(at, dt.datetime):
        raise check.invalid("at", _("Give the time of the round."))
    with transaction.atomic():
        contract = _locked(acting_user, deal_id, expected_version)
        if contract.status in (ContractStatus.SIGNED, ContractStatus.CANCELLED):
            raise Conflict(_("The contract is closed to negotiation."), code="contract_closed")
        number = (contract.rounds.aggregate(n=Max("number"))["n"] or 0) + 1
        row = NegotiationRound.objects.create(
            contract=contract,
            number=number,
            asked_by=asked_by,
            asked=asked,
            conceded_by=conceded_by,
            conceded=conceded,
            person=person,
            at=at,
            recorded_by=acting_user,
        )
        moved = contract.status == ContractStatus.DRAFTING
        Contract.objects.filter(pk=contract.pk).update(
            version=F("version") + 1,
            status=ContractStatus.NEGOTIATING if moved else contract.status,
        )
        audit.record(
            action="create",
            obj=row,
            actor=acting_user,
            deal_id=deal_id,
            after={
                "number": number,
                "asked_by": asked_by,
                "asked": asked,
                "conceded_by": conceded_by,
                "conceded": conceded,
                "person": person,
            },
        )
        if moved:
            audit.record(
                action="update",
                obj=contract,
                actor=acting_user,
                deal_id=deal_id,
                before={"status": "drafting"},
                after={"status": "negotiating"},
            )
    return row
