"""Reports before there is anything to report."""

from __future__ import annotations

import pytest
from django.test import Client

from traseu.analytics.pages import PAGES
from traseu.core.models import User
from traseu.processes.models import ProcessVersion

pytestmark = pytest.mark.django_db


def test_without_any_process_a_report_says_so(people: dict[str, User]) -> None:
    client = Client()
    client.force_login(people["manager"])
    assert client.get("/reports/").status_code == 200
    response = client.get("/reports/funnel/")
    assert response.status_code == 404
    assert "No process has been applied yet." in response.content.decode()


@pytest.mark.parametrize("name", list(PAGES))
def test_a_process_without_deals_shows_empty_reports(
    people: dict[str, User], route: ProcessVersion, name: str
) -> None:
    client = Client()
    client.force_login(people["rep"])
    response = client.get(f"/reports/{name}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="what">process</span> test-route' in html
    assert "<main>" in html
