"""Deals on re-import: changes are applied, history is rebuilt only from facts, and a deal
moved in Traseu since keeps the history Traseu recorded."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from traseu.audit.models import AuditEntry
from traseu.core.models import User
from traseu.crm.models import Activity, Deal, StageChange
from traseu.crm.transitions import deal_move_to_stage

from .conftest import FIXTURES, Importer, table_counts

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


def test_a_deal_closed_on_the_day_it_was_created_is_imported(run: Importer, tmp_path: Path) -> None:
    # CloseDate is a date: midnight of the creation day, hours before the CreatedDate.
    run("accounts", "salesforce/Account.csv", preset=SF)
    same_day = _copy(
        tmp_path,
        "Opportunity.csv",
        "Nordwind pilot,Closed Lost,9900,2025-04-02,2025-02-14T12:30:00.000Z",
        "Nordwind pilot,Closed Lost,9900,2025-02-14,2025-02-14T12:30:00.000Z",
    )
    result = run("deals", same_day, preset=SF)
    assert result.counts == {"created": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    deal = Deal.objects.get(title="Nordwind pilot")
    created = dt.datetime(2025, 2, 14, 12, 30, tzinfo=dt.UTC)
    assert (deal.status, deal.created_at, deal.closed_at) == ("lost", created, created)
    assert list(deal.stage_changes.order_by("pk").values_list("to_stage", "kind", "duration")) == [
        ("prospecting", "created", None),
        ("lost", "lost", dt.timedelta(0)),
    ]


def test_a_close_date_on_an_earlier_day_is_still_refused(run: Importer, tmp_path: Path) -> None:
    run("accounts", "salesforce/Account.csv", preset=SF)
    before = table_counts()
    earlier = _copy(
        tmp_path,
        "Opportunity.csv",
        "Nordwind pilot,Closed Lost,9900,2025-04-02,2025-02-14T12:30:00.000Z",
        "Nordwind pilot,Closed Lost,9900,2025-02-13,2025-02-14T12:30:00.000Z",
    )
    result = run("deals", earlier, preset=SF)
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (4, "CloseDate", "closed_before_created")
    ]
    assert result.errors[0].reason == "The deal closes before it was created (2025-02-14)."
    assert result.counts["created"] == 0
    assert table_counts() == before


def test_without_a_creation_date_a_closed_deal_was_created_when_it_closed(
    run: Importer, tmp_path: Path
) -> None:
    """A file with no creation column: an open deal is created at the import; a closed one
    cannot have been created after it closed, so it is taken as created then (not refused)."""
    mapping = tmp_path / "deals.yaml"
    mapping.write_text(
        "kind: deals\n"
        "columns:\n"
        "  title: Title\n"
        "  account_name: Company\n"
        "  stage: Stage\n"
        "  closed_at: Closed\n"
        "stages:\n"
        "  Proposal: preparation\n"
        "  Won: won\n"
        "  Lost: lost\n"
        "defaults:\n"
        "  process: classic\n",
        encoding="utf-8",
    )
    rows = tmp_path / "deals.csv"
    rows.write_text(
        "Title,Company,Stage,Closed\n"
        "Old win,Alfa SRL,Won,2024-05-10\n"
        "Old loss,Beta SA,Lost,2024-06-01\n"
        "Open one,Gama SRL,Proposal,\n",
        encoding="utf-8",
    )
    result = run("deals", rows, mapping=mapping)
    assert result.errors == []
    assert result.counts["created"] == 3
    won, lost, open_ = (Deal.objects.get(title=t) for t in ("Old win", "Old loss", "Open one"))
    assert (won.status, won.created_at, won.closed_at) == ("won", won.closed_at, won.closed_at)
    assert won.closed_at == dt.datetime(2024, 5, 9, 21, 0, tzinfo=dt.UTC)  # midnight, Bucharest
    assert lost.created_at == lost.closed_at
    assert open_.closed_at is None
    assert open_.created_at > won.closed_at
