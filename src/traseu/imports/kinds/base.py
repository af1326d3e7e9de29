"""What every kind of import shares: the run's context, row rejections, record lookups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.models import User
from traseu.crm.models import Account
from traseu.imports.mapping import Mapping
from traseu.imports.models import ExternalRef, ImportJob
from traseu.imports.values import CellError, Cells
from traseu.prospecting.models import AccountKey
from traseu.prospecting.names import normalise_name

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class Context:
    """One run: the mapping, who imports, the job, and caches shared by the rows."""

    mapping: Mapping
    user: User
    job: ImportJob
    process_key: str | None = None
    list_name: str | None = None
    now: dt.datetime = field(default_factory=timezone.now)
    users: dict[str, User | None] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    # external references met so far (None: known to be absent), filled a batch at a time
    refs: dict[tuple[str, str, str], ExternalRef | None] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.mapping.source


class Kind(Protocol):
    """A kind of record: check a row without writing (pass 1), store it (pass 2).

    Optional, looked up by the engine: ``ref_kind`` (the kind of its external references,
    prefetched a batch at a time), ``precheck(context, cells)`` (lookups for a chunk of rows
    before they are checked), ``prefetch(context, items)`` (records for a batch before it is
    stored), ``store_batch(context, items)`` (stores a whole batch, instead of ``store``),
    ``batch_scope(context)`` (a context manager around storing a batch, in its transaction).
    """

    def prepare(self, context: Context) -> None: ...

    def check(self, context: Context, cells: Cells) -> Any: ...

    def store(self, context: Context, item: Any) -> str: ...

    def finish(self, context: Context) -> dict[str, int]: ...


def find_user(context: Context, name: str) -> User | None:
    key = name.strip().casefold()
    if key not in context.users:
        context.users[key] = (
            User.objects.filter(is_active=True)
            .filter(Q(username__iexact=key) | Q(email__iexact=key))
            .order_by("pk")
            .first()
        )
    return context.users[key]


def default_owner(context: Context) -> User:
    name = context.mapping.defaults.owner
    if name:
        user = find_user(context, name)
        if user is None:
            raise CellError(
                "owner",
                "",
                name,
                _("The mapping's default owner '%(name)s' is not an active user.") % {"name": name},
                "owner_unknown",
            )
        return user
    return context.user


def owner_of(context: Context, cells: Cells) -> User:
    """The row's owner: the column's value (after its table) as a username or e-mail; blank
    gives the default owner; an unknown name is refused unless ``on_unknown: default``."""
    text = cells.text("owner")
    if not text:
        return default_owner(context)
    user = find_user(context, text)
    if user is not None:
        return user
    spec = context.mapping.columns.get("owner")
    if spec is not None and spec.on_unknown == "default":
        return default_owner(context)
    raise cells.error(
        "owner", text, _("No active user '%(name)s'.") % {"name": text}, "owner_unknown"
    )


REF_CACHE_LIMIT = 100_000


def ref_get(context: Context, source: str, kind: str, external_id: str) -> ExternalRef | None:
    """The reference of ``external_id`` (from the run's cache when it was met before)."""
    if not external_id:
        return None
    key = (source, kind, external_id)
    if key not in context.refs:
        if len(context.refs) >= REF_CACHE_LIMIT:
            context.refs.clear()
        context.refs[key] = ExternalRef.objects.filter(
            source=source, kind=kind, external_id=external_id
        ).first()
    return context.refs[key]


def prefetch_refs(context: Context, source: str, kind: str, external_ids: Iterable[str]) -> None:
    """Look up the references of a whole batch in one query."""
    wanted = {i for i in external_ids if i and (source, kind, i) not in context.refs}
    if not wanted:
        return
    if len(context.refs) + len(wanted) >= REF_CACHE_LIMIT:
        context.refs.clear()
    found = ExternalRef.objects.filter(source=source, kind=kind, external_id__in=wanted)
    for ref in found:
        context.refs[(source, kind, ref.external_id)] = ref
    for external_id in wanted:
        context.refs.setdefault((source, kind, external_id), None)


def ref_set(
    context: Context,
    source: str,
    kind: str,
    external_id: str,
    object_id: int,
    data: dict[str, Any] | None = None,
) -> None:
    """Remember (or move) which record ``external_id`` is; writes nothing when it is known."""
    if not external_id:
        return
    current = ref_get(context, source, kind, external_id)
    same_data = current is not None and (data is None or current.data == data)
    if current is not None and current.object_id == object_id and same_data:
        return
    defaults: dict[str, Any] = {"object_id": object_id}
    if data is not None:
        defaults["data"] = data
    ref, _created = ExternalRef.objects.update_or_create(
        source=source, kind=kind, external_id=external_id, defaults=defaults
    )
    context.refs[(source, kind, external_id)] = ref


def ref_id(context: Context, source: str, kind: str, external_id: str) -> int | None:
    """The record id of ``external_id`` (from the run's cache, or one query)."""
    ref = ref_get(context, source, kind, external_id)
    return ref.object_id if ref else None


def quiet_text(cells: Cells, field: str) -> str:
    """A cell's text for a lookup; a bad value reads as blank (the row's own check reports
    it)."""
    try:
        return cells.text(field)
    except CellError:
        return ""


def keys_lookup(domains: set[str], name_keys: set[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Accounts by normalised domain and by normalised name (the oldest one per key)."""
    rows = (
        AccountKey.objects.filter(Q(domain__in=domains) | Q(name_key__in=name_keys))
        .order_by("-account_id")
        .values_list("account_id", "domain", "name_key")
    )
    by_domain: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for account_id, domain, name_key in rows:  # newest first: the oldest wins
        if domain in domains:
            by_domain[domain] = account_id
        if name_key in name_keys:
            by_name[name_key] = account_id
    return by_domain, by_name


def account_by_keys(*, domain: str, name: str) -> Account | None:
    """An existing account by normalised domain, then normalised name (prospecting's keys)."""
    key = None
    if domain:
        key = AccountKey.objects.filter(domain=domain).order_by("account_id").first()
    if key is None and name.strip():
        key = (
            AccountKey.objects.filter(name_key=normalise_name(name)).order_by("account_id").first()
        )
    if key is not None:
        return Account.objects.filter(pk=key.account_id).first()
    return None


def changed_fields(obj: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The values that differ from ``obj``'s (custom attributes compared key by key); blank
    values never erase what is stored."""
    changes: dict[str, Any] = {}
    for name, value in values.items():
        if value in (None, "") or value == {}:
            continue
        if name == "custom":
            current = dict(getattr(obj, "custom", None) or {})
            if any(current.get(k) != v for k, v in value.items()):
                changes[name] = value
        elif isinstance(value, Model):  # compare ids: no query for the related row
            if getattr(obj, f"{name}_id") != value.pk:
                changes[name] = value
        elif getattr(obj, name) != value:
            changes[name] = value
    return changes
