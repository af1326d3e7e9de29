"""Reads behind the list pages: my work (tasks, stalled deals, follow-ups), accounts, contacts.

Every selector here costs a fixed number of queries whatever the number of rows: groups and
pages are cut in SQL, related rows come with ``select_related``, and stage names and stall
limits come from the (cached) process definitions of the few versions involved.

Visibility: every list is cut to what the user may see (:mod:`traseu.crm.access`); "my work"
shows the user's own tasks and deals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.core.errors import NotFound
from traseu.core.models import User
from traseu.crm.access import (
    account_for,
    accounts_visible_to,
    contacts_visible_to,
    deals_visible_to,
)
from traseu.crm.board import stall_days
from traseu.crm.models import Account, Activity, Contact, Deal, DealStatus
from traseu.process.definition import Stage, StageKind
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

TASKS_SHOWN = 20  # per group on the page; "show more" loads the next ones
TASKS_ALL = 500  # a group shown whole (the "show more" link without JavaScript)
TASK_GROUPS = ("overdue", "today", "upcoming", "follow_ups")
STALLED_LIMIT = 100
FOLLOW_UP_DAYS = 7
PAGE_SIZE = 50
CONTACTS_ON_ACCOUNT = 200
DEALS_ON_ACCOUNT = 200
SEARCH_TERMS = 5  # more words than this add nothing but cost


# --- my work -------------------------------------------------------------------------------


@dataclass
class TaskGroup:
    """Some of the open tasks of one group, soonest first, and how many the group has."""

    key: str  # one of TASK_GROUPS
    tasks: list[Activity]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.tasks)

    @property
    def last(self) -> int | None:
        return self.tasks[-1].pk if self.tasks else None

    @property
    def row_prefix(self) -> str:
        """Rows of a task shown twice (in its date group and in follow-ups) need two ids."""
        return "follow-up" if self.key == "follow_ups" else "task"


@dataclass
class StalledDeal:
    deal: Deal
    stage: Stage
    days: int
    limit: int


@dataclass
class MyWork:
    groups: list[TaskGroup]  # overdue, today, upcoming
    follow_ups: TaskGroup
    stalled: list[StalledDeal]

    @property
    def open_tasks(self) -> int:
        return sum(group.total for group in self.groups)


def day_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The start of ``now``'s day and of the next one, in the current time zone.

    Built from the local calendar date (not ``now + 24h``) so a day with a daylight-saving
    change is 23 or 25 hours long, as the user lives it.
    """
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _open_tasks(user: User) -> QuerySet[Activity]:
    return Activity.objects.filter(owner=user, done=False, due_at__isnull=False).select_related(
        "deal__account"
    )


def _versions(ids: Iterable[int] | QuerySet[Any, Any]) -> list[ProcessVersion]:
    # Only what process_definition needs: the definition itself is cached per version.
    return list(ProcessVersion.objects.filter(pk__in=ids).only("pk", "digest"))


def _follow_up(user: User, now: dt.datetime) -> Q:
    """Open tasks of the won stage or of an after-sale stage (in the deal's own process
    version), or with no stage on a won deal, overdue or due within FOLLOW_UP_DAYS days.

    A task keeps the stage it was created in, so this also catches tasks planned after the
    win; a pre-sale task left open on a won deal is not a follow-up (it stays in its date
    group).
    """
    follow_up = Q(deal__status=DealStatus.WON, stage="")
    kinds = (StageKind.WON, StageKind.AFTER_SALE)
    deals_versions = _open_tasks(user).filter(deal__isnull=False).values("deal__process_version_id")
    for version in _versions(deals_versions):
        keys = [s.key for s in process_definition(version).stages if s.kind in kinds]
        follow_up |= Q(deal__process_version_id=version.pk, stage__in=keys)
    return follow_up & Q(due_at__lte=now + dt.timedelta(days=FOLLOW_UP_DAYS))


def _conditions(user: User, now: dt.datetime, keys: Iterable[str]) -> dict[str, Q]:
    _start, tomorrow = day_bounds(now)
    by_date = {
        "overdue": Q(due_at__lt=now),
        "today": Q(due_at__gte=now, due_at__lt=tomorrow),
        "upcoming": Q(due_at__gte=tomorrow),
    }
    return {key: by_date[key] if key in by_date else _follow_up(user, now) for key in keys}


def my_task_groups(
    *,
    user: User,
    now: dt.datetime | None = None,
    limit: int = TASKS_SHOWN,
    whole: Iterable[str] = (),
) -> dict[str, TaskGroup]:
    """``user``'s open tasks as overdue (due before now), today (due later today, local time),
    upcoming, and follow-ups (see :func:`_follow_up`; these tasks are also in a date group):
    the first ``limit`` of each, soonest first, or up to TASKS_ALL for the groups in ``whole``.

    One query for the process versions involved, one aggregate for every group's count, then
    one query per group that has tasks.
    """
    now = now or timezone.now()
    conditions = _conditions(user, now, TASK_GROUPS)
    tasks = _open_tasks(user)
    totals = tasks.aggregate(**{key: Count("pk", filter=q) for key, q in conditions.items()})
    groups = {}
    for key, condition in conditions.items():
        size = TASKS_ALL if key in whole else limit
        rows = tasks.filter(condition).order_by("due_at", "pk")[:size] if totals[key] else []
        groups[key] = TaskGroup(key=key, tasks=list(rows), total=totals[key])
    return groups


def my_task_group_after(
    *, user: User, key: str, after: int, now: dt.datetime | None = None, limit: int = TASKS_SHOWN
) -> TaskGroup:
    """The next tasks of group ``key`` after task ``after`` ("show more"), with how many
    follow. Paged by the last task's due time and id, so tasks completed meanwhile shift
    nothing. An unknown group or task: NotFound."""
    anchor = Activity.objects.filter(owner=user, pk=after).values_list("due_at", flat=True)
    due = anchor.first()
    if key not in TASK_GROUPS or due is None:
        raise NotFound(_("No such tasks."), code="task_not_found")
    condition = _conditions(user, now or timezone.now(), [key])[key]
    rows = _open_tasks(user).filter(condition & (Q(due_at__gt=due) | Q(due_at=due, pk__gt=after)))
    return TaskGroup(key=key, tasks=list(rows.order_by("due_at", "pk")[:limit]), total=rows.count())


def my_stalled_deals(
    *, user: User, now: dt.datetime | None = None, limit: int = STALLED_LIMIT
) -> list[StalledDeal]:
    """Open deals ``user`` owns that stayed in their stage longer than the stage allows
    (:func:`traseu.crm.board.stall_days` of the stage in the deal's own process version),
    longest-waiting first.

    The database returns only deals past the shortest limit of any stage involved; the exact
    per-stage limit is then checked here, so most deals are never loaded.
    """
    now = now or timezone.now()
    mine = Deal.objects.filter(owner=user, status=DealStatus.OPEN)
    limits: dict[tuple[int, str], tuple[Stage, int]] = {}
    for version in _versions(mine.values("process_version_id")):
        for stage in process_definition(version).working_stages:
            limits[(version.pk, stage.key)] = (stage, stall_days(stage))
    if not limits:
        return []
    # Stalled means more than N whole days in the stage, so at least N + 1 days.
    shortest = min(days for _stage, days in limits.values())
    candidates = (
        mine.filter(stage_entered_at__lte=now - dt.timedelta(days=shortest + 1))
        .select_related("account")
        .order_by("stage_entered_at", "pk")
    )
    stalled = []
    for deal in candidates.iterator(chunk_size=200):
        found = limits.get((deal.process_version_id, deal.stage))
        days = (now - deal.stage_entered_at).days
        if found is not None and days > found[1]:
            stalled.append(StalledDeal(deal=deal, stage=found[0], days=days, limit=found[1]))
            if len(stalled) >= limit:
                break
    return stalled


def my_work(*, user: User, now: dt.datetime | None = None, whole: Iterable[str] = ()) -> MyWork:
    """Everything the "My work" page shows for ``user`` (``whole``: groups shown in full)."""
    now = now or timezone.now()
    groups = my_task_groups(user=user, now=now, whole=whole)
    return MyWork(
        groups=[groups["overdue"], groups["today"], groups["upcoming"]],
        follow_ups=groups["follow_ups"],
        stalled=my_stalled_deals(user=user, now=now),
    )


def my_task(*, user: User, task_id: int) -> Activity:
    """One of ``user``'s own tasks, with its deal and account; else 404 (missing or not
    theirs look the same)."""
    task = Activity.objects.filter(pk=task_id, owner=user).select_related("deal__account").first()
    if task is None:
        raise NotFound(_("No task %(id)s.") % {"id": task_id}, code="task_not_found")
    return task


# --- lists ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sorting:
    """The sort keys a list accepts (``key`` ascending, ``-key`` descending), and the fields
    each orders by. Anything else falls back to ``default``."""

    columns: dict[str, tuple[str, ...]]
    default: str = "name"
    text: frozenset[str] = field(default_factory=frozenset)  # fields compared case-insensitively

    def resolve(self, sort: str) -> str:
        return sort if sort.removeprefix("-") in self.columns else self.default

    def apply(self, rows: QuerySet[Any], sort: str) -> QuerySet[Any]:
        sort = self.resolve(sort)
        descending = sort.startswith("-")
        order = []
        for name in (*self.columns[sort.removeprefix("-")], "pk"):
            expression = Lower(name) if name in self.text else F(name)
            # Empty values (no employee count) go last whichever way the list is sorted.
            order.append(
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            )
        return rows.order_by(*order)


ACCOUNT_SORTING = Sorting(
    columns={
        "name": ("name",),
        "industry": ("industry", "name"),
        "country": ("country", "name"),
        "employees": ("employees", "name"),
        "created": ("created_at",),
    },
    text=frozenset({"name", "industry"}),
)
CONTACT_SORTING = Sorting(
    columns={
        "name": ("last_name", "first_name"),
        "email": ("email",),
        "job_title": ("job_title", "last_name"),
        "account": ("account__name", "last_name"),
        "created": ("created_at",),
    },
    text=frozenset({"last_name", "first_name", "email", "job_title", "account__name"}),
)


def _search(rows: QuerySet[Any], search: str, fields: tuple[str, ...]) -> QuerySet[Any]:
    """Every word must appear (case-insensitively) in one of ``fields``.

    On SQLite, case-insensitivity covers ASCII letters only ("ș" does not match "Ș").
    """
    for term in search.split()[:SEARCH_TERMS]:
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": term})
        rows = rows.filter(any_field)
    return rows


def _page(rows: QuerySet[Any], page: str | int | None, per_page: int) -> Page[Any]:
    return Paginator(rows, per_page).get_page(page)


@dataclass(frozen=True)
class AccountFilters:
    search: str = ""
    industry: str = ""
    country: str = ""
    customer: bool | None = None


def accounts_page(
    *,
    user: User,
    filters: AccountFilters,
    sort: str = "name",
    page: str | int | None = 1,
    per_page: int = PAGE_SIZE,
) -> Page[Any]:
    """A page of accounts matching ``filters`` (search over name, domain and industry), each
    with its owner and its number of open deals, in a whitelisted order."""
    rows = (
        accounts_visible_to(user)
        .select_related("owner")
        .annotate(open_deals=Count("deals", filter=Q(deals__status=DealStatus.OPEN)))
    )
    rows = _search(rows, filters.search, ("name", "domain", "industry"))
    if filters.industry:
        rows = rows.filter(industry__iexact=filters.industry)
    if filters.country:
        rows = rows.filter(country=filters.country.upper())
    if filters.customer is not None:
        rows = rows.filter(is_customer=filters.customer)
    return _page(ACCOUNT_SORTING.apply(rows, sort), page, per_page)


def account_choices(*, user: User) -> dict[str, list[str]]:
    """The industries and countries accounts have, for the list's filters (two queries).

    Industries differing only in case ("Software", "software") are offered once, as the
    industry filter ignores case.
    """
    accounts = accounts_visible_to(user).order_by()
    industries: dict[str, str] = {}
    for industry in accounts.exclude(industry="").values_list("industry", flat=True).distinct():
        industries.setdefault(industry.casefold(), industry)
    countries = accounts.exclude(country="").values_list("country", flat=True).distinct()
    return {
        "industries": sorted(industries.values(), key=str.casefold),
        "countries": sorted(countries),
    }


@dataclass(frozen=True)
class ContactFilters:
    search: str = ""
    account: int | None = None


def contacts_page(
    *,
    user: User,
    filters: ContactFilters,
    sort: str = "name",
    page: str | int | None = 1,
    per_page: int = PAGE_SIZE,
) -> Page[Any]:
    """A page of contacts matching ``filters`` (search over name, e-mail, job title and
    account name), each with its account, in a whitelisted order."""
    rows = contacts_visible_to(user).select_related("account")
    rows = _search(
        rows, filters.search, ("first_name", "last_name", "email", "job_title", "account__name")
    )
    if filters.account is not None:
        rows = rows.filter(account_id=filters.account)
    return _page(CONTACT_SORTING.apply(rows, sort), page, per_page)


def contact_account_choices(*, user: User, limit: int = 500) -> list[tuple[int, str]]:
    """Accounts ``user`` may see that have contacts they may see, by name, for the contact
    list's filter."""
    rows = (
        accounts_visible_to(user)
        .filter(pk__in=contacts_visible_to(user).values("account_id"))
        .order_by("name")
    )
    return list(rows.values_list("pk", "name")[:limit])


@dataclass
class AccountDeal:
    deal: Deal
    stage_name: str


@dataclass
class AccountDetail:
    account: Account
    contacts: list[Contact]
    contact_count: int
    deals: list[AccountDeal]


def account_detail(*, user: User, account_id: int) -> AccountDetail:
    """An account with its contacts and the deals on it that ``user`` may see, newest first,
    each with its stage's name in the deal's own process version. Missing or not visible to
    ``user``: 404."""
    account = account_for(user, account_id)
    # An account one may see shows all its contacts: they belong to the account.
    contacts = list(
        account.contacts.order_by("last_name", "first_name", "pk")[:CONTACTS_ON_ACCOUNT]
    )
    contact_count = len(contacts)
    if contact_count == CONTACTS_ON_ACCOUNT:
        contact_count = account.contacts.count()
    deals = list(
        deals_visible_to(user)
        .filter(account=account)
        .select_related("owner")
        .order_by("-created_at", "-pk")[:DEALS_ON_ACCOUNT]
    )
    definitions = (
        {
            version.pk: process_definition(version)
            for version in _versions({deal.process_version_id for deal in deals})
        }
        if deals
        else {}
    )
    rows = []
    for deal in deals:
        stage = definitions[deal.process_version_id].stage(deal.stage)
        rows.append(AccountDeal(deal=deal, stage_name=stage.name if stage else deal.stage))
    return AccountDetail(
        account=account, contacts=contacts, contact_count=contact_count, deals=rows
    )
