"""Reads of prospecting: which lists a user sees, a page of lists, a page of a list's prospects.

Visibility follows the deals' rule (:mod:`traseu.crm.access`): administrators see every list;
everyone else the lists of their teams and the lists they own. A list that is missing or not
yours is the same 404. Every page costs a fixed number of queries whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.core.models import Role, User
from traseu.crm.lists import Sorting
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_versions_latest
from traseu.prospecting.models import (
    AccountFit,
    IdealCustomerProfile,
    Prospect,
    ProspectList,
    ProspectStatus,
)

PAGE_SIZE = 50
SEARCH_TERMS = 5
FIT_BANDS = (25, 50, 75)  # the "fit at least" filter's choices

LIST_SORTING = Sorting(
    columns={
        "name": ("name",),
        "created": ("created_at",),
        "prospects": ("prospect_count", "name"),
        "fit": ("average_fit", "name"),
    },
    default="-created",
    text=frozenset({"name"}),
)
PROSPECT_SORTING = Sorting(
    columns={
        "company": ("company_name",),
        "fit": ("fit_score", "company_name"),
        "status": ("status", "company_name"),
        "country": ("country", "company_name"),
        "created": ("created_at",),
    },
    default="-fit",
    text=frozenset({"company_name"}),
)


def prospect_lists_visible_to(user: User) -> QuerySet[ProspectList]:
    """The prospect lists ``user`` may see."""
    lists = ProspectList.objects.all()
    if user.is_superuser or user.role == Role.ADMIN:
        return lists
    return lists.filter(Q(owner=user) | Q(team__in=user.teams.all()))


def prospect_list_for(user: User, list_id: int) -> ProspectList:
    """The list, with its profile, owner and team, if ``user`` may see it; else NotFound."""
    found = (
        prospect_lists_visible_to(user)
        .select_related("profile", "owner", "team")
        .filter(pk=list_id)
        .first()
    )
    if found is None:
        raise NotFound(
            _("No prospect list %(id)s.") % {"id": list_id}, code="prospect_list_not_found"
        )
    return found


def prospect_for(user: User, prospect_id: int) -> Prospect:
    """The prospect, with its list, if ``user`` may see its list; else NotFound (the same for
    a prospect that does not exist)."""
    found = (
        Prospect.objects.filter(pk=prospect_id, prospect_list__in=prospect_lists_visible_to(user))
        .select_related("prospect_list__profile")
        .first()
    )
    if found is None:
        raise NotFound(_("No prospect %(id)s.") % {"id": prospect_id}, code="prospect_not_found")
    return found


def _search(rows: QuerySet[Any], search: str, fields: tuple[str, ...]) -> QuerySet[Any]:
    """Every word must appear (case-insensitively) in one of ``fields``."""
    for term in search.split()[:SEARCH_TERMS]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        rows = rows.filter(any_field)
    return rows


def prospect_lists_page(
    *, user: User, search: str = "", sort: str = "", page: str | int | None = 1
) -> Page[Any]:
    """A page of the lists ``user`` sees, each with its profile, owner, the number of its
    prospects per status and their average fit (one query for the rows, one for the count)."""
    counts = {
        f"{status}_count": Count("prospects", filter=Q(prospects__status=status))
        for status in ProspectStatus.values
    }
    rows = (
        prospect_lists_visible_to(user)
        .select_related("profile", "owner")
        .annotate(prospect_count=Count("prospects"), average_fit=Avg("prospects__fit_score"))
        .annotate(**counts)
    )
    rows = _search(rows, search, ("name", "description"))
    return Paginator(LIST_SORTING.apply(rows, sort), PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class ProspectFilters:
    search: str = ""
    status: str = ""
    min_fit: int | None = None
    existing: bool | None = None  # recognised as an existing account, or not


def prospects_page(
    *,
    prospect_list: ProspectList,
    filters: ProspectFilters,
    sort: str = "",
    page: str | int | None = 1,
    per_page: int = PAGE_SIZE,
) -> Page[Any]:
    """A page of the list's prospects matching ``filters`` (search over company, domain,
    contact and source), each with its recognised account and its deal."""
    rows = prospect_list.prospects.select_related("account", "deal")
    rows = _search(
        rows,
        filters.search,
        ("company_name", "domain", "contact_first_name", "contact_last_name", "contact_email"),
    )
    if filters.status in ProspectStatus.values:
        rows = rows.filter(status=filters.status)
    if filters.min_fit is not None:
        rows = rows.filter(fit_score__gte=filters.min_fit)
    if filters.existing is not None:
        rows = rows.filter(account__isnull=not filters.existing)
    return Paginator(PROSPECT_SORTING.apply(rows, sort), per_page).get_page(page)


def status_counts(prospect_list: ProspectList) -> dict[str, int]:
    """How many prospects of the list are in each status (one query)."""
    counts = dict.fromkeys(ProspectStatus.values, 0)
    rows = prospect_list.prospects.order_by().values_list("status").annotate(n=Count("pk"))
    counts.update(dict(rows))
    return counts


def profile_choices() -> list[IdealCustomerProfile]:
    return list(IdealCustomerProfile.objects.only("pk", "key", "name").order_by("name", "key"))


def process_choices() -> list[ProcessVersion]:
    """The latest version of every process: where converted prospects can start."""
    return process_versions_latest()


def account_fits(*, account_id: int) -> list[AccountFit]:
    """An account's fit with every profile, best first."""
    return list(
        AccountFit.objects.filter(account_id=account_id)
        .select_related("profile")
        .order_by("-score", "profile__name")
    )
