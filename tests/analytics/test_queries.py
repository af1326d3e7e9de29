"""Query counts of the reports and their pages do not grow with the number of deals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.analytics.histories import ROUTE_V1, START, History, build_history, make_cast
from traseu.analytics.pages import PAGES
from traseu.analytics.scope import report_scope
from traseu.analytics.tables import ReportRequest
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db


def count(action: Callable[[], Any]) -> int:
    action()  # warm the per-version definition cache
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def test_report_and_page_queries_stay_flat_as_deals_double() -> None:
    history = History(cast=make_cast())
    version = process_apply_file(path=ROUTE_V1).version
    build_history(history, version, deals=12, seed=3, start=START)
    client = Client()
    client.force_login(history.cast.manager)

    def measure() -> dict[str, int]:
        found = {}
        for name, page in PAGES.items():
            request = ReportRequest(process="analytics-route", user=history.cast.manager)
            found[name] = count(
                lambda page=page, r=request: page.build(report_scope(r), {"idle_days": 7})
            )
            found[f"page {name}"] = count(lambda name=name: client.get(f"/reports/{name}/"))
        return found

    small = measure()
    build_history(history, version, deals=24, seed=4, start=START + dt.timedelta(days=40))
    assert measure() == small
    assert max(n for name, n in small.items() if not name.startswith("page")) <= 12
