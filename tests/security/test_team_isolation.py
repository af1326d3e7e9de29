"""Nobody sees what is not theirs: a user of team A gets 404 for every team-B record, through
every API operation and every web page that names a record, exactly as for a record that does
not exist, and nothing changes.

The routes are not listed by hand: API operations come from the OpenAPI document and pages from
Django's URL resolver, so a route added later is checked the day it appears. A route parameter
needs either a team-B record (``SEEDERS``) or an entry in ``NOT_RECORD_SCOPED`` saying why it
names no team's record; a parameter in neither fails ``test_every_route_parameter_is_known``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.api.conftest import BODIES, Api, fill, operations
from traseu.aftersale.followups import follow_up_schedule_for_win
from traseu.aftersale.handoffs import handoff_create_for_win
from traseu.aftersale.models import FollowUp, Handoff
from traseu.core.models import Role, User
from traseu.core.tokens import token_create
from traseu.crm.models import Activity, Contact, Deal, DealDocument, TimelineEvent
from traseu.crm.services import account_create, contact_create, deal_document_set
from traseu.events.models import Delivery, Webhook
from traseu.events.webhooks import webhook_create
from traseu.imports.models import ImportJob, ImportKind
from traseu.process import icp
from traseu.processes.selectors import process_definition
from traseu.prospecting.fit import icp_apply_file
from traseu.prospecting.models import Prospect
from traseu.prospecting.services import prospect_add, prospect_list_create
from traseu.sales import panels
from traseu.sales.competitors import competitor_create, deal_competitor_add
from traseu.sales.models import (
    DealCompetitor,
    MarketNote,
    NegotiationRound,
    Proposal,
    ProposalLine,
)
from traseu.sales.services import proposal_create, proposal_line_add

pytestmark = pytest.mark.django_db

# Parameters that name no team's record, and why.
NOT_RECORD_SCOPED: dict[str, str] = {
    "key": "a process (processes are shared by every team) or an ICP",
    "number": "a process version number",
    "process_key": "a process: the board lists only the deals the user may see",
    "stage_key": "a stage of a process",
    "name": "a report name; reports cover only the deals the user may see",
    "token": "a calendar feed secret (no session; the token is the credential)",
    "token_id": "an access token: per user, not per team (see test_tokens_page.py)",
    "product_id": "the product catalogue is shared by every team",
}
# Parameters naming administrators' configuration, not a team's records: everyone else gets
# 403 for every one of them, existing or not (docs/webhooks.md); checked below.
ADMIN_ONLY: dict[str, str] = {
    "webhook_id": "a webhook",
    "delivery_id": "a webhook delivery",
}
# Whole pages that name no record although a parameter's name suggests one, and why.
PAGES_NOT_RECORD_SCOPED = {
    "export_download": "kind is an export's kind (deals, accounts...); its rows are cut by "
    "crm.access",
}


@dataclass
class TeamB:
    deal: Deal
    ids: dict[str, Any]


@pytest.fixture
def team_b(make_deal: Callable[..., Deal], people: dict[str, User]) -> TeamB:
    """Team B's records, made through the services by team B's rep."""
    rep_b = people["rep_b"]
    account = account_create(acting_user=rep_b, owner=rep_b, name="Beta SRL")
    deal = make_deal(owner="rep_b")
    Deal.objects.filter(pk=deal.pk).update(account=account)
    deal.refresh_from_db()
    contact = contact_create(acting_user=rep_b, account=account, last_name="Popescu")
    deal_document_set(deal=deal, kind="proposal", title="Offer", status="draft", acting_user=rep_b)
    profile = icp_apply_file(path=icp.DOCUMENTS / "software-smb.yaml").profile
    plist = prospect_list_create(name="B list", profile=profile, acting_user=rep_b)
    added = prospect_add(prospect_list=plist, acting_user=rep_b, company_name="Gamma")
    return TeamB(
        deal=deal,
        ids={
            "deal_id": deal.pk,
            "account_id": account.pk,
            "contact_id": contact.pk,
            "task_id": Activity.objects.filter(deal=deal).values_list("pk", flat=True).first(),
            "kind": "proposal",
            "list_id": plist.pk,
            "prospect_id": added.prospect.pk,
            **_sales_records(deal, rep_b),
            **_aftersale_and_event_records(deal, rep_b),
            "job_id": ImportJob.objects.create(
                kind=ImportKind.ACCOUNTS, file_name="beta.csv", created_by=rep_b
            ).pk,
        },
    )


def _sales_records(deal: Deal, rep_b: User) -> dict[str, int]:
    """Team B's proposal with a line, and a competitor on team B's deal."""
    proposal = proposal_create(deal_id=deal.pk, acting_user=rep_b)
    line = proposal_line_add(
        proposal_id=proposal.pk,
        acting_user=rep_b,
        data={"description": "Setup", "quantity": "1", "unit_price": "100"},
        expected_version=None,
    )
    rival = competitor_create(acting_user=rep_b, data={"name": "Globex"})
    entry = deal_competitor_add(deal_id=deal.pk, competitor_id=rival.pk, acting_user=rep_b)
    return {"proposal_id": proposal.pk, "line_id": line.pk, "entry_id": entry.pk}


def _aftersale_and_event_records(deal: Deal, rep_b: User) -> dict[str, int]:
    """The handoff and follow-up a win of team B's deal makes (made here as the win's receiver
    makes them), and the webhook delivery of the handoff's event."""
    admin = User.objects.create_user("admin", password=None, role=Role.ADMIN)
    hook, _ = webhook_create(
        actor=admin, url="http://127.0.0.1:9/hook", event_kinds=["handoff.created"]
    )
    now = timezone.now()
    with transaction.atomic():
        handoff = handoff_create_for_win(deal=deal, actor=rep_b, now=now)
        definition = process_definition(deal.process_version)
        follow_up = follow_up_schedule_for_win(
            deal=deal, definition=definition, actor=rep_b, now=now
        )
    assert handoff is not None
    assert follow_up is not None
    return {
        "handoff_id": handoff.pk,
        "follow_up_id": follow_up.pk,
        "webhook_id": hook.pk,
        "delivery_id": Delivery.objects.get(webhook=hook, event__kind="handoff.created").pk,
    }


SEEDERS = {
    "deal_id",
    "account_id",
    "contact_id",
    "task_id",
    "kind",
    "list_id",
    "prospect_id",
    "proposal_id",
    "line_id",
    "entry_id",
    "handoff_id",
    "follow_up_id",
    "job_id",
}


def _state(deal: Deal) -> tuple[Any, ...]:
    deal.refresh_from_db()
    return (
        deal.version,
        deal.stage,
        TimelineEvent.objects.count(),
        Contact.objects.count(),
        DealDocument.objects.count(),
        Activity.objects.count(),
        list(Proposal.objects.values_list("version", "status")),
        list(ProposalLine.objects.values_list("pk", "quantity", "description")),
        list(DealCompetitor.objects.values_list("version", "outcome")),
        MarketNote.objects.count(),
        NegotiationRound.objects.count(),
        list(Handoff.objects.values_list("status", "delivery_owner")),
        list(FollowUp.objects.values_list("status", "owner")),
        list(ImportJob.objects.values_list("status", "rows_done")),
        list(Webhook.objects.values_list("url", "active", "event_kinds")),
        list(Delivery.objects.values_list("status", "attempts")),
        list(Prospect.objects.order_by("pk").values_list("pk", "status", "deal")),
    )


# --- the API ------------------------------------------------------------------------------

API_ROUTES = [(m, p, op["operationId"]) for m, p, op in operations() if "{" in p]


def _params(path: str) -> set[str]:
    """The parameters of an OpenAPI path (``{id}``), a URL route (``<int:id>``) or a regular
    expression route (``(?P<id>...)``)."""
    return set(re.findall(r"(?:[{<]|\(\?P<)(?:\w+:)?(\w+)[}>]", path))


def _checked(path: str) -> bool:
    params = _params(path)
    return bool(params & SEEDERS) and not params & set(NOT_RECORD_SCOPED)


# Team A's rep, and team A's manager (who sees the most of any non-administrator).
TEAM_A = ("rep", "manager")
# Pages a role may not open at all answer 403 for every record, seen or not: no probing there.
ROLE_GATED = {"audit_deal": "the audit trail is for managers and administrators"}


@pytest.mark.parametrize("who", TEAM_A)
@pytest.mark.parametrize(("method", "path", "operation"), [r for r in API_ROUTES if _checked(r[1])])
def test_every_api_route_hides_team_b_records(
    people: dict[str, User], team_b: TeamB, method: str, path: str, operation: str, who: str
) -> None:
    unknown = _params(path) - SEEDERS
    assert not unknown, f"{operation}: no team-B record for {sorted(unknown)}: add a seeder"
    _, token = token_create(user=people[who], name="a", scope="write")
    api = Api(Client(), token)
    before = _state(team_b.deal)
    answer = api.call(method, fill(path, **team_b.ids), BODIES.get(operation))
    missing_ids = {k: 999_999 if isinstance(v, int) else v for k, v in team_b.ids.items()}
    missing = api.call(method, fill(path, **missing_ids), BODIES.get(operation))
    # Exactly what a missing record gets: 404, or the same 422 when the body (which BODIES
    # does not know for every route) is judged before the record is looked up.
    assert (answer.status_code, answer.json()["code"]) == (
        missing.status_code,
        missing.json()["code"],
    ), (operation, answer.content[:200])
    assert answer.status_code in (404, 422), (operation, answer.status_code)
    if operation in BODIES or method == "GET":
        assert answer.status_code == 404, (operation, answer.content[:200])
    assert _state(team_b.deal) == before


# --- the pages ----------------------------------------------------------------------------


def _pages(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _pages(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and "<" in str(pattern.pattern):
            yield prefix + str(pattern.pattern), str(pattern.name)


# The Django admin is for staff and answers for every record by design; the API is above.
PAGES = [
    (route, name)
    for route, name in _pages(get_resolver().url_patterns)
    if not route.startswith(("admin/", "api/", "^admin/", "^api/"))
    and name not in PAGES_NOT_RECORD_SCOPED
]


def _url(route: str, ids: dict[str, Any]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[m.group(1)]), route)


@pytest.mark.parametrize("who", TEAM_A)
@pytest.mark.parametrize(("page", "name"), [p for p in PAGES if _checked(p[0])])
def test_every_page_hides_team_b_records(
    client: Client, people: dict[str, User], team_b: TeamB, page: str, name: str, who: str
) -> None:
    unknown = _params(page) - SEEDERS
    assert not unknown, f"{name}: no team-B record for {sorted(unknown)}: add a seeder"
    user = people[who]
    client.force_login(user)
    url = _url(page, team_b.ids)
    before = _state(team_b.deal)
    answer = client.get(url)
    if answer.status_code == 405:  # a form's target: post to it
        answer = client.post(url, {"title": "x", "to_stage": "qualification", "status": "won"})
    expected = 403 if name in ROLE_GATED and not user.may_override_gates else 404
    assert answer.status_code == expected, (name, url, answer.status_code)
    assert _state(team_b.deal) == before


# --- pages whose ``key`` is not a process's ----------------------------------------------

# The sweep above skips every route with a ``key`` (a process or an ICP). These pages name a
# record as well, and their ``key`` is something else: each is checked by hand below, and
# ``test_every_keyed_record_page_is_checked`` fails for one that is not listed here.
KEYED_RECORD_PAGES = {"sales_deal_panel": "key is a sales panel of the deal"}
HTMX: dict[str, str] = {"HX-Request": "true"}


@pytest.mark.parametrize("who", TEAM_A)
@pytest.mark.parametrize("key", sorted(panels.BUILDERS))
def test_sales_panels_hide_team_b_deals(
    client: Client,
    people: dict[str, User],
    team_b: TeamB,
    make_deal: Callable[..., Deal],
    key: str,
    who: str,
) -> None:
    """Every sales panel of team B's deal answers 404, as for a deal that does not exist, as
    a page and as an HTMX fragment; the same panel of team A's own deal answers 200."""
    own = make_deal(owner="rep")
    client.force_login(people[who])
    before = _state(team_b.deal)
    no_headers: dict[str, str] = {}
    for headers in (no_headers, HTMX):
        answers = []
        for deal_id in (team_b.deal.pk, 999_999):
            url = reverse("sales_deal_panel", kwargs={"deal_id": deal_id, "key": key})
            answers.append(client.get(url, headers=headers))
            assert answers[-1].status_code == 404, (key, who, url, headers, answers[-1])
        assert answers[0].content == answers[1].content  # nothing tells them apart
        url = reverse("sales_deal_panel", kwargs={"deal_id": own.pk, "key": key})
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, (key, who, url, headers, answer.status_code)
        assert f'id="{key}"'.encode() in answer.content, (key, answer.content[:300])
    assert _state(team_b.deal) == before


def test_every_keyed_record_page_is_checked() -> None:
    """A page naming a record and a ``key`` escapes the sweep: it must be checked by hand."""
    keyed = {
        name for route, name in PAGES if {"key"} <= _params(route) and _params(route) & SEEDERS
    }
    assert keyed == set(KEYED_RECORD_PAGES)


# --- administrators' configuration ------------------------------------------------------


def _admin_only(path: str) -> bool:
    return bool(_params(path) & set(ADMIN_ONLY))


@pytest.mark.parametrize("who", TEAM_A)
@pytest.mark.parametrize(
    ("method", "path", "operation"), [r for r in API_ROUTES if _admin_only(r[1])]
)
def test_every_webhook_api_route_refuses_non_administrators(
    people: dict[str, User], team_b: TeamB, method: str, path: str, operation: str, who: str
) -> None:
    """403 whether the webhook or delivery exists or not, so nothing can be probed."""
    _, token = token_create(user=people[who], name="a", scope="write")
    api = Api(Client(), token)
    before = _state(team_b.deal)
    body = {"url": "http://127.0.0.1:9/other", "event_kinds": ["deal.won"], "active": False}
    answer = api.call(method, fill(path, **team_b.ids), body)
    missing_ids = {k: 999_999 if isinstance(v, int) else v for k, v in team_b.ids.items()}
    missing = api.call(method, fill(path, **missing_ids), body)
    for response in (answer, missing):
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), operation
    assert _state(team_b.deal) == before


@pytest.mark.parametrize("who", TEAM_A)
@pytest.mark.parametrize(("page", "name"), [p for p in PAGES if _admin_only(p[0])])
def test_every_webhook_page_refuses_non_administrators(
    client: Client, people: dict[str, User], team_b: TeamB, page: str, name: str, who: str
) -> None:
    client.force_login(people[who])
    before = _state(team_b.deal)
    missing_ids = {k: 999_999 if isinstance(v, int) else v for k, v in team_b.ids.items()}
    for ids in (team_b.ids, missing_ids):
        url = _url(page, ids)
        answer = client.get(url)
        if answer.status_code == 405:
            answer = client.post(url, {"active": "on"})
        assert answer.status_code == 403, (name, url, answer.status_code)
    assert _state(team_b.deal) == before


def test_every_route_parameter_is_known() -> None:
    """A new route naming a record must come with a team-B record to test it against."""
    known = SEEDERS | set(NOT_RECORD_SCOPED) | set(ADMIN_ONLY)
    found = {p for _m, path, _o in API_ROUTES for p in _params(path)}
    found |= {p for route, _n in PAGES for p in _params(route)}
    assert found - known == set()


def test_the_sweep_covers_the_crm_routes() -> None:
    """A guard against a sweep that silently checks nothing."""
    api = {op for _m, path, op in API_ROUTES if _checked(path)}
    pages = {name for route, name in PAGES if _checked(route)}
    assert {"deal_get", "deal_move", "account_get", "contact_get", "deal_task_complete"} <= api
    assert {"deal", "deal_move", "account", "deal_task_complete", "prospect_list"} <= pages
    assert {"proposal_line_update", "handoff_accept_api", "follow_up_get", "import_get"} <= api
    assert {"sales_line_update", "delivery_accept", "import_job"} <= pages
    admin_only = {op for _m, path, op in API_ROUTES if _admin_only(path)}
    assert {"webhook_update", "webhook_delete", "delivery_replay"} <= admin_only
    assert len(api) >= 20
    assert len(pages) >= 15
