"""The prospecting pages: the lists, a list with each prospect's fit and why, adding, changing a
status, bulk conversion with a process picker; another team's list is a 404 everywhere and a
reader changes nothing."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.processes.models import ProcessVersion
from traseu.prospecting.models import IdealCustomerProfile, Prospect, ProspectList
from traseu.prospecting.services import prospect_add, prospect_list_create

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def fill(plist: ProspectList, count: int) -> None:
    for n in range(count):
        prospect_add(
            prospect_list=plist,
            acting_user=None,
            company_name=f"Firm {n}",
            industry="Software" if n % 2 else "Retail",
            employees=50 + n,
            country="RO",
            contact_last_name=f"Pop{n}",
            contact_email=f"p{n}@firm{n}.ro",
        )


def writes(plist: ProspectList, route: ProcessVersion) -> list[tuple[str, dict[str, object]]]:
    prospect = prospect_add(prospect_list=plist, acting_user=None, company_name="Nod").prospect
    base = f"/prospects/{plist.pk}"
    return [
        (f"{base}/add/", {"company_name": "New one"}),
        (f"{base}/prospects/{prospect.pk}/status/", {"status": "researching"}),
        (f"{base}/convert/", {"prospect": [str(prospect.pk)], "process": str(route.pk)}),
        (f"{base}/profile/", {"profile": ""}),
    ]


def test_the_nav_links_to_prospects_and_the_index_lists_my_teams_lists(
    client: Client, plist: ProspectList, people: dict[str, User]
) -> None:
    fill(plist, 3)
    prospect_list_create(name="Team B's list", acting_user=people["rep_b"])

    page = signed_in(client, people["rep2"]).get("/prospects/").content.decode()

    assert '<a href="/prospects/">Prospects</a>' in page
    assert f'<a href="/prospects/{plist.pk}/">CEE software</a>' in page
    assert "Team B&#x27;s list" not in page
    assert "1 list" in page
    row = page[page.index("CEE software</a>") :]
    assert re.search(r'<td class="num">3</td>', row), "three prospects"


def test_the_index_searches_and_sorts(
    client: Client, plist: ProspectList, people: dict[str, User]
) -> None:
    prospect_list_create(name="Bakeries", acting_user=people["rep"])
    client = signed_in(client, people["rep"])
    found = client.get("/prospects/?q=bake", **HTMX).content.decode()
    assert "Bakeries" in found
    assert "CEE software" not in found
    assert "<html" not in found, "only the results for the live search"
    by_name = client.get("/prospects/?sort=name").content.decode()
    assert by_name.index("Bakeries") < by_name.index("CEE software")


def test_a_list_shows_each_prospects_fit_and_why(
    client: Client, plist: ProspectList, people: dict[str, User]
) -> None:
    prospect_add(
        prospect_list=plist,
        acting_user=None,
        company_name="Nod Software",
        industry="Software",
        employees=120,
        country="RO",
    )

    page = signed_in(client, people["rep"]).get(f"/prospects/{plist.pk}/").content.decode()

    assert '<span class="score fit-high">80</span>' in page  # all but revenue (15) and tags (5)
    why = page[page.index('<ul class="why">') : page.index("</ul>", page.index('<ul class="why">'))]
    items = re.findall(r'<li class="(met|unmet|unknown)">', why)
    assert items == ["met", "met", "unknown", "met", "unknown", "met"]
    assert "Employees between 20 and 500" in why
    assert "+30" in why
    assert "weight 25" in why
    assert "1 new · 0 researching · 0 disqualified · 0 converted" in page


def test_a_list_filters_by_status_fit_and_existing_accounts(
    client: Client, plist: ProspectList, people: dict[str, User], make_account: object
) -> None:
    fill(plist, 4)  # Firm 1 and 3: software (80); Firm 0 and 2: retail (50)
    client = signed_in(client, people["rep"])
    good = client.get(f"/prospects/{plist.pk}/?fit=75", **HTMX).content.decode()
    assert re.findall(r"<th scope=\"row\">(Firm \d)", good) == ["Firm 3", "Firm 1"], "best first"
    none = client.get(f"/prospects/{plist.pk}/?status=converted", **HTMX).content.decode()
    assert "No prospect matches." in none
    by_company = client.get(f"/prospects/{plist.pk}/?sort=company", **HTMX).content.decode()
    assert re.findall(r"<th scope=\"row\">(Firm \d)", by_company) == [
        "Firm 0",
        "Firm 1",
        "Firm 2",
        "Firm 3",
    ]
    make_account("Firm 2 SRL", is_customer=True)  # recognised by name from now on
    existing = client.get(f"/prospects/{plist.pk}/?existing=yes", **HTMX).content.decode()
    assert re.findall(r"<th scope=\"row\">(Firm \d)", existing) == ["Firm 2"]
    assert "recognised by name" in existing
    assert '<span class="badge ok">Customer</span>' in existing


def test_the_list_page_costs_the_same_queries_for_5_or_40_prospects(
    client: Client, people: dict[str, User], software_smb: IdealCustomerProfile
) -> None:
    few = prospect_list_create(name="Few", profile=software_smb, acting_user=people["rep"])
    many = prospect_list_create(name="Many", profile=software_smb, acting_user=people["rep"])
    fill(few, 5)
    fill(many, 40)
    client = signed_in(client, people["rep"])

    def count(plist: ProspectList) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/prospects/{plist.pk}/").status_code == 200
        return len(queries)

    assert count(many) == count(few)
    assert count(few) <= 12


def test_adding_from_the_page_and_refusing_bad_input_beside_its_field(
    client: Client, plist: ProspectList, people: dict[str, User]
) -> None:
    client = signed_in(client, people["rep"])
    url = f"/prospects/{plist.pk}/add/"

    added = client.post(url, {"company_name": "Nod SRL", "domain": "www.nod.ro", "country": "ro"})
    again = client.post(url, {"company_name": "Other", "domain": "nod.ro"}, follow=True)
    bad = client.post(url, {"company_name": "Bad", "country": "Romania"})

    assert (added.status_code, added["Location"]) == (303, f"/prospects/{plist.pk}/")
    assert "Nod SRL is on the list already." in again.content.decode()
    assert bad.status_code == 422
    body = bad.content.decode()
    assert re.search(
        r'<p class="field invalid">\s*<label for="id_country">Country.*?'
        r"Country &#x27;Romania&#x27; is not a two-letter ISO code",
        body,
        re.S,
    )
    assert list(Prospect.objects.values_list("company_name", flat=True)) == ["Nod SRL"]


def test_disqualifying_from_the_page_needs_a_reason(
    client: Client, plist: ProspectList, people: dict[str, User]
) -> None:
    prospect = prospect_add(prospect_list=plist, acting_user=None, company_name="Nod").prospect
    client = signed_in(client, people["rep"])
    url = f"/prospects/{plist.pk}/prospects/{prospect.pk}/status/"

    refused = client.post(url, {"status": "disqualified"}, follow=True).content.decode()
    client.post(url, {"status": "disqualified", "reason": "Too small"})

    assert "Nod: Say why the prospect is disqualified." in refused
    prospect.refresh_from_db()
    assert (prospect.status, prospect.disqualified_reason) == ("disqualified", "Too small")


def test_bulk_convert_from_the_page_reports_each_failure(
    client: Client, plist: ProspectList, people: dict[str, User], route: ProcessVersion
) -> None:
    fill(plist, 3)
    ids = list(Prospect.objects.order_by("pk").values_list("pk", flat=True))
    Prospect.objects.filter(pk=ids[1]).update(status="disqualified", disqualified_reason="no")
    client = signed_in(client, people["rep"])
    page = client.get(f"/prospects/{plist.pk}/").content.decode()
    assert f'<option value="{route.pk}">Test route</option>' in page, "the process picker"
    assert 'form="convert"' in page

    response = client.post(
        f"/prospects/{plist.pk}/convert/",
        {"prospect": [str(pk) for pk in ids], "process": str(route.pk)},
        follow=True,
    )

    body = response.content.decode()
    assert "2 prospects converted into deals in Test route." in body
    assert (
        '<li class="error">Firm 1 is disqualified; set it back to researching to convert it.'
        in body
    )
    assert sorted(Deal.objects.values_list("account__name", flat=True)) == ["Firm 0", "Firm 2"]
    assert Deal.objects.filter(stage="prospecting", owner=people["rep"]).count() == 2
    assert "Open the deal" in body


def test_convert_needs_ticked_prospects_and_a_known_process(
    client: Client, plist: ProspectList, people: dict[str, User], route: ProcessVersion
) -> None:
    fill(plist, 1)
    client = signed_in(client, people["rep"])
    url = f"/prospects/{plist.pk}/convert/"
    nothing = client.post(url, {"process": str(route.pk)}, follow=True).content.decode()
    pk = Prospect.objects.get().pk
    unknown = client.post(url, {"prospect": [str(pk)], "process": "999999"}, follow=True)
    assert "Tick the prospects to convert and pick a process." in nothing
    assert "Tick the prospects to convert and pick a process." in unknown.content.decode()
    assert Deal.objects.count() == 0


def test_another_teams_list_is_404_on_every_route(
    client: Client, plist: ProspectList, people: dict[str, User], route: ProcessVersion
) -> None:
    requests = writes(plist, route)
    before = list(Prospect.objects.values_list("pk", "status"))
    client = signed_in(client, people["rep_b"])

    assert client.get(f"/prospects/{plist.pk}/").status_code == 404
    for url, data in requests:
        assert client.post(url, data).status_code == 404, url
    assert client.get("/prospects/999999/").status_code == 404
    assert list(Prospect.objects.values_list("pk", "status")) == before
    assert Deal.objects.count() == 0


def test_a_reader_sees_the_list_but_cannot_change_it(
    client: Client, plist: ProspectList, people: dict[str, User], route: ProcessVersion
) -> None:
    requests = writes(plist, route)
    client = signed_in(client, people["viewer"])
    page = client.get(f"/prospects/{plist.pk}/")
    assert page.status_code == 200
    assert 'method="post"' not in page.content.decode().split("<main>")[1]
    for url, data in [*requests, ("/prospects/new/", {"name": "Mine"})]:
        assert client.post(url, data).status_code == 403, url
    assert Prospect.objects.count() == 1
    assert ProspectList.objects.count() == 1


def test_creating_a_list_from_the_index(
    client: Client, people: dict[str, User], software_smb: IdealCustomerProfile
) -> None:
    client = signed_in(client, people["rep"])
    refused = client.post("/prospects/new/", {"name": " "})
    created = client.post("/prospects/new/", {"name": "Bakeries", "profile": software_smb.pk})
    plist = ProspectList.objects.get()
    assert refused.status_code == 422
    assert created["Location"] == f"/prospects/{plist.pk}/"
    assert (plist.name, plist.profile, plist.owner, plist.team.name) == (  # type: ignore[union-attr]
        "Bakeries",
        software_smb,
        people["rep"],
        "A",
    )


def test_pages_need_sign_in_and_writes_need_post(
    client: Client, plist: ProspectList, route: ProcessVersion, people: dict[str, User]
) -> None:
    assert client.get("/prospects/").status_code == 302
    assert client.get(f"/prospects/{plist.pk}/").status_code == 302
    client = signed_in(client, people["rep"])
    for url, _data in writes(plist, route):
        assert client.get(url).status_code == 405, url
