"""A Salesforce Data Export written the way Salesforce writes it, for backtests on imported
history: Account.csv, Opportunity.csv and OpportunityHistory.csv with a byte-order mark, quoted
names (commas, doubled quotes, a line break), blank amounts and lead sources, history rows out
of order, amount-only changes (same stage twice), deleted history rows, deals moved back, deals
whose history lacks its closing row, deals created and closed on the same day, and open deals.
Deterministic (``random.Random(seed)``).

Opportunities are created from January 2024 and close from February 2024 to spring 2025. Two
close on the evening of 30 September 2024 in UTC, one an hour either side of midnight in
Bucharest, to pin a time split on 1 October 2024 to the configured time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.imports.salesforce_columns import ACCOUNT_COLUMNS

# Salesforce's default opportunity stages, in order (pre-sale), and the two closed ones.
OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
WON, LOST = "Closed Won", "Closed Lost"
SOURCES = ("Web", "Partner Referral", "Trade Show", "Phone Inquiry", "")
ACCOUNT_NAMES = (
    "Brutăria Ionescu S.R.L.",
    "Acme, Inc.",
    "  Nordwind GmbH  ",
    'Transilvania "Logistic" SA',
    "Ţesătoria Braşov SA",
    "Carpați Software SRL",
    "Delta Agro, SRL",
    "Müller & Söhne KG",
    "Blue Ridge Supplies",
    "Danubius Pharma SA",
    "Oltenia Energy",
    "Iberia Foods S.L.",
)
COUNTRIES = ("Romania", "Germany", "United States", "România", "Austria", "")
INDUSTRIES = ("Food & Beverage", "Technology", "manufacturing", "Retail", "Healthcare", "")
UTC = dt.UTC
FIRST = dt.datetime(2024, 1, 8, 8, 0, tzinfo=UTC)
BUCHAREST = ZoneInfo("Europe/Bucharest")
# 30 September 2024, 23:30 and 00:30 the next day in Bucharest (UTC+3 in summer).
EVE_BEFORE = dt.datetime(2024, 9, 30, 20, 30, tzinfo=UTC)
EVE_AFTER = dt.datetime(2024, 9, 30, 21, 30, tzinfo=UTC)


@dataclass
class Opportunity:
    id: str
    account: str
    name: str
    created: dt.datetime
    moves: list[tuple[dt.datetime, str]]  # (when, Salesforce stage), the first one at creation
    outcome: str  # "won", "lost" or "open"
    close_date: dt.date
    history_closes: bool = True  # False: the closing row is missing from OpportunityHistory
    amount: str = ""
    source: str = ""


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _opportunity(rng: random.Random, number: int, account: str) -> Opportunity:
    created = FIRST + dt.timedelta(days=rng.uniform(0, 440), minutes=rng.randrange(600))
    source = rng.choice(SOURCES)
    good = source in ("Partner Referral", "Web")  # the lead source carries some signal
    position = 0 if rng.random() < 0.8 else 1  # some start in Qualification, as in Salesforce
    moves = [(created, OPEN_STAGES[position])]
    at = created
    outcome = "open"
    while True:
        at += dt.timedelta(days=rng.uniform(2, 24), minutes=rng.randrange(1, 900))
        if at > dt.datetime(2025, 4, 20, tzinfo=UTC):  # still open at the export
            break
        advance = 0.72 + (0.12 if good else 0) - 0.05 * position
        roll = rng.random()
        if position == len(OPEN_STAGES) - 1:
            outcome = "won" if roll < (0.7 if good else 0.45) else "lost"
            moves.append((at, WON if outcome == "won" else LOST))
            break
        if roll < advance:
            if position == 1 and rng.random() < 0.2:
                position += 2  # Qualification straight to Proposal/Price Quote (a skip)
            else:
                position += 1
            moves.append((at, OPEN_STAGES[position]))
        elif roll < advance + 0.05 and position >= 2:
            position -= 1  # back a stage
            moves.append((at, OPEN_STAGES[position]))
        else:
            outcome = "lost"
            moves.append((at, LOST))
            break
    amount = (
        ""
        if rng.random() < 0.12
        else rng.choice(("{}", "{}.00", "{}.50")).format(rng.randrange(20, 900) * 100)
    )
    close = moves[-1][0] if outcome != "open" else at + dt.timedelta(days=30)
    return Opportunity(
        id=f"0061x00000B{number:04d}",
        account=account,
        name=f"Deal {number}",
        created=created,
        moves=moves,
        outcome=outcome,
        close_date=close.astimezone(BUCHAREST).date(),
        amount=amount,
        source=source,
    )


def generate(seed: int = 7, count: int = 120) -> tuple[list[str], list[Opportunity]]:
    """The account ids and ``count`` opportunities."""
    rng = random.Random(seed)
    accounts = [f"0011x00000B{n:04d}" for n in range(len(ACCOUNT_NAMES))]
    opportunities = [_opportunity(rng, n, rng.choice(accounts)) for n in range(count)]
    # Messy names: a comma, doubled quotes, a line break.
    opportunities[3].name = "Acme, Inc. \u2013 renewal"
    opportunities[4].name = 'Nordwind "Phase 2" rollout'
    opportunities[5].name = "Brutăria support\nrenewal"
    # The two deals that close either side of midnight, Bucharest time, on 30 September.
    for opportunity, closing in ((opportunities[6], EVE_BEFORE), (opportunities[7], EVE_AFTER)):
        created = dt.datetime(2024, 8, 1, 9, tzinfo=UTC)
        opportunity.created = created
        opportunity.moves = [
            (created, "Prospecting"),
            (dt.datetime(2024, 8, 20, 9, tzinfo=UTC), "Qualification"),
            (closing, WON),
        ]
        opportunity.outcome = "won"
        opportunity.close_date = closing.astimezone(BUCHAREST).date()
    # Two deals created and closed on the same day (CloseDate is a date, so midnight of that
    # day comes before the creation); the second is created on 11 June in Bucharest, still
    # 10 June in UTC.
    for opportunity, created, lasted, outcome in (
        (opportunities[8], dt.datetime(2024, 5, 6, 9, tzinfo=UTC), dt.timedelta(hours=5), "won"),
        (
            opportunities[9],
            dt.datetime(2024, 6, 10, 22, 30, tzinfo=UTC),
            dt.timedelta(hours=8),
            "lost",
        ),
    ):
        opportunity.created = created
        opportunity.moves = [
            (created, "Prospecting"),
            (created + lasted, WON if outcome == "won" else LOST),
        ]
        opportunity.outcome = outcome
        opportunity.close_date = (created + lasted).astimezone(BUCHAREST).date()
    # Some closed deals whose history stops before the close (the close date says when).
    closed = [o for o in opportunities[10:] if o.outcome != "open"]
    for opportunity in closed[::15]:
        opportunity.history_closes = False
        last = opportunity.moves[-2][0]
        opportunity.close_date = (last + dt.timedelta(days=3)).astimezone(BUCHAREST).date()
    return accounts, opportunities


def write_export(folder: Path, seed: int = 7, count: int = 120) -> list[Opportunity]:
    """Account.csv, Opportunity.csv and OpportunityHistory.csv in ``folder``."""
    rng = random.Random(seed + 1)
    accounts, opportunities = generate(seed, count)
    with (folder / "Account.csv").open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(ACCOUNT_COLUMNS)
        for number, (account, name) in enumerate(zip(accounts, ACCOUNT_NAMES, strict=True)):
            writer.writerow(
                [
                    account,
                    name,
                    f"https://www.company-{number}.example/" if number % 3 else "",
                    INDUSTRIES[number % len(INDUSTRIES)],
                    "" if number % 4 == 0 else str(10 + 37 * number),
                    "" if number % 5 == 0 else f"{250000 * (number + 1)}.00",
                    COUNTRIES[number % len(COUNTRIES)],
                    "0051x000000ZZZ1",
                    "Customer - Direct" if number % 2 else "Prospect",
                    rng.choice(("Hot", "Warm", "Cold", "")),
                ]
            )
    with (folder / "Opportunity.csv").open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(
            [
                "Id",
                "AccountId",
                "Name",
                "StageName",
                "Amount",
                "CloseDate",
                "CreatedDate",
                "IsWon",
                "IsClosed",
                "OwnerId",
                "LeadSource",
                "Probability",
                "Type",
            ]
        )
        for number, o in enumerate(opportunities):
            stage = o.moves[-1][1]
            if not o.history_closes:
                stage = WON if o.outcome == "won" else LOST
            if number % 17 == 0:
                stage = stage.lower()  # the preset matches stage names case-insensitively
            writer.writerow(
                [
                    o.id,
                    o.account,
                    o.name,
                    stage,
                    o.amount,
                    o.close_date.isoformat(),
                    _stamp(o.created),
                    "true" if o.outcome == "won" else "false",
                    "false" if o.outcome == "open" else "true",
                    "" if number % 9 == 0 else "0051x000000ZZZ1",
                    o.source,
                    {"won": "100", "lost": "0"}.get(o.outcome, "20"),
                    rng.choice(("New Customer", "Existing Customer - Upgrade", "")),
                ]
            )
    rows: list[list[str]] = []
    for o in opportunities:
        moves = o.moves if o.history_closes or o.outcome == "open" else o.moves[:-1]
        for position, (at, stage) in enumerate(moves):
            rows.append([o.id, stage, o.amount, _stamp(at), "false"])
            after = moves[position + 1][0] if position + 1 < len(moves) else None
            if rng.random() < 0.2 and (after is None or after - at > dt.timedelta(days=2)):
                # an amount change in the same stage (one stay), before the next move
                later = at + dt.timedelta(hours=rng.randrange(1, 30))
                rows.append([o.id, stage, o.amount or "1000", _stamp(later), "false"])
        if rng.random() < 0.1:  # a deleted row: left out by the import
            rows.append([o.id, "Negotiation/Review", "", _stamp(o.created), "true"])
    rng.shuffle(rows)  # the Data Export does not sort them
    with (folder / "OpportunityHistory.csv").open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow(["Id", "OpportunityId", "StageName", "Amount", "CreatedDate", "IsDeleted"])
        for number, (opportunity, stage, amount, created, deleted) in enumerate(rows):
            writer.writerow(
                [f"0081x000B{number:05d}", opportunity, stage, amount, created, deleted]
            )
    return opportunities
