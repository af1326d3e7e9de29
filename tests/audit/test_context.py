"""Where a change came from: the web (a page), the API (a token or the session), the command
line, the demo; with the client's IP and a request id a person can quote."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable

import pytest
from django.test import Client

from tests.api.conftest import Api
from traseu.audit.context import audit_context, current, note_token
from traseu.audit.models import AuditEntry
from traseu.cli import main
from traseu.core.models import User
from traseu.core.tokens import token_create
from traseu.crm.models import Activity, Deal
from traseu.crm.services import account_create
from traseu.demo import run_demo
from traseu.events import schedule
from traseu.events.schedule import PeriodicJob

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def last() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-pk").first()
    assert entry is not None
    return entry


def test_a_page_records_web_the_signed_in_user_the_ip_and_the_request_id(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    task = Activity.objects.get(deal=deal, template="research")
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.force_login(people["rep"])
    response = client.post(f"/work/tasks/{task.pk}/done/")
    assert response.status_code == 303
    entry = last()
    assert (entry.object_type, entry.object_id, entry.action) == ("activity", task.pk, "update")
    assert (entry.via, entry.actor, entry.ip, entry.token_prefix) == (
        "web",
        people["rep"],
        "203.0.113.7",
        "",
    )
    assert len(entry.request_id) == 32
    assert response.headers["X-Request-ID"] == entry.request_id


def test_a_token_call_records_api_and_the_tokens_prefix(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    token, clear = token_create(user=people["rep"], name="ci", scope="write")
    api = Api(Client(), clear)
    response = api.post(
        f"/deals/{deal.pk}/activities",
        {"type": "call", "subject": "Call"},
        headers={"X-Request-ID": "support-ticket-42"},
    )
    assert response.status_code == 201, response.content
    entry = last()
    assert (entry.object_type, entry.object_id) == ("activity", response.json()["id"])
    assert (entry.via, entry.actor, entry.token_prefix, entry.request_id, entry.ip) == (
        "api",
        people["rep"],
        token.prefix,
        "support-ticket-42",
        "127.0.0.1",
    )


def test_a_session_call_to_the_api_records_api_without_a_token(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rep"])
    client.get("/work/")  # a page with forms sets the CSRF cookie
    response = client.patch(
        f"/api/v1/deals/{deal.pk}",
        json.dumps({"title": "Renamed"}),
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )
    assert response.status_code == 200, response.content
    entry = last()
    assert (entry.action, entry.via, entry.actor, entry.token_prefix) == (
        "update",
        "api",
        people["rep"],
        "",
    )


def test_an_unusable_request_id_is_replaced(make_deal: MakeDeal, people: dict[str, User]) -> None:
    deal = make_deal()
    client = Client()
    client.force_login(people["rep"])
    response = client.get(f"/deals/{deal.pk}/", headers={"X-Request-ID": "<script>" * 10})
    assert response.headers["X-Request-ID"] != "<script>" * 10
    assert len(response.headers["X-Request-ID"]) == 32


def test_the_command_line_records_cli(
    make_deal: MakeDeal, people: dict[str, User], capsys: pytest.CaptureFixture[str]
) -> None:
    deal = make_deal(industry="Software")
    assert main(["deal", "move", str(deal.pk), "qualification", "--as", "rep"]) == 0
    moved = last()
    assert (moved.action, moved.via, moved.actor) == ("move", "cli", people["rep"])
    assert main(["user", "create", "dana", "--role", "sales_rep"]) == 0
    created = last()
    assert (created.object_type, created.via, created.actor) == ("user", "cli", None)
    assert current().via == "service", "the CLI's context ends with the command"


def test_the_demo_records_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRASEU_DEMO_PASSWORD", "a-demo-password-1")
    run_demo(io.StringIO(), deals_scale=0.05)
    vias = set(AuditEntry.objects.values_list("via", flat=True))
    assert vias == {"demo"}
    kinds = set(AuditEntry.objects.values_list("object_type", "action"))
    assert {("process_version", "apply"), ("deal", "create"), ("deal", "move")} <= kinds


def test_contexts_nest_and_a_token_outside_any_context_changes_nothing(
    people: dict[str, User],
) -> None:
    note_token(prefix="abcdefgh", actor=people["rep"])
    assert (current().via, current().token_prefix) == ("service", "")
    with audit_context(via="cli"):
        with audit_context(via="import") as inner:
            assert current() is inner
        assert current().via == "cli"
    with pytest.raises(ValueError, match="unknown audit via 'mail'"), audit_context(via="mail"):
        pass


# The real worker commits and closes its connection between tasks, as in production; a test
# transaction would not survive that, so this test runs in autocommit like the worker does.
@pytest.mark.django_db(transaction=True)
def test_the_worker_records_worker(
    monkeypatch: pytest.MonkeyPatch, people: dict[str, User]
) -> None:
    """A change made by a job that ``traseu worker`` runs is recorded as done by the worker."""

    def create_account(now: dt.datetime) -> int:
        account_create(acting_user=people["manager"], name="Made by the worker")
        return 1

    name = "tests.audit.create_account"
    job = PeriodicJob(name=name, every=dt.timedelta(hours=1), function=create_account)
    monkeypatch.setitem(schedule._REGISTRY, name, job)
    assert main(["worker", "--batch"]) == 0
    entry = AuditEntry.objects.get(object_type="account", action="create")
    assert (entry.via, entry.actor, entry.object_label) == (
        "worker",
        people["manager"],
        "Made by the worker",
    )
    assert current().via == "service", "the worker's context ends with the command"
