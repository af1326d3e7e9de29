"""Every service leaves one audit row, in its own transaction, with only what changed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction

from tests.conftest import FakeClock
from traseu.audit.context import audit_context
from traseu.audit.models import AuditEntry
from traseu.core.errors import Conflict
from traseu.core.models import User
from traseu.core.services import user_create
from traseu.core.tokens import token_authenticate, token_create, token_revoke
from traseu.crm.models import Account, Activity, Contact, Deal
from traseu.crm.services import (
    account_create,
    account_update,
    activity_log,
    contact_create,
    deal_contact_set,
    deal_document_set,
    deal_update,
    qualification_answer,
    task_complete,
)
from traseu.crm.transitions import GateRejected, deal_move_to_stage
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def entries(**where: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(**where).order_by("pk"))


def only(**where: object) -> AuditEntry:
    found = entries(**where)
    assert len(found) == 1, found
    return found[0]


class Boom(Exception):
    pass


def test_creating_a_deal_records_who_when_and_the_fields_set(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock, route: ProcessVersion
) -> None:
    deal = make_deal(industry="Software")
    entry = only(object_type="deal")
    assert (entry.action, entry.object_id, entry.deal_id) == ("create", deal.pk, deal.pk)
    assert (entry.object_label, entry.actor, entry.via, entry.at) == (
        "Acme rollout",
        people["rep"],
        "service",
        clock.now,
    )
    assert entry.before == {}
    assert entry.after == {
        "title": "Acme rollout",
        "account": deal.account_id,
        "owner": people["rep"].pk,
        "team": deal.team_id,
        "process_version": route.pk,
        "stage": "prospecting",
        "status": "open",
        "amount": "5000.00",
        "currency": "EUR",
        "probability": "0.0500",
    }  # fields left empty (expected_close, source, custom) are not listed


def test_an_edit_keeps_only_the_fields_that_changed(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    clock.advance(hours=1)
    deal_update(
        deal_id=deal.pk,
        acting_user=people["manager"],
        changes={"title": "Acme rollout", "amount": "7500", "custom": {"region": "Cluj"}},
        clock=clock,
    )
    entry = only(object_type="deal", action="update")
    assert entry.before == {"amount": "5000.00", "custom": {}}
    assert entry.after == {"amount": "7500.00", "custom": {"region": "Cluj"}}
    assert (entry.actor, entry.at) == (people["manager"], clock.now)


def test_an_edit_that_changes_nothing_and_a_stale_edit_record_nothing(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    deal_update(deal_id=deal.pk, acting_user=people["rep"], changes={"title": "Acme rollout"})
    with pytest.raises(Conflict):
        deal_update(
            deal_id=deal.pk,
            acting_user=people["rep"],
            changes={"title": "Other"},
            expected_version=1,
        )
    assert entries(object_type="deal", action="update") == []


def test_a_move_records_the_stage_before_and_after(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(industry="Software")
    clock.advance(days=1)
    deal_move_to_stage(
        deal_id=deal.pk, to_stage="qualification", acting_user=people["rep"], clock=clock
    )
    entry = only(action="move")
    assert (entry.object_type, entry.object_id, entry.actor, entry.at, entry.reason) == (
        "deal",
        deal.pk,
        people["rep"],
        clock.now,
        "",
    )
    assert entry.before == {"stage": "prospecting", "probability": "0.0500"}
    assert entry.after == {"stage": "qualification", "probability": "0.1000"}


def test_an_override_is_its_own_action_with_the_reason(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()  # no industry: the exit criterion is unmet
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="qualification",
        acting_user=people["manager"],
        override=True,
        reason="Known customer",
        via="cli",
        clock=clock,
    )
    entry = only(object_type="deal", action="override")
    assert (entry.actor, entry.reason, entry.via) == (people["manager"], "Known customer", "cli")
    assert entry.after["stage"] == "qualification"


def test_a_refused_move_records_nothing(make_deal: MakeDeal, people: dict[str, User]) -> None:
    deal = make_deal()
    with pytest.raises(GateRejected):
        deal_move_to_stage(deal_id=deal.pk, to_stage="qualification", acting_user=people["rep"])
    assert entries(action__in=["move", "override"]) == []


def test_a_change_that_rolls_back_leaves_no_audit_row(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    before = AuditEntry.objects.count()

    def change_then_fail() -> None:
        with transaction.atomic():
            activity_log(deal=deal, type="call", subject="Call", acting_user=people["rep"])
            account_create(acting_user=people["rep"], name="Globex")
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert AuditEntry.objects.count() == before
    assert not Activity.objects.filter(subject="Call").exists()


def test_work_on_a_deal_is_recorded_against_the_deal(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal, rep = make_deal(), people["rep"]
    call = activity_log(deal=deal, type="call", subject="First call", acting_user=rep, clock=clock)
    task = Activity.objects.get(deal=deal, template="research")
    task_complete(task_id=task.pk, acting_user=rep, clock=clock)
    task_complete(task_id=task.pk, acting_user=rep, clock=clock)  # already done: nothing new
    answer = qualification_answer(
        deal=deal, criterion="budget", status="partial", acting_user=rep, clock=clock
    )
    logged = only(object_type="activity", action="create")
    assert (logged.object_id, logged.deal_id, logged.object_label) == (
        call.pk,
        deal.pk,
        "First call",
    )
    assert logged.after["type"] == "call"
    assert logged.after["done"] is True
    done = only(object_type="activity", action="update")
    assert (done.object_id, done.deal_id) == (task.pk, deal.pk)
    assert done.before == {"done": False, "done_at": None}
    assert done.after == {"done": True, "done_at": clock.now.isoformat()}
    answered = only(object_type="qualification_answer")
    assert (answered.object_id, answered.deal_id, answered.action) == (answer.pk, deal.pk, "create")
    assert answered.after["status"] == "partial"


def test_contacts_and_documents_record_create_then_update(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal, rep = make_deal(), people["rep"]
    contact = Contact.objects.create(account=deal.account, first_name="Ana", last_name="Pop")
    deal_contact_set(deal=deal, contact=contact, role="champion", acting_user=rep, clock=clock)
    deal_contact_set(
        deal=deal, contact=contact, role="decision_maker", acting_user=rep, clock=clock
    )
    deal_document_set(
        deal=deal, kind="proposal", title="Offer", status="draft", acting_user=rep, clock=clock
    )
    deal_document_set(
        deal=deal, kind="proposal", title="Offer", status="sent", acting_user=rep, clock=clock
    )
    linked, changed = entries(object_type="deal_contact")
    assert (linked.action, linked.after["role"], linked.object_label) == (
        "create",
        "champion",
        "Ana Pop (Champion)",
    )
    assert (changed.action, changed.before, changed.after) == (
        "update",
        {"role": "champion"},
        {"role": "decision_maker"},
    )
    drafted, sent = entries(object_type="deal_document")
    assert (drafted.action, drafted.after["status"], drafted.deal_id) == (
        "create",
        "draft",
        deal.pk,
    )
    assert (sent.action, sent.before, sent.after) == (
        "update",
        {"status": "draft"},
        {"status": "sent"},
    )


def test_accounts_and_contacts(people: dict[str, User]) -> None:
    rep = people["rep"]
    account = account_create(acting_user=rep, name="Globex", domain="https://www.globex.ro/")
    account_update(
        account_id=account.pk,
        acting_user=people["manager"],
        changes={"annual_revenue": "1000000", "name": "Globex"},
    )
    contact = contact_create(acting_user=rep, account=account, last_name="Ionescu")
    created = only(object_type="account", action="create")
    assert (created.object_id, created.actor, created.deal_id) == (account.pk, rep, None)
    assert created.after == {"name": "Globex", "domain": "globex.ro", "is_customer": False}
    updated = only(object_type="account", action="update")
    assert (updated.before, updated.after) == (
        {"annual_revenue": None},
        {"annual_revenue": "1000000.00"},
    )
    person = only(object_type="contact")
    assert (person.object_id, person.after) == (
        contact.pk,
        {"account": account.pk, "last_name": "Ionescu"},
    )


def test_process_versions_users_and_tokens(people: dict[str, User], route: ProcessVersion) -> None:
    applied = only(object_type="process_version")
    assert (applied.action, applied.object_id, applied.object_label) == (
        "apply",
        route.pk,
        "test-route v1",
    )
    assert applied.after["number"] == 1
    assert applied.after["digest"] == route.digest
    process_apply_file(path="tests/crm/route.yaml")  # unchanged: no new version, no new row
    assert len(entries(object_type="process_version")) == 1

    with audit_context(via="web", actor=people["manager"]):
        user = user_create(username="dana", role="sales_rep", team="A", password="a long pass 42")
        token, clear = token_create(user=user, name="laptop", scope="write")
    made = only(object_type="user")
    assert (made.actor, made.via, made.object_id) == (people["manager"], "web", user.pk)
    assert made.after == {
        "username": "dana",
        "role": "sales_rep",
        "is_active": True,
        "is_staff": False,
        "team": "A",
    }
    assert "password" not in made.after
    issued = only(object_type="access_token", action="create")
    assert issued.after == {
        "user": user.pk,
        "name": "laptop",
        "prefix": token.prefix,
        "scope": "write",
    }
    assert clear not in str(issued.after)
    token_revoke(token_id=token.pk, acting_user=user)
    token_revoke(token_id=token.pk, acting_user=user)  # idempotent: one row
    revoked = only(object_type="access_token", action="update")
    assert (revoked.actor, revoked.before) == (user, {"revoked_at": None})
    assert revoked.after["revoked_at"]


def test_a_token_marks_the_context_as_api_with_its_prefix(people: dict[str, User]) -> None:
    token, clear = token_create(user=people["rep"], name="ci", scope="write")
    account = Account.objects.create(name="Before")
    with audit_context(via="web") as context:
        token_authenticate(clear)
        assert (context.via, context.token_prefix, context.actor) == (
            "api",
            token.prefix,
            people["rep"],
        )
        account_update(account_id=account.pk, acting_user=people["rep"], changes={"name": "After"})
    entry = only(object_type="account")
    assert (entry.via, entry.token_prefix) == ("api", token.prefix)


def test_amounts_and_dates_are_stored_as_json_text(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    deal_update(
        deal_id=deal.pk,
        acting_user=people["rep"],
        changes={"expected_close": "2026-06-30", "amount": Decimal("12.5")},
    )
    entry = only(object_type="deal", action="update")
    assert entry.after == {"expected_close": "2026-06-30", "amount": "12.50"}
