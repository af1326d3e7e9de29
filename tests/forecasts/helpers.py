"""Deal histories written straight into the tables the forecasts read (fast, exact).

The transition service is tested elsewhere; here the rows are what matters: a deal, its stage
changes chained as the service writes them, done activities, qualification answers and edits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from traseu.core.models import User
from traseu.crm.models import (
    Account,
    Activity,
    Deal,
    DealStatus,
    QualificationAnswer,
    StageChange,
    TimelineEvent,
)
from traseu.processes.models import ProcessVersion

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def history_deal(
    version: ProcessVersion,
    owner: User,
    *,
    path: Sequence[str],
    outcome: str | None = None,
    start: dt.datetime = T0,
    step_days: float = 5,
    amount: str | None = "1000",
    source: str = "web",
    industry: str = "Retail",
    country: str = "RO",
    activities: Sequence[tuple[float, str]] = (),
    answers: Sequence[tuple[float, str, str]] = (),
    edits: Sequence[tuple[float, Mapping[str, Any], Mapping[str, Any]]] = (),
    custom: Mapping[str, Any] | None = None,
    expected_close: dt.date | None = None,
) -> Deal:
    """A deal that went through ``path`` (stage keys), one stage every ``step_days``, then
    ``outcome`` ("won" or "lost") or stayed open. ``activities``: (day, type); ``answers``:
    (day, criterion, status) of BANT; ``edits``: (day, before, after)."""
    stages = [*path, outcome] if outcome else list(path)
    times = [start + dt.timedelta(days=step_days * i) for i in range(len(stages))]
    account = Account.objects.create(
        name=f"Account {Account.objects.count()}", industry=industry, country=country
    )
    status = {"won": DealStatus.WON, "lost": DealStatus.LOST}.get(outcome or "", DealStatus.OPEN)
    deal = Deal.objects.create(
        title=f"Deal {' > '.join(stages)}",
        account=account,
        owner=owner,
        team=owner.teams.first(),
        process_version=version,
        stage=stages[-1],
        status=status,
        lost_reason="price" if outcome == "lost" else "",
        amount=Decimal(amount) if amount is not None else None,
        currency="EUR",
        source=source,
        custom=dict(custom or {}),
        expected_close=expected_close,
        stage_entered_at=times[-1],
        created_at=times[0],
        closed_at=times[-1] if outcome else None,
    )
    previous: tuple[str, dt.datetime] | None = None
    for stage, moment in zip(stages, times, strict=True):
        StageChange.objects.create(
            deal=deal,
            process_version=version,
            from_stage=previous[0] if previous else "",
            to_stage=stage,
            kind=(outcome if stage == outcome else "forward") if previous else "created",
            from_entered_at=previous[1] if previous else None,
            changed_at=moment,
            duration=moment - previous[1] if previous else None,
        )
        previous = (stage, moment)
    for day, kind in activities:
        moment = start + dt.timedelta(days=day)
        Activity.objects.create(
            deal=deal,
            account=account,
            type=kind,
            subject=kind,
            owner=owner,
            done=True,
            done_at=moment,
            created_at=moment,
        )
    for day, criterion, answer in answers:
        QualificationAnswer.objects.create(
            deal=deal,
            framework="bant",
            criterion=criterion,
            status=answer,
            answered_at=start + dt.timedelta(days=day),
        )
    for day, before, after in edits:
        TimelineEvent.objects.create(
            deal=deal,
            kind="deal.updated",
            at=start + dt.timedelta(days=day),
            data={"before": dict(before), "after": dict(after)},
        )
    return deal


PRE_SALE = ("prospecting", "qualification", "first_contact", "preparation", "contract")


def many_deals(version: ProcessVersion, owner: User, *, won: int, lost: int) -> list[Deal]:
    """``won`` deals through the whole route and ``lost`` deals lost at rotating stages, with
    a signal: won deals had budget confirmed and two meetings."""
    deals = []
    for number in range(won):
        deals.append(
            history_deal(
                version,
                owner,
                path=PRE_SALE,
                outcome="won",
                start=T0 + dt.timedelta(days=number),
                activities=[(1, "meeting"), (2, "meeting")],
                answers=[(0.5, "budget", "confirmed")],
                source="referral" if number % 2 else "web",
            )
        )
    for number in range(lost):
        deals.append(
            history_deal(
                version,
                owner,
                path=PRE_SALE[: 1 + number % 4],
                outcome="lost",
                start=T0 + dt.timedelta(days=number),
                answers=[(0.5, "budget", "weak")],
                source="web",
            )
        )
    return deals
