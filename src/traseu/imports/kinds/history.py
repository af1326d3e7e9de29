"""Deal stage history (Salesforce's OpportunityHistory, or any file of deal, stage, date).

Rows are gathered per deal while the file streams; at the end each deal's history is rebuilt
from its creation date, these points and its outcome, in one transaction per deal. The points
are kept on the deal's external reference, so a later re-import of the deals file keeps them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from traseu.crm.models import Deal
from traseu.imports.kinds.base import UNCHANGED, UPDATED, Context, ref_get
from traseu.imports.kinds.deals import ending_from_json, process_for, stage_of
from traseu.imports.kinds.stage_rows import sync_history
from traseu.imports.models import ExternalRef
from traseu.imports.values import Cells

CHUNK = 500


@dataclass
class HistoryRow:
    ref_id: int
    at: dt.datetime
    stage: str


class DealHistory:
    def prepare(self, context: Context) -> None:
        process_for(context)
        context.cache["points"] = {}

    def check(self, context: Context, cells: Cells) -> HistoryRow | None:
        if cells.flag("is_deleted"):
            return None
        reference = cells.required("deal")
        source = context.mapping.deal_source or context.source
        ref = ref_get(context, source, "deal", reference)
        if ref is None:
            raise cells.error(
                "deal",
                reference,
                _("No deal with the %(source)s id '%(id)s'; import the deals first.")
                % {"source": source, "id": reference},
                "deal_unknown",
            )
        stage, _outcome = stage_of(context, cells)
        if not stage:
            raise cells.error("stage", "", _("A value is required."), "required")
        at = cells.moment("changed_at")
        assert at is not None
        return HistoryRow(ref.pk, at, stage)

    def store(self, context: Context, item: HistoryRow | None) -> str:
        if item is not None:
            points: dict[int, set[tuple[str, str]]] = context.cache["points"]
            points.setdefault(item.ref_id, set()).add((item.at.isoformat(), item.stage))
        return ""  # counted per deal in finish()

    def finish(self, context: Context) -> dict[str, int]:
        """Rebuild the history of every deal the file names, a chunk of deals per transaction
        (each deal whole); a deal whose points did not change writes nothing."""
        counts = {UPDATED: 0, UNCHANGED: 0}
        points: dict[int, set[tuple[str, str]]] = context.cache["points"]
        ref_ids = sorted(points)
        for start in range(0, len(ref_ids), CHUNK):
            chunk = ref_ids[start : start + CHUNK]
            with transaction.atomic():
                refs = ExternalRef.objects.select_for_update().in_bulk(chunk)
                deals = Deal.objects.prefetch_related("stage_changes").in_bulk(
                    [ref.object_id for ref in refs.values()]
                )
                for ref_id in chunk:
                    ref = refs.get(ref_id)
                    deal = deals.get(ref.object_id) if ref else None
                    if ref is not None and deal is not None:
                        changed = _rebuild(context, ref, deal, sorted(points[ref_id]))
                        counts[UPDATED if changed else UNCHANGED] += 1
        return counts


def _rebuild(context: Context, ref: ExternalRef, deal: Deal, found: list[tuple[str, str]]) -> bool:
    stored = [list(point) for point in found]
    if ref.data.get("points") != stored:
        ref.data = {**ref.data, "points": stored}
        ref.save(update_fields=["data", "updated_at"])
    return sync_history(
        context,
        deal,
        created_at=deal.created_at,
        points=[(dt.datetime.fromisoformat(at), stage) for at, stage in found],
        ending=ending_from_json(ref.data.get("ending") or {}),
    )
