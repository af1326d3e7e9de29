"""Writes for competitors: the shared list, each deal's competitor analysis, market notes, and
naming the competitor that won a lost deal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import Conflict, InvalidInput, NotFound
from traseu.core.models import User
from traseu.crm.models import DealStatus, TimelineEvent
from traseu.sales import validation as check
from traseu.sales.access import deal_competitor_for, deal_for_writer, require_catalogue_manager
from traseu.sales.models import Competitor, CompetitorOutcome, DealCompetitor, MarketNote

Clock = Callable[[], dt.datetime]
ANALYSIS_FIELDS = ("offer", "price", "strengths", "weaknesses", "likely_next_move", "positioning")
EDITABLE_FIELDS = (*ANALYSIS_FIELDS, "outcome")
# A competitor recorded after the deal closed: we beat them, or nobody did (until named).
CLOSED_OUTCOME: dict[str, str] = {DealStatus.WON: "we_won", DealStatus.LOST: "no_decision"}


def competitor_create(*, acting_user: User, data: Mapping[str, Any]) -> Competitor:
    """Add a competitor to the shared list (any writer: reps meet them first)."""
    name = check.text(data.get("name"), "name", required=True, max_length=200)
    website = check.text(data.get("website"), "website", max_length=200)
    if website and not website.startswith(("http://", "https://")):
        raise check.invalid("website", _("A website starts with http:// or https://."))
    with transaction.atomic():
        if Competitor.objects.filter(name__iexact=name).exists():
            raise InvalidInput(
                _("%(name)s is already on the competitor list.") % {"name": name},
                code="competitor_exists",
                details={"field": "name"},
            )
        with check.unique(_("That competitor was just added."), "competitor_exists", "name"):
            competitor = Competitor.objects.create(
                name=name, website=website, notes=check.text(data.get("notes"), "notes")
            )
        audit.record(
            action="create",
            obj=competitor,
            actor=acting_user,
            after=audit.values(competitor, ("name", "website", "notes")),
        )
    return competitor


def competitor_update(
    *,
    competitor_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> Competitor:
    require_catalogue_manager(acting_user)
    values = {
        name: check.text(
            changes[name], name, required=name == "name", max_length=200 if name != "notes" else 0
        )
        for name in ("name", "website", "notes")
        if name in changes
    }
    with transaction.atomic():
        competitor = Competitor.objects.select_for_update().filter(pk=competitor_id).first()
        if competitor is None:
            raise NotFound(
                _("No competitor %(id)s.") % {"id": competitor_id}, code="competitor_not_found"
            )
        check.check_version(competitor.version, expected_version, _("competitor"))
        before = audit.values(competitor, list(values))
        for name, value in values.items():
            setattr(competitor, name, value)
        competitor.version = F("version") + 1
        competitor.save()
        competitor.refresh_from_db()
        audit.record(
            action="update",
            obj=competitor,
            actor=acting_user,
            before=before,
            after=audit.values(competitor, list(values)),
        )
    return competitor


def _analysis(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)},
            details={"fields": unknown},
        )
    values: dict[str, Any] = {
        name: check.text(data[name], name)
        for name in ANALYSIS_FIELDS
        if name in data and name != "price"
    }
    if "price" in data:
        values["price"] = check.decimal(data["price"], "price", places=2, required=False)
    if "outcome" in data:
        values["outcome"] = check.choice(data["outcome"], "outcome", list(CompetitorOutcome.values))
    return values


def deal_competitor_add(
    *,
    deal_id: int,
    competitor_id: int,
    acting_user: User,
    data: Mapping[str, Any] | None = None,
    clock: Clock = timezone.now,
) -> DealCompetitor:
    """Put a competitor on a deal with what is known of their offer."""
    deal = deal_for_writer(acting_user, deal_id)
    values = _analysis(dict(data or {}))
    competitor = Competitor.objects.filter(pk=competitor_id).first()
    if competitor is None:
        raise check.invalid("competitor", _("No competitor %(id)s.") % {"id": competitor_id})
    now = clock()
    with transaction.atomic():
        if DealCompetitor.objects.filter(deal=deal, competitor=competitor).exists():
            raise InvalidInput(
                _("%(name)s is already on this deal.") % {"name": competitor.name},
                code="deal_competitor_exists",
                details={"field": "competitor"},
            )
        with check.unique(_("That competitor was just added."), "deal_competitor_exists"):
            row = DealCompetitor.objects.create(
                deal=deal,
                competitor=competitor,
                created_at=now,
                **{"outcome": CLOSED_OUTCOME.get(deal.status, "open"), **values},
            )
        TimelineEvent.objects.create(
            deal=deal,
            kind="competitor.added",
            at=now,
            actor=acting_user,
            data={"competitor": competitor.name},
        )
        audit.record(
            action="create",
            obj=row,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after={"competitor": competitor.name, **audit.jsonable(values)},
        )
    return row


def deal_competitor_update(
    *,
    deal_competitor_id: int,
    acting_user: User,
    changes: Mapping[str, Any],
    expected_version: int | None,
) -> DealCompetitor:
    """Update a competitor's analysis on a deal (or its outcome; see also the winner below)."""
    row = deal_competitor_for(acting_user, deal_competitor_id)
    deal_for_writer(acting_user, row.deal_id)
    values = _analysis(changes)
    with transaction.atomic():
        row = DealCompetitor.objects.select_for_update().get(pk=row.pk)
        check.check_version(row.version, expected_version, _("competitor entry"))
        if values.get("outcome") == CompetitorOutcome.THEY_WON:
            _no_other_winner(row)
        before = audit.values(row, list(values))
        for name, value in values.items():
            setattr(row, name, value)
        row.version = F("version") + 1
        row.save()
        row.refresh_from_db()
        audit.record(
            action="update",
            obj=row,
            actor=acting_user,
            deal_id=row.deal_id,
            before=before,
            after=audit.values(row, list(values)),
        )
    return row


def _no_other_winner(row: DealCompetitor) -> None:
    others = DealCompetitor.objects.filter(deal_id=row.deal_id, outcome=CompetitorOutcome.THEY_WON)
    if others.exclude(pk=row.pk).exists():
        raise Conflict(
            _("Another competitor is already recorded as the winner of this deal."),
            code="deal_competitor_winner_exists",
        )


def deal_competitor_winner(
    *, deal_id: int, competitor_id: int | None, acting_user: User, clock: Clock = timezone.now
) -> DealCompetitor | None:
    """Name the competitor that won a lost deal (``None``: nobody did, or we do not know).

    The named competitor becomes ``they_won`` (added to the deal if it was not on it); any
    other competitor marked ``they_won`` before goes back to ``no_decision``.
    """
    deal = deal_for_writer(acting_user, deal_id)
    if deal.status != DealStatus.LOST:
        raise Conflict(_("Only a lost deal has a winning competitor."), code="deal_not_lost")
    competitor = Competitor.objects.filter(pk=competitor_id).first() if competitor_id else None
    if competitor_id and competitor is None:
        raise check.invalid("competitor", _("No competitor %(id)s.") % {"id": competitor_id})
    now = clock()
    with transaction.atomic():
        previous = DealCompetitor.objects.filter(deal=deal, outcome=CompetitorOutcome.THEY_WON)
        for row in previous.exclude(competitor=competitor):
            _set_outcome(row, CompetitorOutcome.NO_DECISION, acting_user, now)
        if competitor is None:
            return None
        row, _created = DealCompetitor.objects.get_or_create(
            deal=deal, competitor=competitor, defaults={"created_at": now}
        )
        _set_outcome(row, CompetitorOutcome.THEY_WON, acting_user, now)
        TimelineEvent.objects.create(
            deal=deal,
            kind="deal.lost_to",
            at=now,
            actor=acting_user,
            data={"competitor": competitor.name},
        )
    return row


def _set_outcome(row: DealCompetitor, outcome: str, actor: User, now: dt.datetime) -> None:
    before = row.outcome
    DealCompetitor.objects.filter(pk=row.pk).update(
        outcome=outcome, version=F("version") + 1, updated_at=now
    )
    audit.record(
        action="update",
        obj=row,
        actor=actor,
        deal_id=row.deal_id,
        at=now,
        before={"outcome": before},
        after={"outcome": outcome},
    )
    row.refresh_from_db()


def market_note_add(
    *, deal_id: int, acting_user: User, text: str, clock: Clock = timezone.now
) -> MarketNote:
    deal = deal_for_writer(acting_user, deal_id)
    cleaned = check.text(text, "text", required=True, max_length=5000)
    now = clock()
    with transaction.atomic():
        note = MarketNote.objects.create(
            deal=deal, text=cleaned, author=acting_user, created_at=now
        )
        audit.record(
            action="create",
            obj=note,
            actor=acting_user,
            deal_id=deal.pk,
            at=now,
            after={"text": cleaned},
        )
    return note
