"""Who may see and change which deals, accounts, contacts and activities: one place, used by the
pages, the API, the command line, exports and reports.

The policy (docs/security.md, "Who sees what"):

- **administrators** (and superusers) see and change everything;
- a **sales manager** sees and changes the deals of every team they belong to, and their own;
- a **sales rep** sees and changes their own deals; their teammates' deals as the team's
  ``sharing`` says: ``private`` (not at all), ``read`` (see only) or ``write`` (see and change);
- an **account manager** sees and changes the accounts assigned to them (``Account.account_
  manager``, set at the won handoff) with those accounts' deals, contacts and activities, and
  any deal they own;
- a **read-only** user sees what a sales rep of their teams would see and changes nothing;
- anyone assigned as an account's account manager sees that account and its deals.

Accounts follow their deals: an account is visible to whoever may see one of its deals, to its
owner and account manager, and to the owner's teammates as the team's sharing allows (a manager:
their teams' members' accounts). An account with no owner and no deals belongs to nobody yet (a
company found while prospecting): every role but the account manager sees it. Contacts follow
their account, or the deals they are on; activities follow their deal (or account) and their
owner always sees them.

Fetch-and-authorise answers the same 404 for "missing" and "not yours", so ids cannot be
probed; a record one may see but not change answers 403.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import Role, Team, TeamSharing, User
from traseu.crm.models import Account, Activity, Contact, Deal, DealContact

EVERYTHING = None  # what the scope builders answer for administrators


def sees_everything(user: User) -> bool:
    return bool(user.is_superuser or user.role == Role.ADMIN)


def may_write(user: User) -> bool:
    return bool(user.is_active and user.role != Role.READ_ONLY)


def _shared_teams(user: User, *, write: bool) -> QuerySet[Team]:
    """The teams whose members' records ``user`` may see (or, with ``write``, change)."""
    teams = Team.objects.filter(members=user)
    if user.role == Role.SALES_MANAGER:
        return teams
    if user.role == Role.ACCOUNT_MANAGER:
        return teams.none()
    allowed = [TeamSharing.WRITE] if write else [TeamSharing.READ, TeamSharing.WRITE]
    return teams.filter(sharing__in=allowed)


def _deal_scope(user: User, *, write: bool) -> Q | None:
    """A filter on Deal for what ``user`` may see (or change); None means everything."""
    if sees_everything(user):
        return EVERYTHING
    return (
        Q(owner=user)
        | Q(team__in=_shared_teams(user, write=write))
        | Q(account__account_manager=user)
    )


def _deals(user: User, *, write: bool) -> QuerySet[Deal]:
    if write and not may_write(user):
        return Deal.objects.none()
    scope = _deal_scope(user, write=write)
    return Deal.objects.all() if scope is None else Deal.objects.filter(scope)


def deals_visible_to(user: User) -> QuerySet[Deal]:
    """The deals ``user`` may see."""
    return _deals(user, write=False)


def deals_writable_by(user: User) -> QuerySet[Deal]:
    """The deals ``user`` may change (none for read-only or deactivated users)."""
    return _deals(user, write=True)


def deal_for(user: User, deal_id: int, *, write: bool = False) -> Deal:
    """The deal, with account, owner and process version, if ``user`` may see it; else 404.

    With ``write``, a deal ``user`` may see but not change answers 403 (``deal_read_only``).
    """
    deal = (
        deals_visible_to(user)
        .select_related("account", "owner", "team", "process_version__process")
        # the process document is large and read through processes.selectors (cached by
        # version): decoding it on every fetch was half of logging an activity over the API
        .defer("process_version__document", "process_version__source")
        .filter(pk=deal_id)
        .first()
    )
    if deal is None:
        raise NotFound(_("No deal %(id)s.") % {"id": deal_id}, code="deal_not_found")
    if write:
        require_deal_writer(user, deal)
    return deal


def may_write_deal(user: User, deal: Deal) -> bool:
    """Whether ``user`` may change ``deal`` (one query unless the answer is obvious)."""
    if not may_write(user):
        return False
    if sees_everything(user) or deal.owner_id == user.pk:
        return True
    return deals_writable_by(user).filter(pk=deal.pk).exists()


def require_deal_writer(user: User, deal: Deal) -> None:
    """Refuse a change of ``deal`` by ``user``: 404 if they may not even see it, 403 if they
    may only read it. Services call this before they change a deal."""
    require_writer(user)
    if may_write_deal(user, deal):
        return
    if not deals_visible_to(user).filter(pk=deal.pk).exists():
        raise NotFound(_("No deal %(id)s.") % {"id": deal.pk}, code="deal_not_found")
    raise PermissionDenied(
        _("%(user)s may see deal %(id)s but not change it.")
        % {"user": user.username, "id": deal.pk},
        code="deal_read_only",
    )


# --- accounts, contacts, activities -------------------------------------------------------


def _account_scope(user: User, *, write: bool) -> Q | None:
    if sees_everything(user):
        return EVERYTHING
    deal_scope = _deal_scope(user, write=write)
    has_deal = Exists(Deal.objects.filter(deal_scope or Q(), account=OuterRef("pk")))
    scope = (
        Q(owner=user)
        | Q(account_manager=user)
        | Q(has_deal)
        | Q(owner__teams__in=_shared_teams(user, write=write))
    )
    if user.role != Role.ACCOUNT_MANAGER:
        any_deal = Exists(Deal.objects.filter(account=OuterRef("pk")))
        scope |= Q(owner__isnull=True) & ~Q(any_deal)
    return scope


def _accounts(user: User, *, write: bool) -> QuerySet[Account]:
    if write and not may_write(user):
        return Account.objects.none()
    scope = _account_scope(user, write=write)
    # The team join can repeat an account: filter by id instead of distinct() so callers may
    # still annotate, order and paginate freely.
    if scope is None:
        return Account.objects.all()
    return Account.objects.filter(pk__in=Account.objects.filter(scope).values("pk"))


def accounts_visible_to(user: User) -> QuerySet[Account]:
    """The accounts ``user`` may see."""
    return _accounts(user, write=False)


def accounts_writable_by(user: User) -> QuerySet[Account]:
    """The accounts ``user`` may change."""
    return _accounts(user, write=True)


def account_for(user: User, account_id: int, *, write: bool = False) -> Account:
    """The account (with its owner) if ``user`` may see it, else 404; with ``write``, 403
    (``account_read_only``) for one they may see but not change."""
    account = (
        accounts_visible_to(user)
        .select_related("owner", "account_manager")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        raise NotFound(_("No account %(id)s.") % {"id": account_id}, code="account_not_found")
    if write:
        require_writer(user)
        if not accounts_writable_by(user).filter(pk=account_id).exists():
            raise PermissionDenied(
                _("%(user)s may see account %(id)s but not change it.")
                % {"user": user.username, "id": account_id},
                code="account_read_only",
            )
    return account


def _contact_scope(user: User, *, write: bool) -> Q | None:
    if sees_everything(user):
        return EVERYTHING
    on_deal = Exists(
        DealContact.objects.filter(
            contact=OuterRef("pk"), deal__in=_deals(user, write=write).values("pk")
        )
    )
    scope = Q(account__in=_accounts(user, write=write).values("pk")) | Q(on_deal)
    if user.role != Role.ACCOUNT_MANAGER:
        on_any_deal = Exists(DealContact.objects.filter(contact=OuterRef("pk")))
        scope |= Q(account__isnull=True) & ~Q(on_any_deal)
    return scope


def contacts_visible_to(user: User, *, write: bool = False) -> QuerySet[Contact]:
    """The contacts ``user`` may see (or, with ``write``, change)."""
    if write and not may_write(user):
        return Contact.objects.none()
    scope = _contact_scope(user, write=write)
    return Contact.objects.all() if scope is None else Contact.objects.filter(scope)


def contact_for(user: User, contact_id: int, *, write: bool = False) -> Contact:
    """The contact (with its account) if ``user`` may see it, else 404; with ``write``, 403
    (``contact_read_only``) for one they may see but not change."""
    contact = contacts_visible_to(user).select_related("account").filter(pk=contact_id).first()
    if contact is None:
        raise NotFound(_("No contact %(id)s.") % {"id": contact_id}, code="contact_not_found")
    if write:
        require_writer(user)
        if not contacts_visible_to(user, write=True).filter(pk=contact_id).exists():
            raise PermissionDenied(
                _("%(user)s may see contact %(id)s but not change it.")
                % {"user": user.username, "id": contact_id},
                code="contact_read_only",
            )
    return contact


def activities_visible_to(user: User) -> QuerySet[Activity]:
    """The activities and tasks ``user`` may see: those of deals they see, those of accounts
    they see that belong to no deal, and their own."""
    if sees_everything(user):
        return Activity.objects.all()
    return Activity.objects.filter(
        Q(owner=user)
        | Q(deal__in=deals_visible_to(user).values("pk"))
        | Q(deal__isnull=True, account__in=accounts_visible_to(user).values("pk"))
    )


# --- roles --------------------------------------------------------------------------------


def require_writer(user: User) -> None:
    """Read-only users (and deactivated ones) change nothing."""
    if not may_write(user):
        raise PermissionDenied(_("%(user)s may not change records.") % {"user": user.username})


def deal_owner_for(user: User, username: str | None) -> User:
    """Who will own a deal ``user`` creates: themselves, or (for managers and administrators)
    the active user named ``username``."""
    if not username or username == user.username:
        return user
    if not user.may_override_gates:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may give a deal to someone else."),
            code="assign_forbidden",
        )
    owner = User.objects.filter(username=username, is_active=True).first()
    if owner is None:
        raise InvalidInput(
            _("No active user %(name)s.") % {"name": username},
            code="user_not_found",
            details={"field": "owner"},
        )
    return owner
