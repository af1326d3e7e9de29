"""Win/loss per competitor: on how many deals we met each competitor and how those ended.

A deal counts in the period when it closed in it (open deals: when it was created). Win rate
against a competitor = deals we won / (we won + they won); "no decision" and open deals do not
count. Also the lost deals' reasons, so "lost to whom and why" reads in one place. Served as
``traseu report competitors`` and the page /reports/competitors/.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.analytics import charts
from traseu.analytics.charts import Bar
from traseu.analytics.pages import PAGES, Charts, Page
from traseu.analytics.scope import Scope, report_scope
from traseu.analytics.tables import Cell, Column, ReportOutput, ReportRequest, Table
from traseu.crm.models import DealStatus
from traseu.sales.models import CompetitorOutcome, DealCompetitor


@dataclass
class CompetitorRow:
    name: str
    deals: int = 0
    we_won: int = 0
    they_won: int = 0
    no_decision: int = 0
    open: int = 0
    lost_reasons: Counter[str] = field(default_factory=Counter)

    @property
    def win_rate(self) -> float | None:
        decided = self.we_won + self.they_won
        return self.we_won / decided if decided else None


@dataclass
class CompetitorReport:
    scope: Scope
    rows: list[CompetitorRow]


def competitor_report(scope: Scope) -> CompetitorReport:
    """One query: every competitor entry on the scope's deals in the period."""
    deals = scope.deals()
    in_period = (Q(status=DealStatus.OPEN) & scope.period("created_at")) | (
        ~Q(status=DealStatus.OPEN) & scope.period("closed_at")
    )
    entries = (
        DealCompetitor.objects.filter(deal__in=deals.filter(in_period).values("pk"))
        .values_list("competitor__name", "outcome", "deal__lost_reason")
        .order_by("competitor__name")
    )
    rows: dict[str, CompetitorRow] = defaultdict(lambda: CompetitorRow(""))
    for name, outcome, lost_reason in entries:
        row = rows[name]
        row.name = name
        row.deals += 1
        setattr(row, outcome, getattr(row, outcome) + 1)
        if outcome == CompetitorOutcome.THEY_WON and lost_reason:
            row.lost_reasons[lost_reason] += 1
    ordered = sorted(rows.values(), key=lambda r: (-r.deals, r.name))
    return CompetitorReport(scope=scope, rows=ordered)


def competitor_tables(report: CompetitorReport) -> ReportOutput:
    table = Table(
        key="competitors",
        title=_("Win/loss per competitor"),
        columns=[
            Column("competitor", _("Competitor")),
            Column("deals", _("Deals"), "int"),
            Column("we_won", _("We won"), "int"),
            Column("they_won", _("They won"), "int"),
            Column("no_decision", _("No decision"), "int"),
            Column("open", _("Open"), "int"),
            Column("win_rate", _("Our win rate"), "rate"),
            Column("lost_reasons", _("Why we lost to them")),
        ],
        rows=[
            {
                "competitor": row.name,
                "deals": row.deals,
                "we_won": row.we_won,
                "they_won": row.they_won,
                "no_decision": row.no_decision,
                "open": row.open,
                "win_rate": row.win_rate,
                "lost_reasons": "; ".join(
                    f"{reason} ({n})" for reason, n in row.lost_reasons.most_common()
                ),
            }
            for row in report.rows
        ],
        note=_("Win rate = deals won against the competitor / (won + lost to them)."),
    )
    overall = Table(
        key="overall",
        title=_("Against any competitor"),
        columns=[c for c in table.columns if c.key not in ("competitor", "lost_reasons")],
        rows=[_overall(report.rows)],
        note=_("A deal with two competitors counts once per competitor."),
    )
    return ReportOutput(
        name="competitors",
        title=_("Competitors: win/loss"),
        meta={**report.scope.describe()},
        tables=[table, overall],
    )


def _overall(rows: list[CompetitorRow]) -> dict[str, Cell]:
    total = CompetitorRow(name="")
    for row in rows:
        for name in ("deals", "we_won", "they_won", "no_decision", "open"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return {
        "deals": total.deals,
        "we_won": total.we_won,
        "they_won": total.they_won,
        "no_decision": total.no_decision,
        "open": total.open,
        "win_rate": total.win_rate,
    }


def competitor_charts(report: CompetitorReport) -> Charts:
    rows = [
        Bar(
            row.name,
            row.win_rate,
            _("%(won)s won · %(lost)s lost") % {"won": row.we_won, "lost": row.they_won},
        )
        for row in report.rows
    ]
    return {"competitors": [charts.bars(_("Our win rate against each competitor"), rows)]}


def competitors_output(request: ReportRequest) -> ReportOutput:
    """``traseu report competitors``."""
    return competitor_tables(competitor_report(report_scope(request)))


PAGES.setdefault(
    "competitors",
    Page(
        gettext_lazy("Competitors"),
        gettext_lazy("Win/loss per competitor and why we lost to them."),
        lambda scope, options: competitor_report(scope),
        competitor_tables,
        competitor_charts,
    ),
)
