"""Who sees and changes what: every role under every team sharing policy, for every kind of
record, asked of the access helpers every entry point uses (traseu.crm.access).

The scene: team A's rep owns a deal on an account, with a contact on the account and an
activity on the deal. Everyone else looks at those four records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from traseu.core.errors import NotFound, PermissionDenied
from traseu.core.models import Role, Team, TeamSharing, User
from traseu.crm import access
from traseu.crm.models import Account, Activity, Contact, Deal
from traseu.crm.services import activity_log, contact_create

pytestmark = pytest.mark.django_db

NONE, READ, WRITE = "none", "read", "write"


@dataclass
class Scene:
    deal: Deal
    account: Account
    contact: Contact
    activity: Activity


@pytest.fixture
def scene(make_deal: Callable[..., Deal], people: dict[str, User]) -> Scene:
    deal = make_deal()  # owned by rep (team A); its account has no owner
    contact = contact_create(acting_user=people["rep"], account=deal.account, last_name="Pop")
    activity = activity_log(deal=deal, type="call", subject="Call", acting_user=people["rep"])
    return Scene(deal=deal, account=deal.account, contact=contact, activity=activity)


def _set_sharing(policy: str) -> None:
    Team.objects.filter(name="A").update(sharing=policy)


def _admin() -> User:
    return User.objects.create_user("boss", password=None, role=Role.ADMIN)


# What each person may do with team A rep's records, per team A policy.
EXPECTED: dict[str, dict[str, str]] = {
    #            private  read   write
    "rep": {"private": WRITE, "read": WRITE, "write": WRITE},
    "rep2": {"private": NONE, "read": READ, "write": WRITE},
    "manager": {"private": WRITE, "read": WRITE, "write": WRITE},
    "am": {"private": NONE, "read": NONE, "write": NONE},
    "viewer": {"private": NONE, "read": READ, "write": READ},
    "rep_b": {"private": NONE, "read": NONE, "write": NONE},
    "admin": {"private": WRITE, "read": WRITE, "write": WRITE},
}


def _level(sees: bool, writes: bool) -> str:
    assert sees or not writes, "a record one may change but not see"
    return WRITE if writes else READ if sees else NONE


def _levels(user: User, scene: Scene) -> dict[str, str]:
    deal, account, contact = scene.deal, scene.account, scene.contact
    return {
        "deal": _level(
            access.deals_visible_to(user).filter(pk=deal.pk).exists(),
            access.deals_writable_by(user).filter(pk=deal.pk).exists(),
        ),
        "account": _level(
            access.accounts_visible_to(user).filter(pk=account.pk).exists(),
            access.accounts_writable_by(user).filter(pk=account.pk).exists(),
        ),
        "contact": _level(
            access.contacts_visible_to(user).filter(pk=contact.pk).exists(),
            access.contacts_visible_to(user, write=True).filter(pk=contact.pk).exists(),
        ),
        # An activity is changed through its deal: it is as writable as the deal.
        "activity": _level(
            access.activities_visible_to(user).filter(pk=scene.activity.pk).exists(),
            access.deals_writable_by(user).filter(pk=deal.pk).exists()
            and access.activities_visible_to(user).filter(pk=scene.activity.pk).exists(),
        ),
    }


@pytest.mark.parametrize("policy", [TeamSharing.PRIVATE, TeamSharing.READ, TeamSharing.WRITE])
@pytest.mark.parametrize("who", list(EXPECTED))
def test_the_matrix_of_roles_policies_and_records(
    scene: Scene, people: dict[str, User], who: str, policy: str
) -> None:
    _set_sharing(policy)
    user = _admin() if who == "admin" else people[who]
    expected = EXPECTED[who][policy]
    assert _levels(user, scene) == dict.fromkeys(
        ("deal", "account", "contact", "activity"), expected
    )


@pytest.mark.parametrize("policy", [TeamSharing.PRIVATE, TeamSharing.READ, TeamSharing.WRITE])
@pytest.mark.parametrize("who", list(EXPECTED))
def test_fetch_and_authorise_answers_404_403_or_the_record(
    scene: Scene, people: dict[str, User], who: str, policy: str
) -> None:
    """The helpers the pages, the API and the CLI call: 404 for a record one may not see (the
    same as a missing one), 403 for one they may only read."""
    _set_sharing(policy)
    user = _admin() if who == "admin" else people[who]
    expected = EXPECTED[who][policy]
    fetchers: list[tuple[Callable[..., object], int, str]] = [
        (access.deal_for, scene.deal.pk, "deal"),
        (access.account_for, scene.account.pk, "account"),
        (access.contact_for, scene.contact.pk, "contact"),
    ]
    for fetch, pk, kind in fetchers:
        with pytest.raises(NotFound) as missing:
            fetch(user, 999_999)
        assert missing.value.code == f"{kind}_not_found"
        if expected == NONE:
            with pytest.raises(NotFound) as hidden:
                fetch(user, pk)
            assert hidden.value.code == missing.value.code
            continue
        assert getattr(fetch(user, pk), "pk", None) == pk
        if expected == READ:
            with pytest.raises(PermissionDenied) as refused:
                fetch(user, pk, write=True)
            assert refused.value.code in (f"{kind}_read_only", "forbidden")
        else:
            assert getattr(fetch(user, pk, write=True), "pk", None) == pk


def test_an_account_manager_sees_the_accounts_assigned_to_them_with_everything_on_them(
    scene: Scene, people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    am = people["am"]
    other = make_deal()  # another account, not assigned
    Account.objects.filter(pk=scene.account.pk).update(account_manager=am)
    assert set(access.deals_visible_to(am)) == {scene.deal}
    assert set(access.deals_writable_by(am)) == {scene.deal}
    assert set(access.accounts_visible_to(am)) == {scene.account}
    assert set(access.contacts_visible_to(am)) == {scene.contact}
    assert scene.activity in set(access.activities_visible_to(am))
    assert not access.activities_visible_to(am).filter(deal=other).exclude(owner=am).exists()


def test_the_won_handoff_assigns_the_account_manager_who_receives_it(
    people: dict[str, User], make_deal: Callable[..., Deal]
) -> None:
    """tests/crm/test_transitions.py walks a deal to won; here only the assignment matters."""
    from django.db import transaction
    from django.utils import timezone

    from traseu.crm.models import ActivityType, DealStatus
    from traseu.crm.transitions import _assign_account_manager

    deal = make_deal()
    task = Activity.objects.create(
        deal=deal,
        type=ActivityType.TASK,
        subject="Handoff",
        owner=people["am"],
        created_at=timezone.now(),
    )
    deal.status = DealStatus.OPEN
    with transaction.atomic():
        _assign_account_manager(deal, [task], people["rep"], timezone.now())
    assert Account.objects.get(pk=deal.account_id).account_manager is None  # not won yet
    deal.status = DealStatus.WON
    with transaction.atomic():
        _assign_account_manager(deal, [task], people["rep"], timezone.now())
    assert Account.objects.get(pk=deal.account_id).account_manager == people["am"]
    assert access.deal_for(people["am"], deal.pk, write=True) == deal


def test_unclaimed_accounts_and_contacts_are_shared_but_not_with_account_managers(
    people: dict[str, User],
) -> None:
    """A company nobody owns and no deal names (found while prospecting) is everybody's."""
    account = Account.objects.create(name="Nobody's")
    loose = Contact.objects.create(last_name="Loose")
    for who in ("rep", "rep_b", "manager", "viewer"):
        assert access.accounts_visible_to(people[who]).filter(pk=account.pk).exists(), who
        assert access.contacts_visible_to(people[who]).filter(pk=loose.pk).exists(), who
    assert not access.accounts_visible_to(people["am"]).filter(pk=account.pk).exists()
    assert not access.contacts_visible_to(people["am"]).filter(pk=loose.pk).exists()
    assert not access.accounts_writable_by(people["viewer"]).exists()


def test_an_owned_account_follows_the_owners_team_policy(people: dict[str, User]) -> None:
    account = Account.objects.create(name="Mine", owner=people["rep"])
    _set_sharing(TeamSharing.PRIVATE)
    assert not access.accounts_visible_to(people["rep2"]).filter(pk=account.pk).exists()
    assert access.accounts_visible_to(people["manager"]).filter(pk=account.pk).exists()
    _set_sharing(TeamSharing.READ)
    assert access.accounts_visible_to(people["rep2"]).filter(pk=account.pk).exists()
    assert not access.accounts_writable_by(people["rep2"]).filter(pk=account.pk).exists()
    assert not access.accounts_visible_to(people["rep_b"]).filter(pk=account.pk).exists()


def test_lists_do_not_repeat_records_of_people_in_several_teams(
    people: dict[str, User], scene: Scene
) -> None:
    """A manager of two teams, and an owner in both, must not see an account twice."""
    both = Team.objects.create(name="C")
    people["manager"].teams.add(both)
    people["rep"].teams.add(both)
    Account.objects.filter(pk=scene.account.pk).update(owner=people["rep"])
    visible = list(access.accounts_visible_to(people["manager"]).values_list("pk", flat=True))
    assert visible.count(scene.account.pk) == 1


def test_a_deactivated_user_changes_nothing(people: dict[str, User], scene: Scene) -> None:
    rep = people["rep"]
    rep.is_active = False
    rep.save()
    assert not access.deals_writable_by(rep).exists()
    with pytest.raises(PermissionDenied):
        access.deal_for(rep, scene.deal.pk, write=True)


def test_only_managers_assign_an_account_manager_and_bad_input_changes_nothing(
    scene: Scene, people: dict[str, User]
) -> None:
    from traseu.crm.services import account_update

    with pytest.raises(PermissionDenied) as refused:
        account_update(
            account_id=scene.account.pk,
            acting_user=people["rep"],
            changes={"account_manager": people["am"], "industry": "Retail"},
        )
    assert refused.value.code == "assign_forbidden"
    scene.account.refresh_from_db()
    assert (scene.account.account_manager, scene.account.industry, scene.account.version) == (
        None,
        "",
        1,
    )
    account_update(
        account_id=scene.account.pk,
        acting_user=people["manager"],
        changes={"account_manager": people["am"]},
    )
    assert access.account_for(people["am"], scene.account.pk, write=True) == scene.account


def test_the_api_shows_and_assigns_the_account_manager(
    scene: Scene, people: dict[str, User]
) -> None:
    import json

    from django.test import Client

    from traseu.core.tokens import token_create

    def patch(who: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
        _, token = token_create(user=people[who], name="t", scope="write")
        answer = Client().patch(
            f"/api/v1/accounts/{scene.account.pk}",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        return answer.status_code, answer.json()

    status, body = patch("rep", {"account_manager": "am"})
    assert (status, body["code"]) == (403, "assign_forbidden")
    status, body = patch("manager", {"account_manager": "ghost"})
    assert (status, body["details"]) == (422, {"field": "account_manager"})
    status, body = patch("manager", {"account_manager": "am"})
    assert status == 200
    assert body["account_manager"] == {"id": people["am"].pk, "username": "am"}
    assert Account.objects.get(pk=scene.account.pk).account_manager == people["am"]


def test_the_deal_page_of_a_read_only_teammate_shows_no_forms_and_refuses_posts(
    scene: Scene, people: dict[str, User]
) -> None:
    from django.test import Client

    _set_sharing(TeamSharing.READ)
    client = Client()
    client.force_login(people["rep2"])
    page = client.get(f"/deals/{scene.deal.pk}/")
    assert page.status_code == 200
    assert page.context["may_write"] is False
    refused = client.post(f"/deals/{scene.deal.pk}/details/", {"title": "Mine now"})
    assert refused.status_code == 403
    scene.deal.refresh_from_db()
    assert (scene.deal.title, scene.deal.version) == ("Acme rollout", 1)
    _set_sharing(TeamSharing.WRITE)
    assert client.get(f"/deals/{scene.deal.pk}/").context["may_write"] is True
