"""The report pages under /reports/: thin views over :mod:`traseu.analytics.pages`.

Every page covers the deals the signed-in user may see (``crm.access.deals_visible_to``), so a
manager sees their teams' deals and a rep their own and their team's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from traseu.analytics.forms import ReportFilters
from traseu.analytics.pages import PAGES, Page
from traseu.analytics.scope import report_scope
from traseu.analytics.stalled import IDLE_DAYS
from traseu.analytics.tables import ReportOutput, ReportRequest, as_csv
from traseu.core.errors import TraseuError
from traseu.crm.views.common import error_response, signed_in_user
from traseu.processes.selectors import process_versions_latest


@login_required
@require_GET
def reports_index(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/index.html", {"pages": PAGES.items()})


@login_required
@require_GET
def report_page(request: HttpRequest, name: str) -> HttpResponse:
    page = PAGES.get(name)
    if page is None:
        raise Http404(name)
    processes = [(v.process.key, v.name) for v in process_versions_latest()]
    form = ReportFilters(request.GET or None, processes=processes, idle="idle_days" in page.options)
    context: dict[str, Any] = {"name": name, "page": page, "form": form, "pages": PAGES.items()}
    if form.is_bound and not form.is_valid():
        return render(request, "analytics/report.html", context, status=422)
    data = form.cleaned_data if form.is_bound else {}
    try:
        output, charts = _build(request, page, data)
    except TraseuError as error:
        return error_response(request, error)
    if request.GET.get("format") == "csv":
        return _csv(name, output, request.GET.get("table", ""))
    context |= {"output": output, "sections": _sections(request, output, charts)}
    return render(request, "analytics/report.html", context)


def _build(request: HttpRequest, page: Page, data: dict[str, Any]) -> tuple[ReportOutput, Any]:
    scope = report_scope(
        ReportRequest(
            process=data.get("process") or None,
            since=data.get("since"),
            until=data.get("until"),
            user=signed_in_user(request),
        )
    )
    idle_days = data.get("idle_days")
    report = page.build(scope, {"idle_days": IDLE_DAYS if idle_days is None else idle_days})
    return page.tables(report), page.charts(report)


def _sections(request: HttpRequest, output: ReportOutput, charts: Any) -> list[dict[str, Any]]:
    sections = []
    for table in output.tables:
        query = request.GET.copy()
        query["format"], query["table"] = "csv", table.key
        found = charts.get(table.key, [])
        layout = "with-chart" if found and len(table.columns) <= 6 else "stacked"
        sections.append(
            {"table": table, "charts": found, "layout": layout, "csv": f"?{query.urlencode()}"}
        )
    return sections


def _csv(name: str, output: ReportOutput, key: str) -> HttpResponse:
    try:
        table = output.table(key)
    except KeyError as error:
        raise Http404(key) from error
    response = HttpResponse(as_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="traseu-{name}-{table.key}.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("", reports_index, name="reports"),
    path("<slug:name>/", report_page, name="report"),
]
