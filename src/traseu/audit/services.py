"""Writing the audit trail: one function, :func:`record`, called by every service that changes a
record, inside the service's own transaction (so a change that rolls back leaves no row).

Callers pass what they know (the record, the action, the values before and after); the rest
(where the change came from, the request id, the client IP, and the actor when the service does
not name one) comes from :func:`traseu.audit.context.current`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from traseu.audit.context import current
from traseu.audit.fields import AUDITED_FIELDS
from traseu.audit.models import Action, AuditEntry, Via

EMPTY: tuple[Any, ...] = (None, "", {}, [])
_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


def jsonable(value: Any) -> Any:
    """``value`` as JSON can hold it: decimals as strings, times in ISO 8601, records by id."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def values(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The JSON values of ``fields`` of ``obj`` (default: the fields the trail keeps for its
    type, :data:`~traseu.audit.fields.AUDITED_FIELDS`); a foreign key gives the related id."""
    result: dict[str, Any] = {}
    for name in AUDITED_FIELDS[object_type(obj)] if fields is None else fields:
        field = obj._meta.get_field(name)
        attribute = field.attname if isinstance(field, models.ForeignKey) else name
        result[name] = jsonable(getattr(obj, attribute))
    return result


def object_type(obj: models.Model) -> str:
    """``deal``, ``deal_contact``, ``access_token``...: the model's name in snake case."""
    return _WORD_START.sub("_", type(obj).__name__).lower()


def record(
    *,
    action: str,
    obj: models.Model,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: Any = None,
    deal_id: int | None = None,
    label: str | None = None,
    reason: str = "",
    via: str | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry | None:
    """Append one audit row for a change of ``obj``, in the caller's transaction.

    Guarantees: only changed fields are kept (a key whose value is the same before and after is
    dropped; a create keeps only the fields it set); an update that changed nothing writes no
    row and returns None; values are stored as JSON (decimals as strings, times in ISO 8601,
    related records by id). ``via`` and ``actor`` default to the current context's. Refuses to
    run outside a transaction (a programming error), since the row must share the change's fate.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must run inside the service's transaction")
    old, new = _changed(jsonable(dict(before or {})), jsonable(dict(after or {})))
    if action == Action.UPDATE and not old and not new:
        return None
    context = current()
    entry: AuditEntry = AuditEntry.objects.create(
        at=at or timezone.now(),
        actor=_actor(actor if actor is not None else context.actor),
        via=via or context.via,
        token_prefix=context.token_prefix,
        object_type=object_type(obj),
        object_id=obj.pk,
        object_label=(label if label is not None else str(obj))[:200],
        deal_id=deal_id,
        action=action,
        before=old,
        after=new,
        reason=reason.strip(),
        request_id=context.request_id[:64],
        ip=_ip(context.ip),
    )
    return entry


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    old = {k: before[k] for k in keys if k in before}
    new = {k: after[k] for k in keys if k in after and not (k not in before and after[k] in EMPTY)}
    return old, new


def _actor(candidate: Any) -> Any:
    """A signed-in user, or None (an anonymous request, a script)."""
    if candidate is None or not getattr(candidate, "is_authenticated", False):
        return None
    return candidate


def _ip(raw: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((raw or "").strip()))
    except ValueError:
        return None


__all__ = ["Action", "Via", "jsonable", "object_type", "record", "values"]
