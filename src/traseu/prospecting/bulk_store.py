"""The engine behind :func:`traseu.prospecting.bulk.store_prospects`: one batch at a time.

Per batch: the rows' keys, one query for the prospects the list has already, one for the
accounts the new rows are recognised as, the fit scores (a compiled profile, see
:mod:`traseu.process.icp_compiled`), then one bulk insert and one bulk update
(:mod:`traseu.prospecting.bulk_sql`).

Repeats within a run are told without remembering every key: a stored prospect with an id
above the largest id at the start of the run was created by this run, and the stored ones
this run has matched already are marked in a bitmap over the ids (an eighth of a byte per
id the table had at the start).
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from traseu.core.models import User
from traseu.crm.models import Account
from traseu.process import icp_compiled
from traseu.prospecting import bulk_clean, bulk_sql
from traseu.prospecting.bulk_clean import ProspectRow
from traseu.prospecting.fit import profile_definition
from traseu.prospecting.models import Prospect, ProspectList
from traseu.prospecting.names import normalise_name

Clock = Callable[[], dt.datetime]
_data = operator.attrgetter(*bulk_clean.DATA_FIELDS)
_dumps = json.dumps
DATA_FIELDS = bulk_clean.DATA_FIELDS
ACCOUNT_VALUES = (
    "account_id",
    "domain",
    "name_key",
    "account__name",
    "account__domain",
    "account__industry",
    "account__employees",
    "account__annual_revenue",
    "account__country",
    "account__is_customer",
    "account__custom",
)


def account_attributes(values: Sequence[Any]) -> dict[str, Any]:
    """As :func:`traseu.prospecting.fit.account_attributes`, from a row of ACCOUNT_VALUES[3:]."""
    name, domain, industry, employees, revenue, country, is_customer, custom = values
    custom = dict(custom or {})
    tags = custom.get("tags") if isinstance(custom, Mapping) else None
    return {
        "name": name,
        "domain": domain,
        "industry": industry,
        "employees": employees,
        "annual_revenue": revenue,
        "country": country,
        "is_customer": is_customer,
        "tags": tags,
        "custom": custom,
    }


@dataclass
class Accounts:
    """The accounts a batch is recognised as: ids by domain and by name, and their values."""

    by_domain: dict[str, int]
    by_name: dict[str, int]
    attributes: dict[int, dict[str, Any]]

    def find(self, domain: str, name_key: str) -> tuple[int | None, str]:
        if domain and domain in self.by_domain:
            return self.by_domain[domain], "domain"
        if name_key and name_key in self.by_name:
            return self.by_name[name_key], "name"
        return None, ""


def accounts_for(domains: set[str], names: set[str], linked: set[int]) -> Accounts:
    """One query by keys (customers first, then the oldest, as ``accounts_matching``) and,
    only when updated rows are linked already, one for those accounts."""
    found = Accounts({}, {}, {})
    domains.discard("")
    names.discard("")
    if domains or names:
        for row in bulk_sql.account_keys(domains, names):
            account_id, domain, name_key = row[:3]
            if domain in domains:
                found.by_domain.setdefault(domain, account_id)
            if name_key in names:
                found.by_name.setdefault(name_key, account_id)
            if account_id not in found.attributes:
                found.attributes[account_id] = account_attributes(row[3:])
    missing = linked - found.attributes.keys()
    if missing:
        columns = [value.removeprefix("account__") for value in ACCOUNT_VALUES[3:]]
        for pk, *values in Account.objects.filter(pk__in=missing).values_list("pk", *columns):
            found.attributes[pk] = account_attributes(values)
    return found


@dataclass(slots=True)
class Pending:
    """A row on its way in: its keys, the stored prospect it matches (if any), and, once
    merged with that one, the values to write (``values``; None for a new row)."""

    row: ProspectRow
    name_key: str
    dedupe_key: str
    existing: dict[str, Any] | None = None
    values: dict[str, Any] | None = None
    account_id: int | None = None
    matched_by: str = ""

    @property
    def domain(self) -> str:
        return self.values["domain"] if self.values is not None else self.row.domain


@dataclass
class Run:
    prospect_list_id: int
    scorer: icp_compiled.CompiledProfile | None
    created_by_id: int | None
    fields: tuple[str, ...]
    clock: Clock
    first_new_id: int
    seen: bytearray
    writer: bulk_sql.Writer

    @classmethod
    def start(
        cls,
        prospect_list: ProspectList,
        *,
        acting_user: User | None,
        fields: tuple[str, ...],
        clock: Clock,
    ) -> Run:
        profile = prospect_list.profile
        scorer = icp_compiled.compile_profile(profile_definition(profile)) if profile else None
        last = Prospect.objects.aggregate(last=Max("pk"))["last"] or 0
        return cls(
            prospect_list_id=prospect_list.pk,
            scorer=scorer,
            created_by_id=acting_user.pk if acting_user is not None else None,
            fields=fields,
            clock=clock,
            first_new_id=last + 1,
            seen=bytearray(last // 8 + 1),
            writer=bulk_sql.Writer.for_connection(),
        )

    def _seen_before(self, pk: int) -> bool:
        """Whether this run met the stored prospect ``pk`` already (and mark it met)."""
        if pk >= self.first_new_id:
            return True
        byte, bit = divmod(pk, 8)
        if self.seen[byte] >> bit & 1:
            return True
        self.seen[byte] |= 1 << bit
        return False

    def store(self, batch: Sequence[ProspectRow]) -> tuple[int, int, int, int]:
        """Store one batch; (created, updated, unchanged, duplicates)."""
        pending, duplicates = self._unique(batch)
        self._attach_existing(pending)
        fresh: list[Pending] = []
        changed: list[Pending] = []
        for item in pending:
            if item.existing is None:
                fresh.append(item)
            elif self._seen_before(item.existing["pk"]):
                duplicates += 1
            elif self._merge(item):
                changed.append(item)
        unlinked = fresh + [item for item in changed if item.account_id is None]
        accounts = accounts_for(
            {item.domain for item in unlinked},
            {item.name_key for item in unlinked},
            {item.account_id for item in changed if item.account_id is not None},
        )
        find = accounts.find
        for item in unlinked:
            item.account_id, item.matched_by = find(item.domain, item.name_key)
        now, updated_at = self.clock(), timezone.now()
        self.writer.insert(
            [self._new_row(item, accounts) for item in fresh],
            list_id=self.prospect_list_id,
            created_by_id=self.created_by_id,
            created_at=now,
            updated_at=updated_at,
        )
        self.writer.update([self._changed_row(item, accounts) for item in changed], updated_at)
        unchanged = len(batch) - len(fresh) - len(changed)
        return len(fresh), len(changed), unchanged, duplicates

    def _unique(self, batch: Sequence[ProspectRow]) -> tuple[list[Pending], int]:
        """The batch without rows repeating an earlier one (same external id or key)."""
        keys: set[str] = set()
        external_ids: set[str] = set()
        pending = []
        for row in batch:
            name_key = normalise_name(row.company_name)
            key = f"d:{row.domain}" if row.domain else f"n:{name_key}"  # names.dedupe_key
            external_id = row.external_id
            if key in keys or (external_id and external_id in external_ids):
                continue
            keys.add(key)
            if external_id:
                external_ids.add(external_id)
            pending.append(Pending(row, name_key, key))
        return pending, len(batch) - len(pending)

    def _attach_existing(self, pending: list[Pending]) -> None:
        """One query: the list's prospects with any of the batch's external ids or keys."""
        external_ids = {item.row.external_id for item in pending} - {""}
        keys = {item.dedupe_key for item in pending}
        by_external: dict[str, dict[str, Any]] = {}
        by_key: dict[str, dict[str, Any]] = {}
        for values in bulk_sql.existing_prospects(self.prospect_list_id, keys, external_ids):
            if values["external_id"]:
                by_external[values["external_id"]] = values
            by_key[values["dedupe_key"]] = values
        if not by_key:
            return
        for item in pending:
            external_id = item.row.external_id
            item.existing = (by_external.get(external_id) if external_id else None) or (
                by_key.get(item.dedupe_key)
            )

    def _merge(self, item: Pending) -> bool:
        """Fold the row into the stored prospect's values; whether anything changed."""
        stored = item.existing
        assert stored is not None
        merged = {name: stored[name] for name in DATA_FIELDS}
        for name in self.fields:
            value = getattr(item.row, name)
            if name == "external_id" and not value:
                continue
            merged[name] = value
        if all(_same(merged[name], stored[name]) for name in DATA_FIELDS):
            return False
        item.values = merged
        item.account_id, item.matched_by = stored["account_id"], stored["matched_by"]
        item.name_key = normalise_name(merged["company_name"])
        item.dedupe_key = stored["dedupe_key"]
        return True

    def _fit(self, attributes: dict[str, Any]) -> tuple[int | None, str]:
        if self.scorer is None:
            return None, "[]"
        return self.scorer.score_json(attributes)

    def _new_row(self, item: Pending, accounts: Accounts) -> tuple[Any, ...]:
        """The ROW_COLUMNS of a new prospect."""
        row, account_id = item.row, item.account_id
        base = accounts.attributes[account_id] if account_id is not None else None
        if base is None:
            custom = row.custom
            attributes = {
                "name": row.company_name or None,
                "domain": row.domain or None,
                "industry": row.industry or None,
                "employees": row.employees,
                "annual_revenue": row.annual_revenue,
                "country": row.country or None,
                "is_customer": False,
                "custom": custom,
                "tags": custom.get("tags"),
            }
        else:
            attributes = _attributes(dict(zip(DATA_FIELDS, _data(row), strict=True)), base)
        score, explanation = self._fit(attributes)
        return (
            row.company_name,
            item.name_key,
            row.domain,
            row.industry,
            row.employees,
            row.annual_revenue,
            row.country,
            row.contact_first_name,
            row.contact_last_name,
            row.contact_email,
            row.contact_title,
            row.contact_phone,
            row.source,
            row.external_id,
            _dumps(row.custom) if row.custom else "{}",
            item.dedupe_key,
            score,
            explanation,
            account_id,
            item.matched_by,
        )

    def _changed_row(self, item: Pending, accounts: Accounts) -> tuple[Any, ...]:
        """The ROW_COLUMNS of a stored prospect, then its id."""
        values, stored = item.values, item.existing
        assert values is not None
        assert stored is not None
        base = accounts.attributes.get(item.account_id) if item.account_id else None
        score, explanation = self._fit(_attributes(values, base))
        values.update(
            name_key=item.name_key,
            dedupe_key=item.dedupe_key,
            account_id=item.account_id,
            matched_by=item.matched_by,
            fit_score=score,
            fit_explanation=explanation,
            custom=_dumps(values["custom"]),
        )
        return (*(values[column] for column in bulk_sql.ROW_COLUMNS), stored["pk"])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, Decimal) or isinstance(right, Decimal):
        return left == right and (left is None) == (right is None)
    return bool(left == right)


OWN_ATTRIBUTES = (
    ("name", "company_name"),
    ("domain", "domain"),
    ("industry", "industry"),
    ("employees", "employees"),
    ("annual_revenue", "annual_revenue"),
    ("country", "country"),
)


def _attributes(values: Mapping[str, Any], base: Mapping[str, Any] | None) -> dict[str, Any]:
    """As :func:`traseu.prospecting.fit.prospect_attributes`: own values, blanks filled from
    the recognised account's."""
    own_custom = values["custom"]
    if base is None:
        merged: dict[str, Any] = {}
        for attribute, name in OWN_ATTRIBUTES:
            value = values[name]
            merged[attribute] = None if value is None or value == "" else value
        custom = dict(own_custom or {})
        merged["is_customer"] = False
    else:
        merged = {}
        for attribute, name in OWN_ATTRIBUTES:
            value = values[name]
            merged[attribute] = base.get(attribute) if value is None or value == "" else value
        custom = {**base["custom"], **dict(own_custom or {})}
        merged["is_customer"] = bool(base["is_customer"])
    merged["custom"], merged["tags"] = custom, custom.get("tags")
    return merged
