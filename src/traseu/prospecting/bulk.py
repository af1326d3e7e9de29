"""Storing many prospects at once: the importer's fast path into a prospect list.

:func:`store_prospects` gives the same rows as :func:`traseu.prospecting.services.prospect_add`
called once per row (same cleaning, de-duplication, account recognition and fit score), but
works in batches: per batch one query finds the prospects the list has already (by external
id, then by the dedupe key), one finds the existing accounts (by normalised domain, then
name), the new rows go in with one ``executemany`` (SQLite) or one ``COPY`` (PostgreSQL), and
the changed ones are updated in one ``executemany``. Rows are read from an iterable and never
all kept: memory stays flat however long the file is.

Build rows with :func:`prospect_row` (it checks and normalises them as ``prospect_add`` does);
``store_prospects`` trusts what it is given.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit.models import Action
from traseu.audit.services import record
from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.prospecting import bulk_store
from traseu.prospecting.bulk_clean import ProspectRow, clean_row
from traseu.prospecting.models import ProspectList
from traseu.prospecting.services import PROSPECT_FIELDS

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class BulkCounts:
    """What a run did (or, in a dry run, would do). ``unchanged`` includes the rows that
    repeat a company met earlier in the same run (also counted in ``duplicates``)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0

    def __add__(self, other: BulkCounts) -> BulkCounts:
        return BulkCounts(
            self.created + other.created,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.duplicates + other.duplicates,
        )

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def prospect_row(values: Mapping[str, Any], *, row_number: int = 0) -> ProspectRow:
    """Check and normalise one row's values exactly as ``prospect_add`` does.

    Raises InvalidInput whose details name the ``field`` and the ``row``; the values are
    the fields of :data:`~traseu.prospecting.services.PROSPECT_FIELDS`.
    """
    return clean_row(values, row_number)


def store_prospects(
    prospect_list: ProspectList,
    rows: Iterable[ProspectRow],
    *,
    dry_run: bool = False,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    acting_user: User | None = None,
    fields: Collection[str] | None = None,
    clock: Clock = timezone.now,
) -> BulkCounts:
    """Add ``rows`` to ``prospect_list``; update the prospects it has already.

    Guarantees, per row in order: a company the list has (same external id, else same
    dedupe key) is updated when any of ``fields`` (default: all of them) differs, else left
    untouched (not even ``updated_at``); a blank external id never clears a stored one; a
    prospect keeps the dedupe key it was created with; a row repeating a company met earlier
    in this run changes nothing (the first one wins, as with ``prospect_add``). New rows are
    recognised as existing accounts and scored. One transaction and one audit entry (on the
    list) per batch that changed something; ``progress`` gets the number of rows done after
    each batch. ``dry_run`` does all of it in one transaction and rolls it back: the counts
    are exact. Callers with their own batches and transactions use :class:`ProspectStore`.
    ``acting_user`` (None: the system) becomes ``created_by``; the caller checks permissions.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    store = ProspectStore(prospect_list, acting_user=acting_user, fields=fields, clock=clock)
    total, done = BulkCounts(), 0
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        for batch in _batches(rows, batch_size):
            total, done = total + store.store(batch), done + len(batch)
            if progress is not None:
                progress(done)
        if dry_run:
            transaction.set_rollback(True)
    return total


class ProspectStore:
    """One run of :func:`store_prospects` fed batch by batch, for callers that keep their own
    transactions (the import engine): repeats are told across all the batches of the run."""

    def __init__(
        self,
        prospect_list: ProspectList,
        *,
        acting_user: User | None = None,
        fields: Collection[str] | None = None,
        clock: Clock = timezone.now,
    ) -> None:
        unknown = set(fields or ()) - set(PROSPECT_FIELDS)
        if unknown:
            raise InvalidInput(
                _("Unknown prospect fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))},
                details={"fields": sorted(unknown)},
            )
        self.prospect_list, self.acting_user = prospect_list, acting_user
        self._run = bulk_store.Run.start(
            prospect_list,
            acting_user=acting_user,
            fields=tuple(fields) if fields is not None else PROSPECT_FIELDS,
            clock=clock,
        )

    def store(self, rows: Sequence[ProspectRow]) -> BulkCounts:
        """Store one batch in one transaction (a savepoint inside the caller's) with its
        audit entry; what it did."""
        if not rows:
            return BulkCounts()
        with transaction.atomic():
            counts = BulkCounts(*self._run.store(rows))
            _audit(self.prospect_list, rows, counts, self.acting_user)
        return counts


def _batches(rows: Iterable[ProspectRow], size: int) -> Iterator[list[ProspectRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _audit(
    prospect_list: ProspectList,
    batch: Sequence[ProspectRow],
    counts: BulkCounts,
    acting_user: User | None,
) -> None:
    """One entry per batch that changed the list: what came in and what it did."""
    if not counts.created and not counts.updated:
        return
    record(
        action=Action.UPDATE,
        obj=prospect_list,
        before={},
        after={
            "prospects_imported": {
                "rows": [batch[0].row_number, batch[-1].row_number],
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
        },
        actor=acting_user,
        reason=_("Import of prospects"),
    )


__all__ = ["BulkCounts", "ProspectRow", "ProspectStore", "prospect_row", "store_prospects"]
