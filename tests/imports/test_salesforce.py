"""The Salesforce preset on a Data Export: accounts, contacts, opportunities, their history."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest

from traseu.audit.models import AuditEntry
from traseu.cli import main
from traseu.crm.models import Account, Contact, Deal, StageChange
from traseu.imports.models import ExternalRef, ImportJob

from .conftest import Importer, table_counts

SF = "salesforce"


def _export(run: Importer) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    run("contacts", "salesforce/Contact.csv", preset=SF, skip_invalid=True)
    run("deals", "salesforce/Opportunity.csv", preset=SF)
    run("deal-history", "salesforce/OpportunityHistory.csv", preset=SF)


def _history(title: str) -> list[tuple[str, str, str]]:
    deal = Deal.objects.get(title=title)
    return [
        (s.from_stage, s.to_stage, s.kind) for s in deal.stage_changes.order_by("changed_at", "pk")
    ]


def test_accounts_from_account_csv_with_bom_quotes_and_blank_line(run: Importer) -> None:
    result = run("accounts", "salesforce/Account.csv", preset=SF)
    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0, "rejected": 0}
    brutaria = Account.objects.get(domain="brutaria-ionescu.ro")
    assert brutaria.name == "Brutăria Ionescu S.R.L."
    assert (brutaria.country, brutaria.employees, brutaria.is_customer) == ("RO", 45, True)
    assert brutaria.annual_revenue == Decimal("1250000.50")
    assert brutaria.custom == {"sf_type": "Customer - Direct", "rating": "Hot"}
    assert Account.objects.get(name="Nordwind GmbH").country == "DE"  # trimmed name
    assert Account.objects.filter(name='Transilvania "Logistic" SA').exists()
    assert ExternalRef.objects.filter(source=SF, kind="account").count() == 4


def test_contacts_reference_accounts_and_a_bad_email_is_reported(run: Importer) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    result = run("contacts", "salesforce/Contact.csv", preset=SF, skip_invalid=True)
    assert result.counts["created"] == 3
    assert [(e.row, e.column, e.value, e.code) for e in result.errors] == [
        (5, "Email", "not-an-email", "email")
    ]
    ioana = Contact.objects.get(last_name="Ionescu")
    assert ioana.email == "ioana.ionescu@brutaria-ionescu.ro"
    assert ioana.account is not None
    assert ioana.account.domain == "brutaria-ionescu.ro"
    assert Contact.objects.get(last_name="Müller").account is None


def test_opportunities_get_an_honest_history_before_opportunity_history(run: Importer) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    result = run("deals", "salesforce/Opportunity.csv", preset=SF)
    assert result.counts["created"] == 5
    won = Deal.objects.get(title="Brutăria \u2013 oven line")
    assert (won.status, won.stage, won.amount) == ("won", "won", Decimal("48000.00"))
    # only an open and a close date: exactly a creation row and a close row
    assert _history("Brutăria \u2013 oven line") == [
        ("", "prospecting", "created"),
        ("prospecting", "won", "won"),
    ]
    rows = list(won.stage_changes.order_by("changed_at"))
    assert rows[0].changed_at == dt.datetime(2025, 1, 10, 8, 15, tzinfo=dt.UTC)
    assert rows[1].from_entered_at == rows[0].changed_at
    assert rows[1].duration == rows[1].changed_at - rows[0].changed_at
    assert won.closed_at == rows[1].changed_at
    assert won.stage_entered_at == rows[1].changed_at
    lost = Deal.objects.get(title="Nordwind pilot")
    assert (lost.status, lost.stage, lost.lost_reason) == ("lost", "lost", "Lost (imported)")
    assert _history('Acme "Phase 2" rollout') == [("", "contract", "created")]
    assert Deal.objects.get(title="Acme support\nrenewal").status == "won"  # "closed won"
    assert set(StageChange.objects.values_list("via", flat=True)) == {"import"}
    assert set(AuditEntry.objects.filter(object_type="deal").values_list("via", flat=True)) == {
        "import"
    }


def test_opportunity_history_rebuilds_the_chain_with_kinds_and_durations(run: Importer) -> None:
    _export(run)
    assert _history("Brutăria \u2013 oven line") == [
        ("", "prospecting", "created"),
        ("prospecting", "qualification", "forward"),
        ("qualification", "preparation", "skip"),
        ("preparation", "contract", "forward"),
        ("contract", "won", "won"),
    ]
    assert _history("Nordwind pilot") == [
        ("", "prospecting", "created"),
        ("prospecting", "preparation", "skip"),
        ("preparation", "qualification", "back"),
        ("qualification", "lost", "lost"),
    ]
    # the deleted OpportunityHistory row (IsDeleted = true) is left out
    assert _history('Acme "Phase 2" rollout') == [
        ("", "qualification", "created"),
        ("qualification", "first_contact", "forward"),
        ("first_contact", "contract", "skip"),
    ]
    for deal in Deal.objects.all():
        rows = list(deal.stage_changes.order_by("changed_at", "pk"))
        for previous, row in itertools.pairwise(rows):
            assert row.from_stage == previous.to_stage
            assert row.from_entered_at == previous.changed_at
            assert row.duration == row.changed_at - previous.changed_at
        assert deal.stage == rows[-1].to_stage
        assert deal.stage_entered_at == rows[-1].changed_at
    acme = Deal.objects.get(title='Acme "Phase 2" rollout')
    assert acme.stage_entered_at == dt.datetime(2025, 4, 10, 10, tzinfo=dt.UTC)


def test_reimporting_the_whole_export_changes_nothing(run: Importer) -> None:
    _export(run)
    before = table_counts()
    history = sorted(StageChange.objects.values_list("deal_id", "to_stage", "changed_at"))
    run("accounts", "salesforce/Account.csv", preset=SF)
    again = run("deals", "salesforce/Opportunity.csv", preset=SF)
    run("deal-history", "salesforce/OpportunityHistory.csv", preset=SF)
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 5, "rejected": 0}
    assert table_counts() == before
    assert sorted(StageChange.objects.values_list("deal_id", "to_stage", "changed_at")) == history
    assert ImportJob.objects.filter(status="done").count() == 7


def test_the_reports_read_the_imported_history(
    run: Importer, capsys: pytest.CaptureFixture[str]
) -> None:
    _export(run)
    capsys.readouterr()
    args = [
        "report",
        "funnel",
        "--process",
        "classic",
        "--since",
        "2025-01-01",
        "--until",
        "2025-12-31",
        "--format",
        "json",
    ]
    assert main(args) == 0
    funnel = json.loads(capsys.readouterr().out)
    reached = {row["stage"]: row["reached"] for row in funnel["tables"]["stages"]}
    assert funnel["deals"] == 5
    assert (reached["Prospecting"], reached["Closed won"]) == (5, 2)
    assert main(["report", "time", *args[2:]]) == 0
    cycles = json.loads(capsys.readouterr().out)["tables"]["cycles"]
    assert {row["outcome"]: row["deals"] for row in cycles} == {"won": 2, "lost": 1}
