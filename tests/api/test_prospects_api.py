"""Prospect lists and prospects over the API (read-only), limited to what the caller sees."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.api.conftest import Api
from traseu.core.models import User
from traseu.prospecting.models import ProspectList
from traseu.prospecting.services import prospect_add, prospect_list_create

pytestmark = pytest.mark.django_db


def _list(user: User, name: str, companies: tuple[str, ...]) -> ProspectList:
    plist = prospect_list_create(name=name, acting_user=user)
    for company in companies:
        prospect_add(prospect_list=plist, acting_user=user, company_name=company)
    return plist


def test_lists_and_prospects_are_paged(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    mine = _list(people["rep"], "Cluj", ("Alfa", "Beta", "Gamma"))
    _list(people["rep_b"], "Theirs", ("Delta",))
    api = as_user("rep", "read")
    lists = api.get("/prospect-lists").json()
    assert [item["name"] for item in lists["items"]] == ["Cluj"]
    assert api.get(f"/prospect-lists/{mine.pk}").json()["owner"] == "rep"
    first = api.get(f"/prospect-lists/{mine.pk}/prospects", limit=2).json()
    rest = api.get(
        f"/prospect-lists/{mine.pk}/prospects", limit=2, cursor=first["next_cursor"]
    ).json()
    names = [p["company_name"] for p in first["items"] + rest["items"]]
    assert (names, rest["next_cursor"]) == (["Alfa", "Beta", "Gamma"], None)
    status = api.get(f"/prospect-lists/{mine.pk}/prospects", status="disqualified").json()
    assert status["items"] == []


def test_another_teams_list_is_not_found(
    as_user: Callable[..., Api], people: dict[str, User]
) -> None:
    theirs = _list(people["rep_b"], "Theirs", ("Delta",))
    api = as_user("rep")
    for path in (f"/prospect-lists/{theirs.pk}", f"/prospect-lists/{theirs.pk}/prospects"):
        answer = api.get(path)
        assert (answer.status_code, answer.json()["code"]) == (404, "prospect_list_not_found")


def test_bad_filters_are_refused(as_user: Callable[..., Api], people: dict[str, User]) -> None:
    mine = _list(people["rep"], "Cluj", ("Alfa",))
    api = as_user("rep")
    assert api.get(f"/prospect-lists/{mine.pk}/prospects", status="maybe").status_code == 422
    assert api.get(f"/prospect-lists/{mine.pk}/prospects", min_fit=101).status_code == 422
    sort = api.get("/prospect-lists", sort="size")
    assert sort.status_code in (400, 422)
    assert set(sort.json()) == {"code", "message", "details"}
