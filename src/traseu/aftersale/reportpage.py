"""The feedback report as tables (for the page, CSV and ``traseu report feedback``) and charts,
and its page under /reports/feedback/ among the other report pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from traseu.aftersale.report import FeedbackReport, NpsGroup, feedback_report
from traseu.analytics import charts
from traseu.analytics.charts import Bar, Segment
from traseu.analytics.pages import PAGES, Charts, Page
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import Cell, Column, ReportOutput, ReportRequest, Table


def _nps_columns(first: Column) -> list[Column]:
    return [
        first,
        Column("responses", _("Responses"), "int"),
        Column("promoters", _("Promoters"), "int"),
        Column("passives", _("Passives"), "int"),
        Column("detractors", _("Detractors"), "int"),
        Column("nps", _("NPS"), "number"),
        Column("satisfaction", _("Satisfaction (1-5)"), "number"),
    ]


def _nps_row(group: NpsGroup) -> dict[str, Cell]:
    s = group.summary
    return {
        "name": group.name,
        "responses": s.responses,
        "promoters": s.promoters,
        "passives": s.passives,
        "detractors": s.detractors,
        "nps": s.score,
        "satisfaction": group.satisfaction,
    }


def feedback_tables(report: FeedbackReport) -> ReportOutput:
    overall = report.overall.summary
    meta: dict[str, Cell] = {
        **report.scope.describe(),
        "responses": overall.responses,
        "nps": overall.score,
    }
    tables = [
        Table(
            "months",
            _("NPS by month"),
            _nps_columns(Column("name", _("Month"))),
            [_nps_row(g) for g in report.months],
        ),
        Table(
            "products",
            _("NPS by product sold"),
            _nps_columns(Column("name", _("Product"))),
            [_nps_row(g) for g in report.products],
        ),
        Table(
            "reps",
            _("NPS by sales rep"),
            _nps_columns(Column("name", _("Sales rep"))),
            [_nps_row(g) for g in report.reps],
        ),
        Table(
            "categories",
            _("Issues by category"),
            [
                Column("category", _("Category")),
                Column("raised", _("Raised"), "int"),
                Column("open", _("Open"), "int"),
            ],
            [{"category": c.label, "raised": c.raised, "open": c.open} for c in report.categories],
        ),
        Table(
            "open_issues",
            _("Open issues"),
            [
                Column("deal", _("Deal id"), "deal"),
                Column("title", _("Deal")),
                Column("category", _("Category")),
                Column("issue", _("Issue")),
                Column("raised", _("Raised")),
                Column("owner", _("Task for")),
            ],
            [
                {
                    "deal": i.deal_id,
                    "title": i.deal,
                    "category": i.category,
                    "issue": i.description,
                    "raised": i.raised,
                    "owner": i.owner or None,
                }
                for i in report.open_issues
            ],
        ),
    ]
    return ReportOutput("feedback", _("Customer feedback"), meta, tables)


def _shares(title: str, groups: list[NpsGroup]) -> Any:
    """Per group a bar split into promoters, passives and detractors (shares of responses),
    with the NPS as the note."""
    rows = []
    for g in groups:
        s = g.summary
        total = s.responses or 1
        segments = [
            Segment(1.0 if s.responses else 0.0, "missed"),
            Segment((s.promoters + s.passives) / total, "baseline"),
            Segment(s.promoters / total, "met"),
        ]
        note = "\N{EN DASH}" if s.score is None else f"NPS {s.score:+.0f} · n={s.responses}"
        rows.append((g.name, segments, note))
    return charts.stacked(title, rows)


def feedback_charts(report: FeedbackReport) -> Charts:
    categories = [
        Bar(c.label, c.raised, f"{c.raised} · {c.open} " + _("open")) for c in report.categories
    ]
    top = max((c.raised for c in report.categories), default=0) or 1
    return {
        "months": [_shares(_("Promoters, passives and detractors by month"), report.months)],
        "products": [_shares(_("By product"), report.products[:15])],
        "reps": [_shares(_("By sales rep"), report.reps)],
        "categories": [charts.bars(_("Issues raised by category"), categories, scale=top)],
    }


def feedback_output(request: ReportRequest) -> ReportOutput:
    """``traseu report feedback``."""
    return feedback_tables(feedback_report(report_scope(request)))


PAGES.setdefault(
    "feedback",
    Page(
        gettext_lazy("Customer feedback"),
        gettext_lazy("NPS over time, by product and sales rep; the issues clients raised."),
        lambda scope, options: feedback_report(scope),
        feedback_tables,
        feedback_charts,
    ),
)
