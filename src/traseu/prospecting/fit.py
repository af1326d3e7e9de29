"""Fit scores: applying ideal customer profiles and keeping every score current.

Scores are stored, not computed on reading: one :class:`AccountFit` per account and profile,
and the score of each prospect against its list's profile. They are recomputed

* for one account, when a CRM service writes it (:func:`account_changed`, called by
  ``account_create`` and ``account_update``): its recognition keys, its fit with every profile,
  the prospects it is recognised as, and the scores of the prospects linked to it (a bulk
  writer such as an import batch defers all but the keys to the end of a :func:`fits_deferred`
  block, which stores the same rows with a few queries for the whole batch);
* for every account and prospect of a profile, when the profile changes (:func:`icp_apply_text`);
* for everything, on demand (:func:`fits_recompute`, ``traseu icp score``), in chunks with one
  upsert per chunk.

Accounts written around the services (the Django admin, raw ORM writes) are rescored and
recognised by the next :func:`fits_recompute`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Account
from traseu.crm.services import normalise_domain
from traseu.process import icp as icp_core
from traseu.prospecting.models import (
    AccountFit,
    AccountKey,
    IdealCustomerProfile,
    Prospect,
    ProspectStatus,
)
from traseu.prospecting.names import normalise_name

Clock = Callable[[], dt.datetime]
CHUNK = 2000
ACCOUNT_COLUMNS = (
    "pk",
    "name",
    "domain",
    "industry",
    "employees",
    "annual_revenue",
    "country",
    "is_customer",
    "custom",
)
OPEN_STATUSES = (ProspectStatus.NEW, ProspectStatus.RESEARCHING, ProspectStatus.DISQUALIFIED)


@functools.lru_cache(maxsize=128)
def _definition(profile_id: int, digest: str) -> icp_core.IdealCustomerProfile:
    document = IdealCustomerProfile.objects.values_list("document", flat=True).get(pk=profile_id)
    definition, problems = icp_core.build_profile(document)
    if definition is None:  # stored documents were valid when applied
        raise RuntimeError(f"stored profile {profile_id} no longer loads: {problems}")
    return definition


def profile_definition(profile: IdealCustomerProfile) -> icp_core.IdealCustomerProfile:
    """The core profile of a stored one, loaded once per profile and digest."""
    return _definition(profile.pk, profile.digest)


def _tags(custom: Mapping[str, Any]) -> Any:
    return custom.get("tags") if isinstance(custom, Mapping) else None


def account_attributes(account: Account) -> dict[str, Any]:
    """What an ICP criterion can read of an account (``tags`` is the custom attribute)."""
    custom = dict(account.custom or {})
    return {
        "name": account.name,
        "domain": account.domain,
        "industry": account.industry,
        "employees": account.employees,
        "annual_revenue": account.annual_revenue,
        "country": account.country,
        "is_customer": account.is_customer,
        "tags": _tags(custom),
        "custom": custom,
    }


def prospect_attributes(prospect: Prospect, account: Account | None) -> dict[str, Any]:
    """A prospect's own values, falling back to those of the account it is recognised as."""
    own = {
        "name": prospect.company_name,
        "domain": prospect.domain,
        "industry": prospect.industry,
        "employees": prospect.employees,
        "annual_revenue": prospect.annual_revenue,
        "country": prospect.country,
        "is_customer": False,
    }
    base = account_attributes(account) if account is not None else {}
    merged: dict[str, Any] = {
        name: value if value not in (None, "") else base.get(name) for name, value in own.items()
    }
    custom = {**base.get("custom", {}), **dict(prospect.custom or {})}
    merged["is_customer"] = bool(base.get("is_customer", False))
    merged["custom"], merged["tags"] = custom, _tags(custom)
    return merged


def score_prospect(
    prospect: Prospect,
    profile: IdealCustomerProfile | None,
    labels: Sequence[str] | None = None,
) -> None:
    """Set (not save) the prospect's fit with ``profile`` (none: no score)."""
    if profile is None:
        prospect.fit_score, prospect.fit_explanation = None, []
        return
    attributes = prospect_attributes(prospect, prospect.account)
    result = icp_core.fit(profile_definition(profile), attributes, labels=labels)
    prospect.fit_score, prospect.fit_explanation = result.score, result.explanation()


def account_key(account: Account) -> AccountKey:
    return AccountKey(
        account_id=account.pk,
        domain=normalise_domain(account.domain or ""),
        name_key=normalise_name(account.name or ""),
    )


def _upsert_keys(keys: Sequence[AccountKey]) -> None:
    AccountKey.objects.bulk_create(
        keys, update_conflicts=True, unique_fields=["account"], update_fields=["domain", "name_key"]
    )


def _upsert_fits(
    accounts: Sequence[Account], profiles: Sequence[IdealCustomerProfile], now: dt.datetime
) -> int:
    rows = []
    for profile in profiles:
        definition = profile_definition(profile)
        labels = [criterion.describe() for criterion in definition.criteria]
        for account in accounts:
            result = icp_core.fit(definition, account_attributes(account), labels=labels)
            rows.append(
                AccountFit(
                    account_id=account.pk,
                    profile_id=profile.pk,
                    score=result.score,
                    explanation=result.explanation(),
                    digest=profile.digest,
                    computed_at=now,
                )
            )
    AccountFit.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["account", "profile"],
        update_fields=["score", "explanation", "digest", "computed_at"],
        batch_size=500,
    )
    return len(rows)


@dataclass(frozen=True)
class Matches:
    """Existing accounts by normalised domain and by normalised name."""

    by_domain: dict[str, int]
    by_name: dict[str, int]

    def find(self, domain: str, name_key: str) -> tuple[int | None, str]:
        """The account for a prospect and how it was recognised ("domain", "name" or "")."""
        if domain and domain in self.by_domain:
            return self.by_domain[domain], "domain"
        if name_key and name_key in self.by_name:
            return self.by_name[name_key], "name"
        return None, ""


def accounts_matching(domains: Iterable[str], names: Iterable[str]) -> Matches:
    """Accounts recognised by any of ``domains`` or ``names`` (one query). Where several
    share a key, customers come first, then the oldest."""
    domains, names = {d for d in domains if d}, {n for n in names if n}
    if not domains and not names:
        return Matches({}, {})
    rows = (
        AccountKey.objects.filter(Q(domain__in=domains) | Q(name_key__in=names))
        .order_by("-account__is_customer", "account_id")
        .values_list("account_id", "domain", "name_key")
    )
    by_domain: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for account_id, domain, name_key in rows:
        if domain in domains:
            by_domain.setdefault(domain, account_id)
        if name_key in names:
            by_name.setdefault(name_key, account_id)
    return Matches(by_domain, by_name)


def _prospects_of(accounts: Sequence[Account], keys: Sequence[AccountKey]) -> QuerySet[Prospect]:
    domains = {key.domain for key in keys if key.domain}
    names = {key.name_key for key in keys if key.name_key}
    unlinked = Q(account__isnull=True, status__in=OPEN_STATUSES) & (
        Q(domain__in=domains) | Q(name_key__in=names)
    )
    linked = Q(account_id__in=[account.pk for account in accounts])
    return Prospect.objects.filter(unlinked | linked).select_related(
        "account", "prospect_list__profile"
    )


def _first_match(
    matches: Matches, order: Mapping[int, int], prospect: Prospect, *, first_wins: bool
) -> tuple[int | None, str]:
    """The account that recognises ``prospect``: by domain, then name; with ``first_wins``
    the earlier of the two accounts (in refresh order), as one-at-a-time refreshes link it."""
    if not first_wins:
        return matches.find(prospect.domain, prospect.name_key)
    by_domain = matches.by_domain.get(prospect.domain) if prospect.domain else None
    by_name = matches.by_name.get(prospect.name_key) if prospect.name_key else None
    if by_domain is not None and (by_name is None or order[by_domain] <= order[by_name]):
        return by_domain, "domain"
    if by_name is not None:
        return by_name, "name"
    return None, ""


def _refresh_prospects(
    accounts: Sequence[Account], keys: Sequence[AccountKey], *, first_wins: bool = False
) -> int:
    """Recognise unlinked prospects as these accounts; rescore every prospect linked to them."""
    matches = Matches(
        {key.domain: key.account_id for key in keys if key.domain},
        {key.name_key: key.account_id for key in keys if key.name_key},
    )
    if first_wins:
        matches = Matches({}, {})
        for key in keys:  # the first account with a key keeps it, as refreshing in order would
            if key.domain:
                matches.by_domain.setdefault(key.domain, key.account_id)
            if key.name_key:
                matches.by_name.setdefault(key.name_key, key.account_id)
    order = {key.account_id: position for position, key in enumerate(keys)}
    by_id = {account.pk: account for account in accounts}
    changed = []
    for prospect in _prospects_of(accounts, keys):
        if prospect.account_id is None:
            account_id, how = _first_match(matches, order, prospect, first_wins=first_wins)
            if account_id is None:
                continue
            prospect.account, prospect.matched_by = by_id[account_id], how
        score_prospect(prospect, prospect.prospect_list.profile)
        changed.append(prospect)
    Prospect.objects.bulk_update(
        changed, ["account", "matched_by", "fit_score", "fit_explanation"], batch_size=500
    )
    return len(changed)


def accounts_refresh(*, accounts: Sequence[Account], clock: Clock = timezone.now) -> None:
    """Recompute the keys, the fits with every profile and the prospects of ``accounts``.

    Guarantees: in the caller's transaction (or one of its own); afterwards every profile has
    exactly one fit row per account, computed from the accounts as given.
    """
    if not accounts:
        return
    with transaction.atomic():
        keys = [account_key(account) for account in accounts]
        _upsert_keys(keys)
        _upsert_fits(accounts, list(IdealCustomerProfile.objects.all()), clock())
        _refresh_prospects(accounts, keys)


def account_changed(*, account: Account) -> None:
    """What the CRM's account services call after writing ``account``. Inside
    :func:`fits_deferred` only its recognition key is written now (later rows of the batch
    find the account by it); its fits and prospects wait for the block's end."""
    pending = _pending.get()
    if pending is None:
        accounts_refresh(accounts=[account])
        return
    _upsert_keys([account_key(account)])
    pending.setdefault(account.pk, None)


_pending: ContextVar[dict[int, None] | None] = ContextVar("traseu_fits_pending", default=None)


@contextmanager
def fits_deferred(*, clock: Clock = timezone.now) -> Iterator[None]:
    """Refresh the fits and prospects of the accounts changed in the block once, at its end.

    For bulk writers (an import batch), inside their transaction. The stored scores,
    explanations, links and keys are those of refreshing each account as it was written
    (fits from the accounts as the block leaves them; an unlinked prospect goes to the first
    changed account that recognises it), with a few queries for the block instead of a few
    per account. Nothing is refreshed when the block raises (its transaction rolls back).
    """
    if _pending.get() is not None:  # nested: the outer block refreshes
        yield
        return
    pending: dict[int, None] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    _refresh_in_order(list(pending), clock)


def _refresh_in_order(ids: Sequence[int], clock: Clock) -> None:
    """What :func:`accounts_refresh` would store refreshing ``ids`` one at a time, in order."""
    if not ids:
        return
    found = Account.objects.only(*ACCOUNT_COLUMNS).in_bulk(ids)
    accounts = [found[pk] for pk in ids if pk in found]
    with transaction.atomic():
        keys = [account_key(account) for account in accounts]
        _upsert_keys(keys)
        _upsert_fits(accounts, list(IdealCustomerProfile.objects.all()), clock())
        _refresh_prospects(accounts, keys, first_wins=True)


@dataclass(frozen=True)
class RecomputeReport:
    accounts: int
    fits: int
    prospects: int


def _account_chunks(chunk_size: int) -> Iterable[list[Account]]:
    rows = Account.objects.order_by("pk").only(*ACCOUNT_COLUMNS)
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:chunk_size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def prospects_rescore(
    *, profile: IdealCustomerProfile | None = None, chunk_size: int = CHUNK
) -> int:
    """Rescore the prospects of every list (of ``profile``'s lists only, if given), one
    transaction per chunk."""
    prospects = Prospect.objects.select_related("account", "prospect_list__profile").order_by("pk")
    if profile is not None:
        prospects = prospects.filter(prospect_list__profile=profile)
    count, last = 0, 0
    labels: dict[int, list[str]] = {}
    while chunk := list(prospects.filter(pk__gt=last)[:chunk_size]):
        for prospect in chunk:
            list_profile = prospect.prospect_list.profile
            if list_profile is not None and list_profile.pk not in labels:
                criteria = profile_definition(list_profile).criteria
                labels[list_profile.pk] = [criterion.describe() for criterion in criteria]
            found = labels.get(list_profile.pk) if list_profile is not None else None
            score_prospect(prospect, list_profile, found)
        with transaction.atomic():
            Prospect.objects.bulk_update(chunk, ["fit_score", "fit_explanation"], batch_size=500)
        count, last = count + len(chunk), chunk[-1].pk
    return count


def fits_recompute(
    *,
    profile: IdealCustomerProfile | None = None,
    chunk_size: int = CHUNK,
    clock: Clock = timezone.now,
) -> RecomputeReport:
    """Recompute every account's keys and fits (with ``profile`` only, if given), then the
    prospects' scores. One transaction per chunk of accounts: a large run does not hold the
    database for its whole length, and an interrupted one is finished by running it again."""
    profiles = [profile] if profile is not None else list(IdealCustomerProfile.objects.all())
    accounts = fits = 0
    now = clock()
    for chunk in _account_chunks(chunk_size):
        with transaction.atomic():
            _upsert_keys([account_key(account) for account in chunk])
            fits += _upsert_fits(chunk, profiles, now) if profiles else 0
        accounts += len(chunk)
    prospects = prospects_rescore(profile=profile, chunk_size=chunk_size)
    return RecomputeReport(accounts=accounts, fits=fits, prospects=prospects)


@dataclass(frozen=True)
class ApplyResult:
    profile: IdealCustomerProfile
    created: bool
    changed: bool
    report: RecomputeReport | None = None


def icp_apply_text(
    *, text: str, acting_user: User | None = None, file: str = "", clock: Clock = timezone.now
) -> ApplyResult:
    """Validate an ICP document and store it (by its key); when it changed, recompute the
    scores of every account and of the prospects of the lists that use it.

    Guarantees: an invalid document raises ``ProcessDocumentError`` (every problem, with its
    line) and stores nothing; an unchanged document (same canonical digest) changes nothing;
    only a sales manager or an administrator may apply one (``publish_forbidden``); the CLI
    applies without a user.
    """
    if acting_user is not None and not acting_user.may_publish_processes:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may change an ideal customer profile."),
            code="publish_forbidden",
        )
    definition = icp_core.load_text(text, file=file)
    fingerprint = icp_core.digest(definition)
    with transaction.atomic():
        row, created = IdealCustomerProfile.objects.select_for_update().get_or_create(
            key=definition.key,
            defaults={"name": definition.name, "document": {}, "digest": "", "source": text},
        )
        if not created and row.digest == fingerprint:
            return ApplyResult(row, created=False, changed=False)
        row.name, row.description = definition.name, definition.description
        row.source, row.document = text, icp_core.to_document(definition)
        row.digest, row.updated_by = fingerprint, acting_user
        row.version = 1 if created else row.version + 1
        row.save()
    report = fits_recompute(profile=row, clock=clock)
    return ApplyResult(row, created=created, changed=True, report=report)


def icp_apply_file(*, path: str | Path, acting_user: User | None = None) -> ApplyResult:
    """Apply an ICP document from disk (an unreadable file is a document problem)."""
    definition_text = _read(path)
    return icp_apply_text(text=definition_text, acting_user=acting_user, file=str(path))


def _read(path: str | Path) -> str:
    icp_core.load_file(path)  # unreadable or invalid: ProcessDocumentError with the file name
    return Path(path).read_text(encoding="utf-8-sig")
