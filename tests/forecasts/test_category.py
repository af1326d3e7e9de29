"""A person's forecast category for a deal: the service, the deal page's panel, the forecast.

The category lives in the deal's custom attribute ``forecast_category`` (where the REST API
writes it and the forecast reads it); the deal page sets it through the forecasts app's panel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from traseu.audit.models import AuditEntry
from traseu.core.errors import InvalidInput, NotFound, PermissionDenied
from traseu.core.models import User
from traseu.crm.models import Deal, DealStatus, TimelineEvent
from traseu.forecasts.period import period_forecast
from traseu.forecasts.periods import parse_period
from traseu.forecasts.services import deal_forecast_category_set

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_setting_a_category_is_audited_and_the_forecast_counts_it(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal(expected_close=dt.date(2026, 2, 10))

    saved = deal_forecast_category_set(
        deal_id=deal.pk, category="commit", acting_user=people["rep"]
    )

    assert saved.custom["forecast_category"] == "commit"
    assert saved.version == deal.version + 1
    entry = AuditEntry.objects.get(deal_id=deal.pk, action="update")
    assert entry.after == {"custom": {"forecast_category": "commit"}}
    event = TimelineEvent.objects.get(deal=deal, kind="deal.updated")
    assert event.data["after"]["custom"]["forecast_category"] == "commit"
    view = period_forecast(period=parse_period("2026-Q1"), user=people["rep"])
    totals = {total.category: total for total in view.forecast.totals}
    assert totals["commit"].deals == 1  # the first stage alone would make it pipeline
    assert totals["pipeline"].deals == 0
    assert view.forecast.overridden == 1
    assert [row.overridden for row in view.rows] == [True]


def test_auto_gives_the_deal_back_to_its_stage(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal(custom={"forecast_category": "omitted"})

    saved = deal_forecast_category_set(deal_id=deal.pk, category="auto", acting_user=people["rep"])

    assert saved.custom["forecast_category"] is None


def test_the_same_value_again_writes_nothing(make_deal: MakeDeal, people: dict[str, User]) -> None:
    deal = make_deal(custom={"forecast_category": "best_case"})

    saved = deal_forecast_category_set(
        deal_id=deal.pk, category="best_case", acting_user=people["rep"]
    )

    assert saved.version == deal.version
    assert not TimelineEvent.objects.filter(deal=deal, kind="deal.updated").exists()


@pytest.mark.parametrize(
    ("category", "code", "message"),
    [
        ("likely", "invalid_forecast_category", "'likely' is not a forecast category"),
        ("closed", "invalid_forecast_category", "'closed' is not a forecast category"),
    ],
)
def test_an_unknown_category_is_refused_and_changes_nothing(
    make_deal: MakeDeal, people: dict[str, User], category: str, code: str, message: str
) -> None:
    deal = make_deal()

    with pytest.raises(InvalidInput) as raised:
        deal_forecast_category_set(deal_id=deal.pk, category=category, acting_user=people["rep"])

    assert raised.value.code == code
    assert raised.value.message.startswith(message)
    assert raised.value.details == {"field": "category"}
    deal.refresh_from_db()
    assert "forecast_category" not in deal.custom
    assert not AuditEntry.objects.filter(deal_id=deal.pk, action="update").exists()


def test_a_closed_deal_keeps_the_category_its_outcome_gives(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    Deal.objects.filter(pk=deal.pk).update(
        status=DealStatus.WON, closed_at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC)
    )

    with pytest.raises(InvalidInput) as raised:
        deal_forecast_category_set(deal_id=deal.pk, category="commit", acting_user=people["rep"])

    assert raised.value.code == "deal_closed"
    deal.refresh_from_db()
    assert "forecast_category" not in deal.custom


def test_another_teams_deal_is_not_found_and_a_viewer_may_not_change_it(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()

    with pytest.raises(NotFound):
        deal_forecast_category_set(deal_id=deal.pk, category="commit", acting_user=people["rep_b"])
    with pytest.raises(PermissionDenied):
        deal_forecast_category_set(deal_id=deal.pk, category="commit", acting_user=people["viewer"])

    deal.refresh_from_db()
    assert "forecast_category" not in deal.custom


def test_the_deal_page_shows_the_panel_with_its_control(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()

    page = signed_in(people["rep"]).get(f"/deals/{deal.pk}/").content.decode()

    assert '<section id="forecast-category" class="panel"' in page
    assert f'action="/forecast/deals/{deal.pk}/category/"' in page
    assert '<option value="auto" selected>Follow the stage</option>' in page
    assert "from the stage's designed probability" in page
    assert 'id="forecast_category"' in page


def test_a_viewer_sees_the_category_without_the_control(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal(custom={"forecast_category": "commit"})

    page = signed_in(people["viewer"]).get(f"/deals/{deal.pk}/").content.decode()

    assert '<section id="forecast-category" class="panel"' in page
    assert "<strong>Commit</strong>" in page
    assert "set by a person" in page
    assert "/forecast/deals/" not in page


def test_posting_the_form_saves_and_goes_back_to_the_panel(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    url = f"/forecast/deals/{deal.pk}/category/"

    response = signed_in(people["rep"]).post(url, {"category": "best_case"})

    assert response.status_code == 303
    assert response["Location"] == f"/deals/{deal.pk}/#forecast-category"
    deal.refresh_from_db()
    assert deal.custom["forecast_category"] == "best_case"


def test_with_htmx_the_answer_is_the_refreshed_panel(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()

    response = signed_in(people["rep"]).post(
        f"/forecast/deals/{deal.pk}/category/",
        {"category": "omitted", "version": deal.version},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="forecast-category"')
    assert "<strong>Omitted</strong>" in html


def test_a_bad_post_is_a_422_beside_the_field_and_changes_nothing(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    client = signed_in(people["rep"])

    bad = client.post(f"/forecast/deals/{deal.pk}/category/", {"category": "likely"})
    stale = client.post(
        f"/forecast/deals/{deal.pk}/category/", {"category": "commit", "version": deal.version - 1}
    )

    assert bad.status_code == 422
    assert "Select a valid choice. likely is not one of the available choices." in (
        bad.content.decode()
    )
    assert stale.status_code == 422
    assert "The deal changed since you read it" in stale.content.decode()
    deal.refresh_from_db()
    assert "forecast_category" not in deal.custom


def test_posts_answer_404_for_another_team_and_403_for_a_viewer(
    make_deal: MakeDeal, people: dict[str, User]
) -> None:
    deal = make_deal()
    url = f"/forecast/deals/{deal.pk}/category/"

    assert signed_in(people["rep_b"]).post(url, {"category": "commit"}).status_code == 404
    assert signed_in(people["viewer"]).post(url, {"category": "commit"}).status_code == 403
    assert Client().post(url, {"category": "commit"}).status_code == 302  # to sign in
    deal.refresh_from_db()
    assert "forecast_category" not in deal.custom
