"""The feedback report: NPS over time, by product and by sales rep, issue categories and the
open issues, over the feedback of one process's deals received in the period.

One query for the feedback (with deal, owner and handoff), one for the issues. The maths is
:mod:`traseu.aftersale.nps`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from traseu.aftersale.models import Feedback, FeedbackIssue, Handoff
from traseu.aftersale.nps import NpsSummary, summarise
from traseu.analytics.scope import Scope

OPEN_ISSUES_SHOWN = 200


@dataclass(frozen=True)
class NpsGroup:
    name: str
    summary: NpsSummary
    satisfaction: float | None  # mean of 1-5


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    raised: int
    open: int


@dataclass(frozen=True)
class OpenIssue:
    deal_id: int
    deal: str
    category: str
    description: str
    raised: str  # ISO date
    owner: str  # the task's owner, "" without a task


@dataclass
class FeedbackReport:
    scope: Scope
    overall: NpsGroup
    months: list[NpsGroup] = field(default_factory=list)
    products: list[NpsGroup] = field(default_factory=list)
    reps: list[NpsGroup] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    open_issues: list[OpenIssue] = field(default_factory=list)


def _group(name: str, rows: list[tuple[int, int]]) -> NpsGroup:
    satisfaction = sum(s for _n, s in rows) / len(rows) if rows else None
    return NpsGroup(name, summarise(n for n, _s in rows), satisfaction and round(satisfaction, 2))


def _product_names(handoff: Handoff | None) -> set[str]:
    if handoff is None:
        return set()
    names = {
        str(line.get("description") or line.get("product_code") or "").strip()
        for line in handoff.sold
        if isinstance(line, dict)
    }
    return {name for name in names if name}


def feedback_report(scope: Scope) -> FeedbackReport:
    feedback = (
        Feedback.objects.filter(deal__in=scope.deals().values("pk"))
        .filter(scope.period("received_at"))
        .select_related("deal__owner", "deal__handoff")
        .order_by("received_at", "pk")
    )
    months: dict[str, list[tuple[int, int]]] = defaultdict(list)
    products: dict[str, list[tuple[int, int]]] = defaultdict(list)
    reps: dict[str, list[tuple[int, int]]] = defaultdict(list)
    everything: list[tuple[int, int]] = []
    for item in feedback:
        answer = (item.nps, item.satisfaction)
        everything.append(answer)
        months[timezone.localtime(item.received_at).strftime("%Y-%m")].append(answer)
        reps[str(item.deal.owner)].append(answer)
        for product in _product_names(getattr(item.deal, "handoff", None)):
            products[product].append(answer)
    report = FeedbackReport(scope=scope, overall=_group("", everything))
    report.months = [_group(month, months[month]) for month in sorted(months)]
    report.products = sorted(
        (_group(name, rows) for name, rows in products.items()),
        key=lambda g: (-g.summary.responses, g.name),
    )
    report.reps = sorted((_group(name, rows) for name, rows in reps.items()), key=lambda g: g.name)
    _issues(report, scope)
    return report


def _issues(report: FeedbackReport, scope: Scope) -> None:
    from traseu.aftersale.models import IssueCategory

    issues = (
        FeedbackIssue.objects.filter(feedback__deal__in=scope.deals().values("pk"))
        .filter(scope.period("feedback__received_at"))
        .select_related("feedback__deal", "task__owner")
        .order_by("created_at", "pk")
    )
    raised: dict[str, int] = defaultdict(int)
    still_open: dict[str, int] = defaultdict(int)
    for issue in issues:
        raised[issue.category] += 1
        if issue.task is None or not issue.task.done:
            still_open[issue.category] += 1
            if len(report.open_issues) < OPEN_ISSUES_SHOWN:
                report.open_issues.append(
                    OpenIssue(
                        deal_id=issue.feedback.deal_id,
                        deal=issue.feedback.deal.title,
                        category=str(issue.get_category_display()),
                        description=issue.description,
                        raised=timezone.localtime(issue.created_at).date().isoformat(),
                        owner=str(issue.task.owner) if issue.task else "",
                    )
                )
    report.categories = [
        CategoryRow(key, str(label), raised[key], still_open[key])
        for key, label in IssueCategory.choices
    ]
