"""Tables of the stalled, KPI, team and technique reports (see :mod:`traseu.analytics.outputs`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from traseu.analytics.kpis import KpiReport, KpiResult, kpi_report
from traseu.analytics.scope import report_scope
from traseu.analytics.stalled import IDLE_DAYS, StalledReport, stalled_report
from traseu.analytics.tables import Cell, Column, ReportOutput, ReportRequest, Table
from traseu.analytics.team import DIMENSIONS, TeamReport, team_report
from traseu.analytics.techniques import TechniqueReport, technique_report
from traseu.core.errors import InvalidInput


def idle_days(request: ReportRequest) -> int:
    """The ``idle_days`` option: a whole number of days from 0 to 365 (default 7)."""
    text = str(request.options.get("idle_days") or IDLE_DAYS).strip()
    if not text.isdigit() or int(text) > 365:
        raise InvalidInput(
            _("Idle days must be a whole number from 0 to 365, not '%(value)s'.") % {"value": text},
            code="invalid_idle_days",
            details={"field": "idle_days"},
        )
    return int(text)


def stalled_output(request: ReportRequest) -> ReportOutput:
    days = idle_days(request)
    return stalled_tables(stalled_report(report_scope(request), idle_days=days))


def stalled_tables(report: StalledReport) -> ReportOutput:
    deals = Table(
        "deals",
        _("Stalled deals, longest in their stage first"),
        [
            Column("deal", _("Deal"), "deal"),
            Column("title", _("Title")),
            Column("account", _("Account")),
            Column("owner", _("Owner")),
            Column("stage", _("Stage")),
            Column("days_in_stage", _("Days in stage"), "days"),
            Column("threshold", _("Threshold"), "days"),
            Column("idle_days", _("Days idle"), "days"),
        ],
        [
            {
                "deal": d.deal.pk,
                "title": d.deal.title,
                "account": d.deal.account.name,
                "owner": d.deal.owner.username,
                "stage": d.stage.name,
                "days_in_stage": d.days_in_stage,
                "threshold": d.threshold,
                "idle_days": d.idle_days,
            }
            for d in report.deals
        ],
    )
    stages = Table(
        "stages",
        _("Open deals per stage"),
        [
            Column("stage", _("Stage")),
            Column("open", _("Open"), "int"),
            Column("over", _("Over threshold"), "int"),
            Column("stalled", _("Stalled"), "int"),
        ],
        [
            {"stage": s.stage.name, "open": s.open, "over": s.over, "stalled": s.stalled}
            for s in report.stages
        ],
    )
    newest = next(iter(report.scope.definitions))
    thresholds = Table(
        "thresholds",
        _("Thresholds: P80 of won deals' stays, or the stage KPI when history is thin"),
        [
            Column("stage", _("Stage")),
            Column("won_stays", _("Won deals' stays"), "int"),
            Column("learned", _("P80 of those (days)"), "days"),
            Column("kpi", _("KPI (days)"), "int"),
            Column("used", _("Used (days)"), "days"),
            Column("source", _("From")),
        ],
    )
    for t in report.thresholds:
        kpi = t.kpi.get(newest, next(iter(t.kpi.values()), None))
        thresholds.rows.append(
            {
                "stage": t.stage.name,
                "won_stays": t.won_stays,
                "learned": t.learned,
                "kpi": kpi,
                "used": t.learned if t.from_history else kpi,
                "source": _("history") if t.from_history else _("KPI"),
            }
        )
    meta = report.scope.describe() | {"stalled": report.total, "idle_days": report.idle_days}
    return ReportOutput("stalled", _("Stalled deals"), meta, [deals, stages, thresholds])


def kpi_output(request: ReportRequest) -> ReportOutput:
    return kpi_tables(kpi_report(report_scope(request)))


def kpi_tables(report: KpiReport) -> ReportOutput:
    def table(key: str, title: str, results: list[KpiResult], group: str | None) -> Table:
        columns = [Column("group", group)] if group else []
        columns += [
            Column("stage", _("Stage")),
            Column("kpi", _("KPI")),
            Column("metric", _("Metric")),
            Column("direction", _("Direction")),
            Column("target", _("Target"), "number"),
            Column("value", _("Value"), "number"),
            Column("count", _("Over"), "int"),
            Column("status", _("Status"), "status"),
        ]
        rows: list[dict[str, Cell]] = [
            {
                "group": r.group,
                "stage": r.stage.name,
                "kpi": r.kpi.name,
                "metric": r.kpi.metric,
                "direction": r.kpi.direction,
                "target": r.kpi.target,
                "value": r.value,
                "count": r.count,
                "status": r.status,
            }
            for r in results
        ]
        return Table(key, title, columns, rows, fold=group is not None)

    meta = report.scope.describe() | {"months": round(report.months, 2)}
    return ReportOutput(
        "kpis",
        _("Stage KPIs"),
        meta,
        [
            table("stages", _("Per stage"), report.stages, None),
            table("reps", _("Per rep"), report.reps, _("Rep")),
            table("teams", _("Per team"), report.teams, _("Team")),
        ],
    )


def dimension_label(key: str) -> str:
    return {
        "rep": _("Rep"),
        "team": _("Team"),
        "source": _("Source"),
        "product": _("Product"),
        "month": _("Month closed"),
    }[key]


def team_output(request: ReportRequest) -> ReportOutput:
    return team_tables(team_report(report_scope(request)))


def team_tables(report: TeamReport) -> ReportOutput:
    tables = []
    for dimension in DIMENSIONS:
        label = dimension_label(dimension)
        columns = [
            Column("name", label),
            Column("closed", _("Closed"), "int"),
            Column("won", _("Won"), "int"),
            Column("lost", _("Lost"), "int"),
            Column("win_rate", _("Win rate"), "rate"),
            Column("won_amount", _("Won amount"), "money"),
            Column("average_won", _("Average won"), "money"),
            Column("cycle_days", _("Cycle (days)"), "days"),
            Column("activities_per_deal", _("Activities per deal"), "number"),
        ]
        rows: list[dict[str, Cell]] = [
            {
                "name": r.name or "\N{EN DASH}",
                "closed": r.closed,
                "won": r.won,
                "lost": r.lost,
                "win_rate": r.win_rate,
                "won_amount": float(r.won_amount),
                "average_won": r.average_won,
                "cycle_days": r.cycle_days,
                "activities_per_deal": r.activities_per_deal,
            }
            for r in report.groups[dimension]
        ]
        tables.append(Table(dimension, _("By %(what)s") % {"what": label.lower()}, columns, rows))
    return ReportOutput("team", _("Team views"), report.scope.describe(), tables)


def technique_output(request: ReportRequest) -> ReportOutput:
    return technique_tables(technique_report(report_scope(request)))


def technique_tables(report: TechniqueReport) -> ReportOutput:
    columns = [
        Column("stage", _("Stage")),
        Column("technique", _("Technique")),
        Column("deals", _("Deals"), "int"),
        Column("conversion", _("To next stage"), "rate"),
        Column("time_days", _("Days in stage"), "days"),
        Column("win_rate", _("Win rate"), "rate"),
        Column("won", _("Won"), "int"),
        Column("lost", _("Lost"), "int"),
    ]
    rows: list[dict[str, Cell]] = [
        {
            "stage": r.stage.name,
            "technique": r.name or _("(every deal in the stage)"),
            "deals": r.deals,
            "conversion": r.conversion,
            "time_days": r.time_days,
            "win_rate": r.win_rate,
            "won": r.won,
            "lost": r.lost,
        }
        for r in report.rows
    ]
    table = Table("techniques", _("Techniques per stage"), columns, rows)
    return ReportOutput("techniques", _("Techniques"), report.scope.describe(), [table])
