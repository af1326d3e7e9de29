"""Report queries on PostgreSQL carry their values in the SQL, whatever the connection's
binding (see traseu.core.db); on SQLite nothing changes."""

from __future__ import annotations

import pytest
from django.db import connection

from traseu.analytics.conformance import conformance_report
from traseu.analytics.funnel import funnel_report
from traseu.analytics.kpis import kpi_report
from traseu.analytics.stalled import stalled_report
from traseu.analytics.team import team_report
from traseu.analytics.techniques import technique_report
from traseu.analytics.timing import time_report
from traseu.core.db import values_written_in

pytestmark = pytest.mark.django_db


def test_inside_the_block_postgresql_binds_on_the_client_and_after_it_as_before() -> None:
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        with values_written_in(), connection.cursor() as cursor:
            cursor.execute("SELECT %s", [1])
            assert cursor.fetchone() == (1,)
        return
    import psycopg

    before = connection.connection.cursor_factory
    server_side = connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    assert issubclass(before, psycopg.ClientCursor) is not server_side
    with values_written_in():
        assert issubclass(connection.connection.cursor_factory, psycopg.ClientCursor)
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::int + 1", [41])
            assert cursor.fetchone() == (42,)
    assert connection.connection.cursor_factory is before


def test_a_failing_block_gives_the_binding_back() -> None:
    connection.ensure_connection()
    before = getattr(connection.connection, "cursor_factory", None)
    with pytest.raises(RuntimeError), values_written_in():
        raise RuntimeError("report failed")
    assert getattr(connection.connection, "cursor_factory", None) is before


@pytest.mark.parametrize(
    "report",
    [
        funnel_report,
        time_report,
        stalled_report,
        kpi_report,
        conformance_report,
        team_report,
        technique_report,
    ],
)
def test_every_report_runs_with_its_values_written_in(report: object) -> None:
    wrapped = getattr(report, "__wrapped__", None)
    assert wrapped is not None
    assert wrapped.__module__ == report.__module__  # type: ignore[attr-defined]
