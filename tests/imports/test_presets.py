"""HubSpot and Pipedrive deal exports through their presets."""

from __future__ import annotations

from decimal import Decimal

from traseu.crm.models import Account, Deal

from .conftest import Importer


def _rows(title: str) -> list[tuple[str, str]]:
    deal = Deal.objects.get(title=title)
    return [(s.to_stage, s.kind) for s in deal.stage_changes.order_by("changed_at", "pk")]


def test_hubspot_deals_with_a_typo_stage_refuse_the_file(run: Importer) -> None:
    result = run("deals", "hubspot/hubspot-deals.csv", preset="hubspot")
    assert [(e.row, e.column, e.value, e.code) for e in result.errors] == [
        (5, "Deal Stage", "Apointment Scheduled", "stage_unknown")
    ]
    assert not Deal.objects.exists()
    assert not Account.objects.exists()


def test_hubspot_deals_with_skip_invalid(run: Importer, people) -> None:  # type: ignore[no-untyped-def]
    result = run("deals", "hubspot/hubspot-deals.csv", preset="hubspot", skip_invalid=True)
    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0, "rejected": 1}
    won = Deal.objects.get(title="Clinica Sf. Maria \u2013 CRM")
    assert (won.status, won.amount, won.custom["pipeline"]) == (
        "won",
        Decimal("12500.00"),
        "Sales Pipeline",
    )
    assert won.owner == people["manager"]  # "Ana Pop" is nobody here: the importing user
    assert Deal.objects.get(title="Delta Tours upgrade").owner == people["rep"]
    assert Deal.objects.get(title="Delta Tours upgrade").stage == "contract"  # "contract sent"
    assert Deal.objects.get(title="Vinuri Dealu Mare").status == "lost"  # trimmed title
    assert Account.objects.filter(name="Crama Dealu Mare S.A.").exists()
    assert _rows("Clinica Sf. Maria \u2013 CRM") == [("prospecting", "created"), ("won", "won")]


def test_pipedrive_deals_keep_the_stage_a_deal_was_lost_in(run: Importer) -> None:
    result = run("deals", "pipedrive/pipedrive-deals.csv", preset="pipedrive", skip_invalid=True)
    assert result.counts == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 1}
    # a deal without an organisation has no account to live on
    assert [(e.row, e.column, e.code) for e in result.errors] == [
        (5, "Deal - Organization", "required")
    ]
    lost = Deal.objects.get(title="Auto Service Bacău")
    assert (lost.status, lost.lost_reason, lost.currency) == ("lost", "Price too high", "RON")
    assert _rows("Auto Service Bacău") == [("preparation", "created"), ("lost", "lost")]
    won = Deal.objects.get(title="Farmacia Centrală \u2013 POS")
    assert _rows("Farmacia Centrală \u2013 POS") == [("contract", "created"), ("won", "won")]
    assert won.closed_at is not None
    assert won.closed_at.day == 10
    hotel = Deal.objects.get(title='Hotel "Bucegi" renovare')
    assert (hotel.stage, hotel.status, str(hotel.expected_close)) == (
        "first_contact",
        "open",
        "2025-06-30",
    )
    assert hotel.amount == Decimal("75000.00")
    assert hotel.currency == "EUR"
    again = run("deals", "pipedrive/pipedrive-deals.csv", preset="pipedrive", skip_invalid=True)
    assert again.counts["unchanged"] == 3
    assert Deal.objects.count() == 3
