"""Deals on re-import: changes are applied, history is rebuilt only from facts, and a deal
moved in Traseu since keeps the history Traseu recorded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.crm.models import Activity, Deal, StageChange
from traseu.crm.transitions import deal_move_to_stage

from .conftest import FIXTURES, Importer

SF = "salesforce"


def _copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (FIXTURES / "salesforce" / name).read_text("utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new), "utf-8")
    return path


def test_a_changed_amount_updates_one_deal_and_is_audited(run: Importer, tmp_path: Path) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    run("deals", "salesforce/Opportunity.csv", preset=SF)
    changed = _copy(
        tmp_path,
        "Opportunity.csv",
        "Nordwind pilot,Closed Lost,9900",
        "Nordwind pilot,Closed Lost,10500",
    )
    result = run("deals", changed, preset=SF)
    assert result.counts == {"created": 0, "updated": 1, "unchanged": 4, "rejected": 0}
    deal = Deal.objects.get(title="Nordwind pilot")
    assert deal.amount == Decimal("10500.00")
    assert deal.version == 2
    entry = AuditEntry.objects.filter(object_type="deal", object_id=deal.pk, action="update").get()
    assert (entry.via, entry.before, entry.after) == (
        "import",
        {"amount": "9900.00"},
        {"amount": "10500.00"},
    )


def test_open_deals_get_only_their_current_stage_tasks(run: Importer) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    run("deals", "salesforce/Opportunity.csv", preset=SF)
    for deal in Deal.objects.all():
        stages = set(Activity.objects.filter(deal=deal).values_list("stage", flat=True))
        assert stages == ({deal.stage} if deal.status == "open" else set())


def test_a_corrected_history_date_rebuilds_the_chain(run: Importer, tmp_path: Path) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    run("deals", "salesforce/Opportunity.csv", preset=SF)
    run("deal-history", "salesforce/OpportunityHistory.csv", preset=SF)
    fixed = _copy(
        tmp_path,
        "OpportunityHistory.csv",
        "Negotiation/Review,48000,2025-03-20,90,43200,Forecast,2025-03-01T11:00",
        "Negotiation/Review,48000,2025-03-20,90,43200,Forecast,2025-03-04T11:00",
    )
    result = run("deal-history", fixed, preset=SF)
    assert result.counts["updated"] == 1
    assert result.counts["unchanged"] == 2
    deal = Deal.objects.get(title="Brut\u0103ria \u2013 oven line")
    contract = deal.stage_changes.get(to_stage="contract")
    assert contract.changed_at.day == 4
    assert deal.stage_changes.get(to_stage="won").from_entered_at == contract.changed_at
    assert deal.stage_changes.count() == 5


def test_a_deal_moved_in_traseu_keeps_its_history(run: Importer, people: dict[str, User]) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    run("deals", "salesforce/Opportunity.csv", preset=SF)
    deal = Deal.objects.get(title="Transilvania fleet")
    deal_move_to_stage(
        deal_id=deal.pk,
        to_stage="qualification",
        acting_user=people["manager"],
        override=True,
        reason="call went well",
    )
    rows = list(StageChange.objects.filter(deal=deal).values_list("to_stage", "via"))
    again = run("deals", "salesforce/Opportunity.csv", preset=SF)
    assert again.counts["unchanged"] == 5
    assert list(StageChange.objects.filter(deal=deal).values_list("to_stage", "via")) == rows
    assert Deal.objects.get(pk=deal.pk).stage == "qualification"
