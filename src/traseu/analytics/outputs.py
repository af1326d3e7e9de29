"""Reports as named tables (:class:`~traseu.analytics.tables.ReportOutput`) for the command line,
CSV downloads and JSON. Each ``*_output`` function takes a :class:`ReportRequest`; the
``traseu report`` registry (``traseu.cli.report.REPORTS``) points at them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from traseu.analytics.conformance import (
    ConformanceReport,
    GroupConformance,
    conformance_report,
)
from traseu.analytics.funnel import FunnelReport, funnel_report
from traseu.analytics.outputs_more import (
    kpi_output,
    stalled_output,
    team_output,
    technique_output,
)
from traseu.analytics.paths import DEVIATIONS
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import Cell, Column, ReportOutput, ReportRequest, Table, merged
from traseu.analytics.timing import BUCKETS, FRACTIONS, TimeReport, time_report

__all__ = [
    "conformance_output",
    "deviation_label",
    "funnel_output",
    "kpi_output",
    "stalled_output",
    "team_output",
    "technique_output",
    "time_output",
]


def stage_column() -> Column:
    return Column("stage", _("Stage"))


def funnel_output(request: ReportRequest) -> ReportOutput:
    return funnel_tables(funnel_report(report_scope(request)))


def funnel_tables(report: FunnelReport) -> ReportOutput:
    stages = Table(
        "stages",
        _("Funnel"),
        [
            stage_column(),
            Column("reached", _("Reached"), "int"),
            Column("entered", _("Entered"), "int"),
            Column("skipped", _("Skipped"), "int"),
            Column("passed", _("Passed"), "int"),
            Column("lost_here", _("Lost here"), "int"),
            Column("open_here", _("Open here"), "int"),
            Column("won", _("Won"), "int"),
            Column("conversion_next", _("To next stage"), "rate"),
            Column("conversion_won", _("To won"), "rate"),
        ],
    )
    for s in report.stages:
        stages.rows.append(
            {
                "stage": s.stage.name,
                "reached": s.reached,
                "entered": s.entered,
                "skipped": s.skipped,
                "passed": s.passed,
                "lost_here": s.lost_here,
                "open_here": s.open_here,
                "won": s.won,
                "conversion_next": s.conversion_next,
                "conversion_won": s.conversion_won,
            }
        )
    keys = [s.stage for s in report.stages]
    cohorts = Table(
        "cohorts",
        _("Cohorts by month of creation: deals that reached each stage"),
        [
            Column("month", _("Month")),
            Column("deals", _("Deals"), "int"),
            Column("won", _("Won"), "int"),
            Column("lost", _("Lost"), "int"),
            *[Column(f"reached_{info.key}", info.name, "int") for info in keys],
        ],
    )
    for c in report.cohorts:
        reached = {f"reached_{info.key}": c.reached[info.key] for info in keys}
        month: dict[str, Cell] = {"month": c.month.isoformat()[:7]}
        cohorts.rows.append(
            merged(month, {"deals": c.deals, "won": c.won, "lost": c.lost}, reached)
        )
    meta = report.scope.describe() | {
        "deals": report.deals,
        "won": report.outcomes["won"],
        "lost": report.outcomes["lost"],
        "open": report.outcomes["open"],
    }
    return ReportOutput("funnel", _("Funnel"), meta, [stages, cohorts])


def bucket_labels() -> list[str]:
    bounds = [*BUCKETS[1:], None]
    return [
        _("%(low)s-%(high)s d") % {"low": low, "high": high} if high else f"{low}+ d"
        for low, high in zip(BUCKETS, bounds, strict=True)
    ]


def time_output(request: ReportRequest) -> ReportOutput:
    return time_tables(time_report(report_scope(request)))


def time_tables(report: TimeReport) -> ReportOutput:
    shown = {0.5: _("Median"), 0.8: "P80", 0.1: "P10", 0.25: "P25", 0.75: "P75", 0.9: "P90"}
    stages = Table(
        "stages",
        _("Days in stage (completed stays that ended in the period)"),
        [
            stage_column(),
            Column("stays", _("Stays"), "int"),
            Column("mean", _("Mean"), "days"),
            *[Column(f"p{round(f * 100)}", label, "days") for f, label in shown.items()],
            Column("min", _("Min"), "days"),
            Column("max", _("Max"), "days"),
            Column("in_stage_now", _("Open deals in it now"), "int"),
        ],
    )
    for s in report.stages:
        row: dict[str, Cell] = {"stage": s.stage.name, "stays": s.stays, "mean": s.mean}
        row["min"] = s.minimum
        row |= {f"p{round(f * 100)}": s.quantiles.get(f) for f in FRACTIONS}
        stages.rows.append(row | {"max": s.maximum, "in_stage_now": s.in_stage_now})
    labels = bucket_labels()
    distribution = Table(
        "distribution",
        _("Stays per duration"),
        [stage_column(), *[Column(f"b{i}", label, "int") for i, label in enumerate(labels)]],
        [
            {"stage": s.stage.name} | {f"b{i}": n for i, n in enumerate(s.histogram)}
            for s in report.stages
        ],
    )
    cycles = Table(
        "cycles",
        _("Sales cycle: days from creation to close of deals closed in the period"),
        [
            Column("outcome", _("Outcome"), "status"),
            Column("deals", _("Deals"), "int"),
            Column("mean", _("Mean"), "days"),
            Column("p50", _("Median"), "days"),
            Column("p80", "P80", "days"),
        ],
        [
            {"outcome": c.outcome, "deals": c.deals, "mean": c.mean, "p50": c.median, "p80": c.p80}
            for c in report.cycles.values()
        ],
    )
    v = report.velocity
    velocity = Table(
        "velocity",
        _("Pipeline velocity: open deals times win rate times average won, divided by the cycle"),
        [
            Column("open_deals", _("Open deals"), "int"),
            Column("win_rate", _("Win rate"), "rate"),
            Column("average_won", _("Average won"), "money"),
            Column("cycle_days", _("Cycle (days)"), "days"),
            Column("per_day", _("Per day"), "money"),
        ],
        [
            {
                "open_deals": v.open_deals,
                "win_rate": v.win_rate,
                "average_won": v.average_won,
                "cycle_days": v.cycle_days,
                "per_day": v.per_day,
            }
        ],
    )
    return ReportOutput(
        "time", _("Time"), report.scope.describe(), [stages, distribution, cycles, velocity]
    )


def deviation_label(key: str) -> str:
    return {
        "skip": _("Skipped stages"),
        "back": _("Moved back"),
        "loop": _("Loops"),
        "override": _("Gate overrides"),
        "jump_to_won": _("Jumps to won"),
        "reopen": _("Reopened"),
    }[key]


def conformance_output(request: ReportRequest) -> ReportOutput:
    return conformance_tables(conformance_report(report_scope(request)))


def conformance_tables(report: ConformanceReport) -> ReportOutput:
    counts = [Column(d, deviation_label(d), "int") for d in DEVIATIONS]

    def groups(key: str, title: str, rows: list[GroupConformance]) -> Table:
        columns = [
            Column("name", title),
            Column("deals", _("Deals"), "int"),
            Column("conformant", _("Conformant"), "int"),
            Column("share", _("Share"), "rate"),
            *counts,
        ]
        return Table(
            key,
            title,
            columns,
            [
                merged(
                    {"name": g.name, "deals": g.deals, "conformant": g.conformant},
                    {"share": g.share},
                    g.deviations,
                )
                for g in rows
            ],
        )

    outcomes = Table(
        "outcomes",
        _("Win rate of closed deals with and without each deviation"),
        [
            Column("deviation", _("Deviation")),
            Column("with_closed", _("Closed with"), "int"),
            Column("with_won", _("Won with"), "int"),
            Column("win_rate_with", _("Win rate with"), "rate"),
            Column("without_closed", _("Closed without"), "int"),
            Column("without_won", _("Won without"), "int"),
            Column("win_rate_without", _("Win rate without"), "rate"),
        ],
        [
            {
                "deviation": deviation_label(o.deviation),
                "with_closed": o.with_closed,
                "with_won": o.with_won,
                "win_rate_with": o.win_rate_with,
                "without_closed": o.without_closed,
                "without_won": o.without_won,
                "win_rate_without": o.win_rate_without,
            }
            for o in report.outcomes
        ],
    )
    stages = Table(
        "stages",
        _("Deviations per stage"),
        [
            stage_column(),
            Column("reached", _("Reached"), "int"),
            Column("deviating", _("Deviating"), "int"),
            Column("share", _("Conformant"), "rate"),
            *counts,
        ],
        [
            merged(
                {
                    "stage": s.stage.name,
                    "reached": s.reached,
                    "deviating": s.deviating,
                    "share": s.share,
                },
                s.deviations,
            )
            for s in report.stages
        ],
    )
    deals = Table(
        "deals",
        _("Latest deals off the route"),
        [
            Column("deal", _("Deal"), "deal"),
            Column("title", _("Title")),
            Column("owner", _("Owner")),
            Column("status", _("Status"), "status"),
            Column("deviations", _("Deviations")),
        ],
        [
            {
                "deal": d.deal.pk,
                "title": d.deal.title,
                "owner": d.deal.owner.username,
                "status": d.deal.status,
                "deviations": ", ".join(deviation_label(k) for k in d.deviations),
            }
            for d in report.deals
        ],
    )
    meta = report.scope.describe() | {
        "deals": report.overall.deals,
        "conformant": report.overall.conformant,
    }
    return ReportOutput(
        "conformance",
        _("Conformance"),
        meta,
        [
            groups("reps", _("Rep"), report.reps),
            groups("teams", _("Team"), report.teams),
            outcomes,
            stages,
            deals,
        ],
    )
