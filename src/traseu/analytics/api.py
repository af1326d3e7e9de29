"""REST API of the reports: ``GET /reports/{name}`` answers what ``traseu report NAME --format
json`` prints, over the deals the caller may see (crm.access, as on the report pages).

The names and the functions that build them are the command line's registry
(:data:`traseu.cli.report.REPORTS`), so the two cannot drift apart. ``feedback`` has its own,
typed route (traseu.aftersale.api), registered first.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from traseu.aftersale.schemas import IsoDate
from traseu.analytics.tables import ReportRequest, as_json
from traseu.apikit.auth import user_of
from traseu.apikit.openapi import responses
from traseu.cli.report import REPORTS, report_function
from traseu.core.errors import NotFound

router = Router(tags=["reports"])


class ReportNamesOut(Schema):
    names: list[str] = Field(description="every report name, as GET /reports/{name} takes it")


class ReportQuery(Schema):
    process: str | None = Field(None, max_length=63, description="process key (default: busiest)")
    since: IsoDate | None = Field(None, description="first day, YYYY-MM-DD")
    until: IsoDate | None = Field(None, description="last day, YYYY-MM-DD")
    idle_days: int | None = Field(
        None, ge=0, le=365, description="stalled: days without activity (default 7)"
    )


@router.get("/reports", url_name="report_names", response=responses({200: ReportNamesOut}))
def report_names(request: HttpRequest) -> dict[str, Any]:
    """The names of the reports this API answers."""
    return {"names": sorted(REPORTS)}


@router.get(
    "/reports/{name}",
    url_name="report_get",
    # The document of ``traseu report NAME --format json``: ``report`` (the name), the report's
    # meta figures (process, period...) and ``tables``, each a list of rows keyed by column.
    response=responses({200: dict[str, Any]}, 400, 404, 422),
)
def report_get(request: HttpRequest, name: str, filters: Query[ReportQuery]) -> dict[str, Any]:
    """One report, over the deals the caller may see. Unknown report or process: 404;
    ``since`` after ``until``: 422 ``invalid_period``."""
    if name not in REPORTS:
        raise NotFound(
            _("There is no report '%(name)s'.") % {"name": name}, code="report_not_found"
        )
    options = {} if filters.idle_days is None else {"idle_days": str(filters.idle_days)}
    output = report_function(name)(
        ReportRequest(
            process=filters.process,
            since=filters.since,
            until=filters.until,
            user=user_of(request),
            options=options,
        )
    )
    document: dict[str, Any] = json.loads(as_json(output))
    return document
