"""The report pages: for each report, how to build it and which charts go beside which table.

A :class:`Page` builds the typed report from a scope (:mod:`traseu.analytics.selectors`), turns
it into tables (:mod:`traseu.analytics.outputs`) and draws its charts
(:mod:`traseu.analytics.charts`), keyed by the table each chart illustrates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.analytics import charts
from traseu.analytics.charts import Bar, Box, Segment
from traseu.analytics.conformance import ConformanceReport, conformance_report
from traseu.analytics.funnel import FunnelReport, funnel_report
from traseu.analytics.kpis import KpiReport, KpiResult, kpi_report
from traseu.analytics.outputs import (
    bucket_labels,
    conformance_tables,
    deviation_label,
    funnel_tables,
    time_tables,
)
from traseu.analytics.outputs_more import (
    kpi_tables,
    stalled_tables,
    team_tables,
    technique_tables,
)
from traseu.analytics.scope import Scope
from traseu.analytics.stalled import StalledReport, stalled_report
from traseu.analytics.tables import ReportOutput
from traseu.analytics.team import TeamReport, team_report
from traseu.analytics.techniques import TechniqueReport, technique_report
from traseu.analytics.timing import TimeReport, time_report

Charts = dict[str, list[SafeString]]  # table key -> charts shown beside it


@dataclass(frozen=True)
class Page:
    title: Any  # a lazy translation
    summary: Any
    build: Callable[[Scope, dict[str, Any]], Any]
    tables: Callable[[Any], ReportOutput]
    charts: Callable[[Any], Charts]
    options: tuple[str, ...] = ()


def _pct(value: float | None) -> str:
    return "\N{EN DASH}" if value is None else f"{value * 100:.0f}%"


def funnel_charts(report: FunnelReport) -> Charts:
    rows = [
        (
            s.stage.name,
            s.reached,
            s.passed,
            (
                _("%(reached)s · %(lost)s lost")
                if s.final
                else _("%(reached)s · %(on)s on · %(lost)s lost")
            )
            % {"reached": s.reached, "on": _pct(s.conversion_next), "lost": s.lost_here},
        )
        for s in report.stages
    ]
    return {"stages": [charts.funnel(_("Funnel: reached and passed per stage"), rows)]}


def _box(q: dict[float, float]) -> tuple[float, float, float, float, float, float]:
    return q[0.1], q[0.25], q[0.5], q[0.75], q[0.8], q[0.9]


def time_charts(report: TimeReport) -> Charts:
    boxes = [
        Box(s.stage.name, *_box(s.quantiles), note=_("n %(n)s") % {"n": s.stays})
        for s in report.stages
        if s.quantiles
    ]
    labels = [label.replace(" d", "") for label in bucket_labels()]
    histograms = [
        charts.histogram(
            _("%(stage)s: stays per duration (days)") % {"stage": s.stage.name},
            s.histogram,
            labels,
            caption=_("%(stage)s (days)") % {"stage": s.stage.name},
        )
        for s in report.stages
        if s.stays
    ]
    title = _("Days in stage: P10-P90 whiskers, P25-P75 box, median, P80 tick")
    return {"stages": [charts.boxes(title, boxes)] if boxes else [], "distribution": histograms}


def stalled_charts(report: StalledReport) -> Charts:
    rows = [
        (
            s.stage.name,
            [Segment(s.open, "open"), Segment(s.over, "over"), Segment(s.stalled, "stalled")],
            _("%(stalled)s stalled of %(open)s") % {"stalled": s.stalled, "open": s.open},
        )
        for s in report.stages
    ]
    return {"stages": [charts.stacked(_("Open, over threshold and stalled deals"), rows)]}


def kpi_text(result: KpiResult) -> str:
    if result.value is None:
        return "\N{EN DASH}"
    if result.kpi.metric in ("conversion_rate", "win_rate"):
        return f"{result.value * 100:.0f}%"
    return f"{result.value:.1f}"


def kpi_scorecard(title: str, results: list[KpiResult]) -> SafeString:
    measured = [r for r in results if r.kpi.metric != "custom"]
    columns = list(dict.fromkeys((r.stage.key, r.kpi.key) for r in measured))
    groups: dict[str, dict[tuple[str, str], KpiResult]] = {}
    for r in measured:
        groups.setdefault(r.group, {})[(r.stage.key, r.kpi.key)] = r
    rows = [
        (
            name,
            [
                charts.Mark(
                    kpi_text(found[c]), found[c].status if found[c].value is not None else "empty"
                )
                if c in found
                else charts.Mark("", "empty")
                for c in columns
            ],
        )
        for name, found in groups.items()
    ]
    return charts.scorecard(title, [kpi for _stage, kpi in columns], rows)


def kpi_charts(report: KpiReport) -> Charts:
    rows = [
        Bar(
            r.kpi.name if len(r.kpi.name) <= 34 else r.kpi.name[:33] + "\N{HORIZONTAL ELLIPSIS}",
            None if r.value is None or not r.kpi.target else r.value / r.kpi.target,
            f"{r.value:.2f} / {r.kpi.target:g}" if r.value is not None else _("no data"),
            "met" if r.status == "met" else "missed",
        )
        for r in report.stages
        if r.kpi.metric != "custom"
    ]
    title = _("Each KPI as a share of its target (the line is the target)")
    return {
        "stages": [charts.bars(title, rows, scale=2.0, marker=1.0)],
        "reps": [kpi_scorecard(_("KPIs per rep: green met, red missed"), report.reps)],
        "teams": [kpi_scorecard(_("KPIs per team: green met, red missed"), report.teams)],
    }


def conformance_charts(report: ConformanceReport) -> Charts:
    def shares(groups: list[Any], title: str) -> SafeString:
        rows = [
            Bar(
                g.name,
                g.share,
                _("%(share)s of %(n)s") % {"share": _pct(g.share), "n": g.deals},
                "conformant",
            )
            for g in groups
        ]
        return charts.bars(title, rows)

    paired = [
        (
            deviation_label(o.deviation),
            o.win_rate_with,
            o.win_rate_without,
            _("%(with)s of %(n)s · %(without)s of %(m)s")
            % {
                "with": _pct(o.win_rate_with),
                "n": o.with_closed,
                "without": _pct(o.win_rate_without),
                "m": o.without_closed,
            },
        )
        for o in report.outcomes
    ]
    stages = [
        Bar(
            s.stage.name,
            s.share,
            _("%(share)s of %(n)s") % {"share": _pct(s.share), "n": s.reached},
            "conformant",
        )
        for s in report.stages
        if s.reached
    ]
    return {
        "reps": [shares(report.reps, _("Conformant deals per rep"))],
        "teams": [shares(report.teams, _("Conformant deals per team"))],
        "outcomes": [charts.paired(_("Win rate with (dark) and without a deviation"), paired)],
        "stages": [charts.bars(_("Deals without a deviation at the stage"), stages)],
    }


def team_charts(report: TeamReport) -> Charts:
    return {
        dimension: [
            charts.bars(
                _("Win rate"),
                [
                    Bar(
                        r.name or "\N{EN DASH}",
                        r.win_rate,
                        _("%(rate)s of %(n)s") % {"rate": _pct(r.win_rate), "n": r.closed},
                    )
                    for r in rows
                ],
            )
        ]
        for dimension, rows in report.groups.items()
        if rows
    }


def technique_charts(report: TechniqueReport) -> Charts:
    rows = [
        Bar(
            r.name if r.technique else _("%(stage)s: every deal") % {"stage": r.stage.name},
            r.conversion,
            _("%(rate)s of %(n)s") % {"rate": _pct(r.conversion), "n": r.deals},
            "bar" if r.technique else "baseline",
        )
        for r in report.rows
    ]
    title = _("Share that passed the stage: every deal (grey), with each technique (blue)")
    return {"techniques": [charts.bars(title, rows)]}


PAGES: dict[str, Page] = {
    "funnel": Page(
        gettext_lazy("Funnel"),
        gettext_lazy("Deals created in the period: how far they got and where they were lost."),
        lambda scope, options: funnel_report(scope),
        funnel_tables,
        funnel_charts,
    ),
    "time": Page(
        gettext_lazy("Time"),
        gettext_lazy("Days in each stage, the sales cycle and pipeline velocity."),
        lambda scope, options: time_report(scope),
        time_tables,
        time_charts,
    ),
    "stalled": Page(
        gettext_lazy("Stalled deals"),
        gettext_lazy("Open deals in their stage longer than won deals were, and idle."),
        lambda scope, options: stalled_report(scope, idle_days=options["idle_days"]),
        stalled_tables,
        stalled_charts,
        options=("idle_days",),
    ),
    "kpis": Page(
        gettext_lazy("Stage KPIs"),
        gettext_lazy("Every KPI of the process against its target, per stage, rep and team."),
        lambda scope, options: kpi_report(scope),
        kpi_tables,
        kpi_charts,
    ),
    "conformance": Page(
        gettext_lazy("Conformance"),
        gettext_lazy("Whether deals follow the designed route, and what deviations cost."),
        lambda scope, options: conformance_report(scope),
        conformance_tables,
        conformance_charts,
    ),
    "team": Page(
        gettext_lazy("Team"),
        gettext_lazy("Deals closed in the period by rep, team, source, product and month."),
        lambda scope, options: team_report(scope),
        team_tables,
        team_charts,
    ),
    "techniques": Page(
        gettext_lazy("Techniques"),
        gettext_lazy("Which techniques were used at each stage and how those deals fared."),
        lambda scope, options: technique_report(scope),
        technique_tables,
        technique_charts,
    ),
}
