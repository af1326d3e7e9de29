"""What each export kind holds: its rows (only those the acting user may see), its columns, and
the values of one record.

The columns are the field names the import reads for the same kind (``traseu import KIND``),
so an export is also a file to import; a few read-only columns (``status``, ``fit_score``,
``process``...) follow them, and then one column per custom attribute in use. Rows come in
primary-key order, read in chunks: an export of a million rows holds one chunk at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput
from traseu.core.models import User
from traseu.crm.access import accounts_visible_to, contacts_visible_to, deals_visible_to
from traseu.crm.models import Account, Contact, Deal, StageChange
from traseu.prospecting.models import Prospect
from traseu.prospecting.selectors import prospect_lists_visible_to

CHUNK = 2000


@dataclass(frozen=True)
class Filters:
    """Narrowing an export: ``prospect_list`` (an id) for prospects."""

    prospect_list: int | None = None


@dataclass(frozen=True)
class Kind:
    key: str
    columns: tuple[str, ...]  # read by the import, in this order
    extra: tuple[str, ...]  # read-only columns after them
    records: Callable[[User, Filters], QuerySet[Any]]
    values: Callable[[Any], list[Any]]
    has_custom: bool = True


def _username(user: User | None) -> str:
    return user.get_username() if user is not None else ""


def _accounts(user: User, filters: Filters) -> QuerySet[Account]:
    return accounts_visible_to(user).select_related("owner")


def _account_values(account: Account) -> list[Any]:
    return [
        account.pk,
        account.name,
        account.domain,
        account.industry,
        account.employees,
        account.annual_revenue,
        account.country,
        account.is_customer,
        _username(account.owner),
    ]


def _contacts(user: User, filters: Filters) -> QuerySet[Contact]:
    return contacts_visible_to(user).select_related("account")


def _contact_values(contact: Contact) -> list[Any]:
    account = contact.account
    return [
        contact.pk,
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        contact.job_title,
        account.pk if account is not None else None,
        account.name if account is not None else "",
    ]


def _prospects(user: User, filters: Filters) -> QuerySet[Prospect]:
    lists = prospect_lists_visible_to(user)
    if filters.prospect_list is not None:
        lists = lists.filter(pk=filters.prospect_list)
    return Prospect.objects.filter(prospect_list__in=lists).select_related("prospect_list")


def _prospect_values(prospect: Prospect) -> list[Any]:
    return [
        prospect.external_id,
        prospect.company_name,
        prospect.domain,
        prospect.industry,
        prospect.employees,
        prospect.annual_revenue,
        prospect.country,
        prospect.contact_first_name,
        prospect.contact_last_name,
        prospect.contact_email,
        prospect.contact_phone,
        prospect.contact_title,
        prospect.source,
        prospect.prospect_list.name,
        prospect.status,
        prospect.fit_score,
    ]


def _deals(user: User, filters: Filters) -> QuerySet[Deal]:
    return deals_visible_to(user).select_related("account", "owner", "process_version__process")


def _deal_values(deal: Deal) -> list[Any]:
    return [
        deal.pk,
        deal.title,
        deal.account_id,
        deal.account.name,
        deal.amount,
        deal.currency,
        deal.stage,
        deal.status,
        deal.created_at,
        deal.closed_at,
        deal.expected_close,
        deal.lost_reason,
        _username(deal.owner),
        deal.source,
        deal.process_version.process.key,
    ]


def _history(user: User, filters: Filters) -> QuerySet[StageChange]:
    return StageChange.objects.filter(deal__in=deals_visible_to(user).values("pk"))


def _history_values(change: StageChange) -> list[Any]:
    return [
        change.pk,
        change.deal_id,
        change.to_stage,
        change.changed_at,
        change.from_stage,
        change.kind,
    ]


def _products(user: User, filters: Filters) -> QuerySet[Any]:
    from traseu.sales.models import Product  # the catalogue: every signed-in user reads it

    return Product.objects.all()


def _product_values(product: Any) -> list[Any]:
    return [
        product.pk,
        product.name,
        product.code,
        product.unit_price,
        product.currency,
        product.active,
        product.description,
    ]


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            "accounts",
            (
                *("external_id", "name", "domain", "industry", "employees", "annual_revenue"),
                *("country", "is_customer", "owner"),
            ),
            (),
            _accounts,
            _account_values,
        ),
        Kind(
            "contacts",
            (
                *("external_id", "first_name", "last_name", "email", "phone", "job_title"),
                *("account", "account_name"),
            ),
            (),
            _contacts,
            _contact_values,
        ),
        Kind(
            "prospects",
            (
                *("external_id", "name", "domain", "industry", "employees", "annual_revenue"),
                *("country", "first_name", "last_name", "email", "phone", "job_title", "source"),
            ),
            ("list", "status", "fit_score"),
            _prospects,
            _prospect_values,
        ),
        Kind(
            "deals",
            (
                *("external_id", "title", "account", "account_name", "amount", "currency"),
                *("stage", "status", "created_at", "closed_at", "expected_close"),
                *("lost_reason", "owner", "source"),
            ),
            ("process",),
            _deals,
            _deal_values,
        ),
        Kind(
            "deal-history",
            ("external_id", "deal", "stage", "changed_at"),
            ("from_stage", "kind"),
            _history,
            _history_values,
            has_custom=False,
        ),
        Kind(
            "products",
            ("external_id", "name", "code", "unit_price", "currency", "active", "description"),
            (),
            _products,
            _product_values,
            has_custom=False,
        ),
    )
}


def kind_named(key: str) -> Kind:
    """The export kind called ``key``; InvalidInput naming the kinds there are."""
    if key not in KINDS:
        raise InvalidInput(
            _("Cannot export '%(kind)s'; choose one of: %(kinds)s.")
            % {"kind": key, "kinds": ", ".join(KINDS)},
            code="export_kind_unknown",
            details={"field": "kind"},
        )
    return KINDS[key]


def in_chunks(records: QuerySet[Model]) -> Iterator[Model]:
    """The records in primary-key order, ``CHUNK`` at a time (keyset pagination, so a long
    export neither holds everything nor slows down as it goes)."""
    last = None
    ordered = records.order_by("pk")
    while True:
        chunk = list((ordered if last is None else ordered.filter(pk__gt=last))[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].pk
