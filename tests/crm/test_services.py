"""CRM writes: validation that loses nothing, optimistic versions, history of answers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.conftest import FakeClock
from traseu.core.errors import Conflict, InvalidInput
from traseu.core.models import User
from traseu.crm.facts import deal_facts, qualification_current
from traseu.crm.models import Activity, Contact, Deal, TimelineEvent
from traseu.crm.services import (
    activity_log,
    deal_contact_set,
    deal_document_set,
    deal_update,
    qualification_answer,
    task_complete,
)

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def test_a_stale_version_is_refused_and_nothing_changes(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal(amount="100")
    deal_update(
        deal_id=deal.pk, acting_user=people["rep"], changes={"amount": "200"}, expected_version=1
    )
    with pytest.raises(Conflict) as caught:
        deal_update(
            deal_id=deal.pk,
            acting_user=people["rep2"],
            changes={"amount": "300"},
            expected_version=1,
        )
    assert (caught.value.code, caught.value.details) == ("stale_version", {"version": 2})
    deal.refresh_from_db()
    assert (deal.amount, deal.version) == (Decimal("200.00"), 2)


def test_custom_attributes_merge_and_the_timeline_keeps_before_and_after(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal(custom={"segment": "smb"})
    deal = deal_update(
        deal_id=deal.pk,
        acting_user=people["rep"],
        changes={"custom": {"region": "north"}, "source": "event"},
    )
    assert deal.custom == {"segment": "smb", "region": "north"}
    event = TimelineEvent.objects.get(deal=deal, kind="deal.updated")
    assert event.data["before"] == {"custom": {"segment": "smb"}, "source": ""}
    assert event.data["after"]["source"] == "event"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"amount": "12,5x"}, "Amount '12,5x' is not a number."),
        ({"amount": "-5"}, "Amount cannot be negative."),
        ({"title": "  "}, "A deal needs a title."),
        ({"stage": "won"}, "These deal fields cannot be edited here: stage."),
    ],
)
def test_bad_edits_are_refused_with_a_precise_message_and_change_nothing(
    make_deal: MakeDeal, people: dict[str, User], changes: dict[str, str], message: str
) -> None:
    deal = make_deal(amount="100")
    with pytest.raises(InvalidInput) as caught:
        deal_update(deal_id=deal.pk, acting_user=people["rep"], changes=changes)
    assert caught.value.message == message
    deal.refresh_from_db()
    assert (deal.amount, deal.title, deal.stage, deal.version) == (
        Decimal("100.00"),
        "Acme rollout",
        "prospecting",
        1,
    )


def test_answers_are_history_and_the_newest_counts(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    qualification_answer(
        deal=deal, criterion="Budget", status="weak", acting_user=people["rep"], clock=clock
    )
    clock.advance(days=2)
    qualification_answer(
        deal=deal, criterion="budget", status="confirmed", acting_user=people["rep"], clock=clock
    )
    qualification_answer(
        deal=deal, criterion="need", status="partial", acting_user=people["rep"], clock=clock
    )
    assert qualification_current(deal.pk) == {"bant": {"budget": "confirmed", "need": "partial"}}
    assert deal.qualification_answers.count() == 3
    with pytest.raises(InvalidInput):
        qualification_answer(
            deal=deal, criterion="budget", status="great", acting_user=people["rep"]
        )


def test_facts_snapshot_gathers_what_criteria_read(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal(industry="Retail", custom={"segment": "smb"})
    activity_log(deal=deal, type="call", subject="Intro", acting_user=people["rep"], clock=clock)
    contact = Contact.objects.create(account=deal.account, last_name="Pop", email="p@x.ro")
    deal_contact_set(deal=deal, contact=contact, role="champion", acting_user=people["rep"])
    deal_document_set(
        deal=deal, kind="proposal", title="P", status="draft", acting_user=people["rep"]
    )
    deal.refresh_from_db()
    facts = deal_facts(deal, now=clock.advance(days=4))
    assert facts.lookup("account.industry") == "Retail"
    assert facts.lookup("deal.custom.segment") == "smb"
    assert facts.lookup("deal.days_in_stage") == 4
    assert [(c.role, c.email) for c in facts.contacts] == [("champion", "p@x.ro")]
    assert [(a.type, a.stage, a.done) for a in facts.activities if a.type == "call"] == [
        ("call", "prospecting", True)
    ]
    assert [(t.template, t.done) for t in facts.tasks] == [("research", False)]
    assert [(d.kind, d.status) for d in facts.documents] == [("proposal", "draft")]


def test_completing_a_task_is_idempotent(
    make_deal: MakeDeal, people: dict[str, User], clock: FakeClock
) -> None:
    deal = make_deal()
    task = Activity.objects.get(deal=deal, template="research")
    first = task_complete(task_id=task.pk, acting_user=people["rep"], clock=clock)
    clock.advance(hours=1)
    second = task_complete(task_id=task.pk, acting_user=people["rep"], clock=clock)
    assert first.done_at == second.done_at
    assert TimelineEvent.objects.filter(deal=deal, kind="task.done").count() == 1


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda d, u: activity_log(deal=d, type="fax", subject="x", acting_user=u), "type"),
        (
            lambda d, u: deal_document_set(
                deal=d, kind="proposal", title="P", status="lost", acting_user=u
            ),
            "status",
        ),
        (
            lambda d, u: deal_contact_set(
                deal=d, contact=Contact.objects.create(last_name="X"), role="boss", acting_user=u
            ),
            "role",
        ),
    ],
)
def test_unknown_choices_are_refused(
    make_deal: MakeDeal, people: dict[str, User], call: Callable[[Deal, User], object], field: str
) -> None:
    deal = make_deal()
    events = TimelineEvent.objects.count()
    with pytest.raises(InvalidInput) as caught:
        call(deal, people["rep"])
    assert caught.value.details == {"field": field}
    assert TimelineEvent.objects.count() == events


def test_facts_expose_exactly_the_fields_documents_may_name(
    make_deal: MakeDeal, clock: FakeClock
) -> None:
    """The loader accepts ``deal.<f>``/``account.<f>`` only for these; the builder fills them."""
    from traseu.process.facts import ACCOUNT_FIELDS, DEAL_FIELDS

    deal = make_deal()
    facts = deal_facts(deal, now=clock())
    assert sorted(facts.deal) == sorted(DEAL_FIELDS)
    assert sorted(facts.account) == sorted(ACCOUNT_FIELDS)


def test_accounts_are_cleaned_and_bad_values_refused(people: dict[str, User]) -> None:
    from traseu.crm.services import account_create, account_update

    account = account_create(
        acting_user=people["rep"],
        name="Acme",
        domain="https://www.Acme.RO/x",
        country="ro",
        annual_revenue="1200000",
    )
    assert (account.domain, account.country, account.annual_revenue) == (
        "acme.ro",
        "RO",
        Decimal("1200000.00"),
    )
    with pytest.raises(InvalidInput) as caught:
        account_update(
            account_id=account.pk, acting_user=people["rep"], changes={"country": "Romania"}
        )
    assert caught.value.details == {"field": "country"}
    account.refresh_from_db()
    assert account.country == "RO"
    with pytest.raises(InvalidInput):
        account_create(acting_user=people["rep"], name="  ")
    with pytest.raises(InvalidInput) as unknown:
        account_create(acting_user=people["rep"], name="X", revenue=5)
    assert unknown.value.details == {"fields": ["revenue"]}


def test_contacts_need_a_name_or_an_email(people: dict[str, User]) -> None:
    from traseu.crm.services import contact_create

    contact = contact_create(acting_user=people["rep"], email=" Ana@Acme.RO ")
    assert (contact.email, contact.last_name) == ("ana@acme.ro", "")
    with pytest.raises(InvalidInput) as caught:
        contact_create(acting_user=people["rep"], first_name="Ana")
    assert caught.value.details == {"field": "last_name"}
