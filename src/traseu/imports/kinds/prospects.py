"""Prospects into a prospect list, through prospecting's bulk path (batches, one COPY or
executemany per batch, de-duplication and fit scores as ``prospect_add`` gives them)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput
from traseu.crm.services import normalise_domain
from traseu.imports.kinds.base import CREATED, UNCHANGED, UPDATED, Context
from traseu.imports.kinds.directory import _names
from traseu.imports.values import Cells
from traseu.prospecting.bulk import ProspectRow, ProspectStore, prospect_row
from traseu.prospecting.models import ProspectList
from traseu.prospecting.selectors import prospect_lists_visible_to
from traseu.prospecting.services import prospect_list_create

# ProspectRow's fields and the mapping fields that feed them (for precise row errors)
SOURCE_FIELD = {
    "company_name": "name",
    "domain": "domain",
    "industry": "industry",
    "employees": "employees",
    "annual_revenue": "annual_revenue",
    "country": "country",
    "contact_first_name": "first_name",
    "contact_last_name": "last_name",
    "contact_email": "email",
    "contact_title": "job_title",
    "contact_phone": "phone",
    "source": "source",
    "external_id": "external_id",
}


class Prospects:
    #: Rows per committed batch: the bulk path's cost per batch (a few queries, one COPY or
    #: executemany, one audit entry) is paid back only on large batches.
    batch_size = 20_000

    def prepare(self, context: Context) -> None:
        if not (context.list_name or "").strip():
            raise InvalidInput(
                _("Name the prospect list the rows go to: --list NAME."), code="list_required"
            )

    def check(self, context: Context, cells: Cells) -> ProspectRow:
        first, last = _names(cells)
        values: dict[str, Any] = {
            "company_name": cells.required("name"),
            "domain": normalise_domain(cells.text("domain") or cells.text("website")),
            "industry": cells.text("industry"),
            "employees": cells.integer("employees"),
            "annual_revenue": cells.amount("annual_revenue"),
            "country": cells.text("country").upper() or (context.mapping.defaults.country or ""),
            "contact_first_name": first,
            "contact_last_name": last,
            "contact_email": cells.email("email"),
            "contact_title": cells.text("job_title"),
            "contact_phone": cells.text("phone"),
            "source": cells.text("source") or context.mapping.source,
            "external_id": cells.text("external_id"),
            "custom": cells.custom(),
        }
        try:
            return prospect_row(values, row_number=cells.row.number)
        except InvalidInput as error:
            field = SOURCE_FIELD.get(str(error.details.get("field", "")), "")
            raise cells.error(
                field, cells.raw(field) if field else "", error.message, error.code
            ) from error

    def store(self, context: Context, item: ProspectRow) -> str:
        counts = self.store_batch(context, [item])
        return next((outcome for outcome, n in counts.items() if n), UNCHANGED)

    def store_batch(self, context: Context, items: list[ProspectRow]) -> dict[str, int]:
        """One batch through the run's :class:`ProspectStore`, kept across batches so a
        company repeated in a later batch is told apart as a repeat (the first row wins)."""
        if "store" not in context.cache:
            context.cache["store"] = ProspectStore(_list(context), acting_user=context.user)
        store: ProspectStore = context.cache["store"]
        counts = store.store(items)
        return {CREATED: counts.created, UPDATED: counts.updated, UNCHANGED: counts.unchanged}

    def finish(self, context: Context) -> dict[str, int]:
        return {}


def _list(context: Context) -> ProspectList:
    """The list named ``--list`` that the importing user sees (created if there is none)."""
    if "list" not in context.cache:
        name = (context.list_name or "").strip()
        found = (
            prospect_lists_visible_to(context.user).filter(name__iexact=name).order_by("pk").first()
        )
        context.cache["list"] = found or prospect_list_create(name=name, acting_user=context.user)
    found_list: ProspectList = context.cache["list"]
    return found_list
