"""The pipeline board and the move endpoint behind drag and drop and the "move to" menus."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from traseu.core.models import User
from traseu.crm.board import BoardFilters, board_for
from traseu.crm.models import Deal, StageChange
from traseu.prospecting.models import AccountFit, IdealCustomerProfile

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_pages_need_sign_in(client: Client, route: object) -> None:
    for url in ("/", "/pipeline/test-route/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_home_opens_the_board_of_a_process(
    client: Client, people: dict[str, User], route: object
) -> None:
    response = signed_in(client, people["rep"]).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/pipeline/test-route/"


def test_the_board_shows_every_stage_with_totals_and_cards(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    make_deal(amount="1000")
    make_deal(amount="3000")
    page = signed_in(client, people["rep"]).get("/pipeline/test-route/").content.decode()
    for name in ("Prospecting", "Qualification", "First contact", "Won", "Accompaniment", "Lost"):
        assert f'">{name}</h2>' in page
    assert "2 deals" in page
    assert page.count('<li class="card') == 2
    assert "Research the account" in page, "the card shows its next task"


def test_another_teams_deals_are_not_on_the_board(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    make_deal(owner="rep_b")
    page = signed_in(client, people["rep"]).get("/pipeline/test-route/").content.decode()
    assert "Acme rollout" not in page
    assert "0 deals" in page


def test_stalled_deals_are_marked(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    Deal.objects.filter(pk=deal.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=40))
    board = board_for(user=people["rep"], process_key="test-route")
    card = board.columns[0].cards[0]
    assert (card.days_in_stage, card.stalled) == (40, True)


def test_filters_narrow_the_board(people: dict[str, User], make_deal: MakeDeal) -> None:
    make_deal(amount="1000")
    make_deal(amount="9000", owner="rep2")
    board = board_for(
        user=people["manager"],
        process_key="test-route",
        filters=BoardFilters(min_amount=5000),
    )
    assert [c.deal.amount for c in board.columns[0].cards] == [9000]
    board = board_for(
        user=people["manager"],
        process_key="test-route",
        filters=BoardFilters(owner=people["rep"].pk),
    )
    assert board.columns[0].count == 1


def _fit(profile: IdealCustomerProfile, deal: Deal, score: int) -> None:
    AccountFit.objects.create(
        account=deal.account,
        profile=profile,
        score=score,
        digest=profile.digest,
        computed_at=timezone.now(),
    )


def _profile(key: str = "smb") -> IdealCustomerProfile:
    return IdealCustomerProfile.objects.create(
        key=key, name=key.upper(), source="", document={}, digest=key
    )


def test_the_icp_fit_filter_keeps_deals_whose_account_fits_enough(
    people: dict[str, User], make_deal: MakeDeal
) -> None:
    smb, enterprise = _profile("smb"), _profile("enterprise")
    strong, weak, unscored = make_deal(amount="1000"), make_deal(amount="2000"), make_deal()
    _fit(smb, strong, 80)
    _fit(smb, weak, 40)
    _fit(enterprise, weak, 95)  # a fit with another profile does not count
    _fit(enterprise, unscored, 90)

    def shown(icp: int, min_fit: int | None = None) -> list[int]:
        board = board_for(
            user=people["rep"],
            process_key="test-route",
            filters=BoardFilters(icp=icp, min_fit=min_fit),
        )
        assert board.columns[0].count == len(board.columns[0].cards)
        return sorted(card.deal.pk for card in board.columns[0].cards)

    assert shown(icp=smb.pk, min_fit=60) == [strong.pk]
    assert shown(icp=smb.pk, min_fit=40) == [strong.pk, weak.pk]
    assert shown(icp=smb.pk) == [strong.pk, weak.pk]  # scored against it at all
    assert shown(icp=enterprise.pk, min_fit=91) == [weak.pk]
    board = board_for(
        user=people["rep"], process_key="test-route", filters=BoardFilters(icp=smb.pk, min_fit=60)
    )
    assert board.columns[0].total == 1000  # the column's totals are filtered too


def test_the_icp_fit_filter_on_the_page(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    smb = _profile()
    strong, weak = make_deal(), make_deal()
    Deal.objects.filter(pk=strong.pk).update(title="Strong fit")
    Deal.objects.filter(pk=weak.pk).update(title="Weak fit")
    _fit(smb, strong, 85)
    client = signed_in(client, people["rep"])

    page = client.get(f"/pipeline/test-route/?icp={smb.pk}&min_fit=50").content.decode()
    assert "Strong fit" in page
    assert "Weak fit" not in page
    assert f'<option value="{smb.pk}" selected>SMB</option>' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min_fit=50", "Choose the profile the fit is measured against."),
        ("icp=999999&min_fit=50", "Select a valid choice."),
        ("icp={smb}&min_fit=101", "Ensure this value is less than or equal to 100."),
    ],
)
def test_a_bad_icp_filter_shows_its_error_and_filters_nothing(
    client: Client, people: dict[str, User], make_deal: MakeDeal, query: str, message: str
) -> None:
    smb = _profile()
    make_deal()
    page = (
        signed_in(client, people["rep"])
        .get("/pipeline/test-route/?" + query.format(smb=smb.pk))
        .content.decode()
    )
    assert message in page
    assert "1 deal" in page


def test_invalid_filters_show_errors_and_filter_nothing(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    make_deal()
    page = (
        signed_in(client, people["rep"])
        .get("/pipeline/test-route/?min_amount=9&max_amount=1")
        .content.decode()
    )
    assert "The upper amount is below the lower one." in page
    assert "1 deal" in page


def test_board_queries_do_not_grow_with_deals(people: dict[str, User], make_deal: MakeDeal) -> None:
    make_deal()

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board = board_for(user=people["rep"], process_key="test-route")
            for column in board.columns:
                for card in column.cards:
                    _ = card.deal.account.name, card.deal.owner.username, card.next_task
        return len(queries)

    few = count()
    for _ in range(8):
        make_deal()
    assert count() == few


def test_filtering_by_icp_fit_adds_no_query(people: dict[str, User], make_deal: MakeDeal) -> None:
    """The fit filter joins the account's stored fit into the board's own queries."""
    smb = _profile()
    _fit(smb, make_deal(), 70)

    def count(filters: BoardFilters) -> int:
        with CaptureQueriesContext(connection) as queries:
            board = board_for(user=people["rep"], process_key="test-route", filters=filters)
            for column in board.columns:
                for card in column.cards:
                    _ = card.deal.account.name, card.deal.owner.username, card.next_task
        return len(queries)

    fitting = BoardFilters(icp=smb.pk, min_fit=50)
    plain = count(BoardFilters())
    assert count(fitting) == plain
    for _ in range(6):
        _fit(smb, make_deal(), 90)
    assert count(fitting) == plain


def test_show_more_pages_a_column(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    for _ in range(23):
        make_deal()
    client = signed_in(client, people["rep"])
    page = client.get("/pipeline/test-route/").content.decode()
    assert page.count('<li class="card') == 20
    assert "Show 3 more" in page
    more = client.get("/pipeline/test-route/more/prospecting/?offset=20", **HTMX).content.decode()
    assert more.count('<li class="card') == 3


def test_a_move_through_the_board_moves_the_deal(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(industry="Retail")
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/move/", {"to_stage": "qualification"}
    )
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == "qualification"
    assert StageChange.objects.filter(deal=deal).last().via == "web"  # type: ignore[union-attr]


def test_a_refused_drop_returns_the_board_with_the_checklist_beside_the_card(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/move/", {"to_stage": "first_contact"}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('\n<div id="board"') or page.lstrip().startswith('<div id="board"')
    assert "Industry is filled in" in page
    assert "BANT Budget is at least partial" in page
    assert f"/deals/{deal.pk}/#qualification" in page, "each item links to where it is fixed"
    deal.refresh_from_db()
    assert deal.stage == "prospecting"


def test_a_refused_move_without_javascript_is_a_409_page(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/move/", {"to_stage": "lost"}
    )
    assert response.status_code == 409
    assert "Losing a deal needs a lost reason." in response.content.decode()


def test_moves_of_another_teams_deal_are_404_and_change_nothing(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal(owner="rep_b", industry="Retail")
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/move/", {"to_stage": "qualification"}
    )
    assert response.status_code == 404
    deal.refresh_from_db()
    assert deal.stage == "prospecting"


def test_a_rep_cannot_override_and_is_told_so(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    deal = make_deal()
    response = signed_in(client, people["rep"]).post(
        f"/deals/{deal.pk}/move/",
        {"to_stage": "qualification", "override": "on", "reason": "trust me"},
        **HTMX,
    )
    assert "Only a sales manager or an administrator may override a gate." in (
        response.content.decode()
    )
    deal.refresh_from_db()
    assert deal.stage == "prospecting"


def test_the_move_endpoint_needs_csrf(people: dict[str, User], make_deal: MakeDeal) -> None:
    deal = make_deal(industry="Retail")
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["rep"])
    response = client.post(f"/deals/{deal.pk}/move/", {"to_stage": "qualification"})
    assert response.status_code == 403
    deal.refresh_from_db()
    assert deal.stage == "prospecting"


def test_a_new_deal_starts_in_the_first_stage(
    client: Client, people: dict[str, User], route: object
) -> None:
    client = signed_in(client, people["rep"])
    response = client.post(
        "/pipeline/test-route/new/",
        {"title": "Beta pilot", "account_name": "Beta SRL", "amount": "2500"},
    )
    deal = Deal.objects.get(title="Beta pilot")
    assert response.status_code == 302
    assert response["Location"] == f"/deals/{deal.pk}/"
    assert (deal.stage, deal.account.name, deal.owner) == ("prospecting", "Beta SRL", people["rep"])
    bad = client.post("/pipeline/test-route/new/", {"title": "", "account_name": "X"})
    assert bad.status_code == 422
    assert "This field is required." in bad.content.decode()
    assert Deal.objects.count() == 1
