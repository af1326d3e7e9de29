"""The process designer: list, route diagram, live validation, publishing, stage form, compare."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import ROUTE
from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.process.document import to_yaml
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition, process_version_get
from traseu.processes.services import process_apply_text

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
MakeDeal = Callable[..., Deal]
HTMX = {"HTTP_HX_REQUEST": "true"}
ROUTE_ORDER = [
    "Prospecting",
    "Qualification",
    "First contact",
    "Preparation",
    "Contract",
    "Won",
    "Accompaniment",
    "Lost",
]


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def text_of(response: Response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def canonical(version: ProcessVersion) -> str:
    return to_yaml(process_definition(version))


def versions() -> list[int]:
    return list(
        ProcessVersion.objects.filter(process__key="test-route")
        .order_by("number")
        .values_list("number", flat=True)
    )


def publish(client: Client, text: str, **extra: str) -> Response:
    return client.post("/processes/test-route/publish/", {"text": text, **extra}, **HTMX)  # type: ignore[arg-type]


# --- reading ---------------------------------------------------------------------------------


def test_designer_pages_need_sign_in(client: Client, route: ProcessVersion) -> None:
    for url in (
        "/processes/",
        "/processes/new/",
        "/processes/test-route/",
        "/processes/test-route/edit/",
        "/processes/test-route/stages/",
        "/processes/test-route/compare/",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url
    assert client.post("/processes/validate/", {"text": "x"}).status_code == 302
    assert versions() == [1]


def test_the_list_shows_each_process_with_its_latest_version_and_deals_per_version(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    make_deal()
    make_deal()
    process_apply_text(
        text=ROUTE.read_text().replace("name: Test route", "name: Test route, renamed"),
        acting_user=people["manager"],
    )
    page = text_of(signed_in(client, people["rep"]).get("/processes/"))
    row = re.search(r'<th scope="row">.*?</tr>', page)
    assert row is not None
    assert 'href="/processes/test-route/">Test route, renamed</a>' in row[0]
    assert re.search(r'<td class="num">v2 ', row[0])
    assert '<td>en</td> <td class="num">6</td>' in row[0]
    assert ">v2</a>: 0 deals</li>" in row[0]
    assert ">v1</a>: 2 deals</li>" in row[0]


def test_deal_counts_on_the_list_are_of_the_deals_the_reader_may_see(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    make_deal(owner="rep")
    page = text_of(signed_in(client, people["rep_b"]).get("/processes/"))
    assert ">v1</a>: 0 deals</li>" in page


def test_the_list_page_makes_a_fixed_number_of_queries(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    signed_in(client, people["manager"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/processes/").status_code == 200
        return len(captured)

    make_deal()
    few = queries()
    for n in range(4):
        make_deal()
        process_apply_text(
            text=ROUTE.read_text()
            .replace("key: test-route", f"key: other-{n}")
            .replace("probability: 0.05", f"probability: 0.0{n + 1}"),
            acting_user=people["manager"],
        )
        process_apply_text(
            text=ROUTE.read_text().replace("name: Test route", f"name: Route {n}"),
            acting_user=people["manager"],
        )
    assert ProcessVersion.objects.count() == 9
    assert queries() == few
    assert few <= 6  # session, user, versions, latest documents, deal counts (+ savepoints)


def test_the_route_page_makes_a_fixed_number_of_queries(
    client: Client, people: dict[str, User], make_deal: MakeDeal
) -> None:
    signed_in(client, people["rep"])

    def queries() -> int:
        client.get("/processes/test-route/")  # warm the definition cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/processes/test-route/").status_code == 200
        return len(captured)

    make_deal()
    few = queries()
    for n in range(5):
        make_deal()
        process_apply_text(
            text=ROUTE.read_text().replace("name: Test route", f"name: Route {n}"),
            acting_user=people["manager"],
        )
    assert queries() == few


def box_names(page: str) -> list[str]:
    return re.findall(r'<strong class="name">([^<]*)</strong>', page)


def test_the_diagram_draws_the_stages_in_route_order_with_lost_apart(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    response = signed_in(client, people["rep"]).get("/processes/test-route/")
    assert response.status_code == 200
    page = text_of(response)
    assert box_names(page) == ROUTE_ORDER
    lane, off_route = page.split('<div class="off-route">')
    assert "Lost" not in box_names(lane)
    assert box_names(off_route) == ["Lost"]
    prospecting = re.search(r'<a class="box kind-pre_sale" href="#stage-prospecting">.*?</a>', page)
    assert prospecting is not None
    assert "5%" in prospecting[0]
    assert "Sales representative" in prospecting[0]
    assert "0 entry" in prospecting[0]
    assert "1 exit" in prospecting[0]
    assert "1 task" in prospecting[0]
    assert "0 KPIs" in prospecting[0]
    assert 'class="box kind-won"' in lane
    assert 'class="box kind-after_sale"' in lane


def test_the_stage_details_show_goal_criteria_messages_and_tasks(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    page = text_of(signed_in(client, people["rep"]).get("/processes/test-route/"))
    contract = page.split('id="stage-contract"')[1].split("</section>")[0]
    assert "<dd>Sign.</dd>" in contract
    assert "Amount of at least 1000" in contract
    preparation = page.split('id="stage-preparation"')[1].split("</section>")[0]
    assert "Manager reviews the proposal" in preparation
    assert "due 1 day after entering · Sales manager" in preparation


def test_the_version_picker_shows_an_older_version(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    process_apply_text(
        text=ROUTE.read_text().replace("name: Prospecting", "name: Searching"),
        acting_user=people["manager"],
    )
    signed_in(client, people["rep"])
    latest = text_of(client.get("/processes/test-route/"))
    older = text_of(client.get("/processes/test-route/?version=1"))
    assert box_names(latest)[0] == "Searching"
    assert box_names(older)[0] == "Prospecting"
    assert "version 1 of 2" in older
    assert '<option value="1" selected>' in older
    assert client.get("/processes/test-route/?version=3").status_code == 404
    assert client.get("/processes/test-route/?version=x").status_code == 422
    assert client.get("/processes/nope/").status_code == 404


# --- live validation -------------------------------------------------------------------------


def validate(client: Client, text: str, key: str = "test-route") -> str:
    response = client.post("/processes/validate/", {"text": text, "key": key}, **HTMX)  # type: ignore[arg-type]
    assert response.status_code == 200
    return text_of(response)


def test_validation_lists_each_problem_with_its_line(
    client: Client, people: dict[str, User]
) -> None:
    broken = (
        ROUTE.read_text()
        .replace("probability: 0.1", "probability: 10")
        .replace("responsible_role: account_manager", "responsible_role: boss")
    )
    answer = validate(signed_in(client, people["viewer"]), broken)
    problems = re.findall(r'class="problem" data-line="(\d+)">([^<]*)', answer)
    assert problems == [
        (
            "22",
            "line 22: stages[1].probability: probability 10 is outside [0, 1] "
            "(write 0.4 for 40%) [probability_range]",
        ),
        (
            "64",
            "line 64: stages[6].responsible_role: unknown role 'boss'; roles: admin, "
            "sales_manager, sales_rep, account_manager [unknown_role]",
        ),
    ]
    assert "2 problems" in answer
    assert "Valid" not in answer


def test_validation_says_valid_with_the_number_of_working_stages(
    client: Client, people: dict[str, User]
) -> None:
    answer = validate(signed_in(client, people["rep"]), ROUTE.read_text())
    assert "Valid: 6 working stages." in answer
    assert 'class="problem"' not in answer


def test_validation_reports_a_changed_key_and_broken_yaml(
    client: Client, people: dict[str, User]
) -> None:
    signed_in(client, people["rep"])
    answer = validate(client, ROUTE.read_text(), key="classic")
    assert "line 2: key: the key is 'test-route' but this editor is for 'classic'" in answer
    assert "[key_changed]" in answer
    assert "[yaml_syntax]" in validate(client, "key: [unclosed")


def test_validation_refuses_documents_too_large_to_check_quickly(
    client: Client, people: dict[str, User]
) -> None:
    """Nine lines of nested YAML aliases would expand to 387 million values; refused unparsed."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for previous, current in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{current}: &{current} [" + ", ".join([f"*{previous}"] * 9) + "]")
    signed_in(client, people["rep"])
    answer = validate(client, "\n".join(lines))
    assert "the document's aliases expand to more than 50000 values [document_too_large]" in answer
    padded = ROUTE.read_text() + "#" * 300_000
    assert "[document_too_large]" in validate(client, padded)
    anchors = "x: &one {a: 1}\ny: *one\n" + ROUTE.read_text()
    assert "[unknown_field]" in validate(client, anchors)  # small aliases are checked as usual


def test_validation_needs_a_post(client: Client, people: dict[str, User]) -> None:
    assert signed_in(client, people["rep"]).get("/processes/validate/").status_code == 405


# --- publishing from the YAML editor ---------------------------------------------------------


def test_the_editor_shows_the_canonical_document_and_who_may_publish(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    page = signed_in(client, people["rep"]).get("/processes/test-route/edit/").content.decode()
    textarea = re.search(r'<textarea id="yaml"[^>]*>(.*?)</textarea>', page, re.S)
    assert textarea is not None
    # The newline after the tag is the HTML rule's, so a text starting with one keeps it.
    assert html.unescape(textarea[1]) == "\n" + canonical(route)
    assert 'hx-post="/processes/validate/" hx-trigger="keyup changed delay:600ms"' in page
    assert re.search(r'<button type="submit" class="primary" disabled[^>]*>Publish</button>', page)
    assert "Only a sales manager or an administrator may publish" in page
    manager_page = signed_in(client, people["manager"]).get("/processes/test-route/edit/")
    assert b'<button type="submit" class="primary">Publish</button>' in manager_page.content
    assert b'name="base" id="base" value="1"' in manager_page.content


def test_a_rep_may_not_publish_and_nothing_is_stored(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    changed = canonical(route).replace("Find accounts that fit.", "Find better accounts.")
    for who in ("rep", "viewer", "am"):
        response = publish(signed_in(client, people[who]), changed, base="1")
        assert response.status_code == 403, who
        assert "Only a sales manager or an administrator may publish" in text_of(response)
    assert versions() == [1]


def test_a_manager_publishes_a_changed_document_once(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    changed = canonical(route).replace("Find accounts that fit.", "Find better accounts.")
    signed_in(client, people["manager"])
    first = publish(client, changed, base="1")
    assert first.status_code == 201
    assert "Published version 2." in text_of(first)
    assert 'id="base" value="2" hx-swap-oob="true"' in first.content.decode()
    again = publish(client, changed, base="2")
    assert again.status_code == 200
    assert "Nothing changed: the document equals version 2. Nothing was stored." in text_of(again)
    assert versions() == [1, 2]
    latest = process_version_get(key="test-route")
    assert latest.created_by == people["manager"]
    assert latest.source == changed
    assert process_definition(latest).stage("prospecting").goal == "Find better accounts."  # type: ignore[union-attr]


def test_publishing_without_htmx_redirects_to_the_new_version(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    changed = canonical(route).replace("name: Won", "name: Signed")
    response = signed_in(client, people["manager"]).post(
        "/processes/test-route/publish/", {"text": changed, "base": "1"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/processes/test-route/?version=2"
    assert "Published version 2." in text_of(client.get(response["Location"]))


def test_an_invalid_document_is_refused_with_its_problems_and_nothing_is_stored(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    broken = canonical(route).replace("probability: 0.4", "probability: 40")
    line = broken.splitlines().index("  probability: 40") + 1
    signed_in(client, people["manager"])
    response = publish(client, broken, base="1")
    assert response.status_code == 422
    assert f'data-line="{line}">line {line}: stages[3].probability: probability 40' in (
        text_of(response)
    )
    plain = client.post("/processes/test-route/publish/", {"text": broken, "base": "1"})
    assert plain.status_code == 422
    assert "[probability_range]" in text_of(plain)
    assert "probability: 40" in html.unescape(plain.content.decode())  # the text is kept
    assert versions() == [1]


def test_the_editor_cannot_publish_another_process_or_over_a_newer_version(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    signed_in(client, people["manager"])
    renamed_key = canonical(route).replace("key: test-route", "key: other-route", 1)
    response = publish(client, renamed_key, base="1")
    assert response.status_code == 422
    assert "[key_changed]" in text_of(response)
    process_apply_text(
        text=canonical(route).replace("Sign.", "Sign it."), acting_user=people["manager"]
    )
    stale = publish(client, canonical(route).replace("Sign.", "Sign now."), base="1")
    assert stale.status_code == 409
    assert "Version 2 was published after version 1" in text_of(stale)
    assert versions() == [1, 2]
    assert ProcessVersion.objects.filter(process__key="other-route").count() == 0
    assert client.post("/processes/nope/publish/", {"text": "x"}).status_code == 404


def test_writes_need_a_csrf_token(people: dict[str, User], route: ProcessVersion) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["manager"])
    changed = canonical(route).replace("name: Won", "name: Signed")
    for url in ("/processes/test-route/publish/", "/processes/validate/"):
        assert browser.post(url, {"text": changed, "base": "1"}).status_code == 403, url
    assert versions() == [1]
    page = browser.get("/processes/test-route/edit/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    response = browser.post(
        "/processes/test-route/publish/",
        {"text": changed, "base": "1", "csrfmiddlewaretoken": token[1]},
    )
    assert response.status_code == 303
    assert versions() == [1, 2]


# --- the stage form --------------------------------------------------------------------------


def stage_form(client: Client) -> dict[str, str]:
    """The form's fields with their current values, as a browser would post them."""
    page = client.get("/processes/test-route/stages/").content.decode()
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', page):
        data[name] = html.unescape(value)
    textareas = re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>\s*(.*?)</textarea>', page, re.S)
    for name, value in textareas:
        data[name] = html.unescape(value)
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen[1] if chosen else ""
    return data


def test_the_stage_form_changes_a_goal_and_publishes_version_2(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    signed_in(client, people["manager"])
    data = stage_form(client)
    assert data["stages-1-key"] == "qualification"
    assert (data["stages-1-goal"], data["stages-1-probability"]) == ("Qualify with BANT.", "10")
    assert data["stages-1-responsible_role"] == "sales_rep"
    data["stages-1-goal"] = "Qualify with BANT, on a call."
    response = client.post("/processes/test-route/stages/", data)
    assert response.status_code == 303
    assert response["Location"] == "/processes/test-route/?version=2"
    assert versions() == [1, 2]
    new = process_definition(process_version_get(key="test-route"))
    old = process_definition(route)
    assert new.stage("qualification").goal == "Qualify with BANT, on a call."  # type: ignore[union-attr]
    assert [s for s in new.stages if s.key != "qualification"] == [
        s for s in old.stages if s.key != "qualification"
    ]
    unchanged = client.post("/processes/test-route/stages/", stage_form(client))
    assert unchanged.status_code == 303
    assert versions() == [1, 2]


def test_the_stage_form_shows_document_problems_beside_the_fields(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    signed_in(client, people["manager"])
    data = stage_form(client) | {"stages-2-goal": "", "stages-3-probability": "140"}
    response = client.post("/processes/test-route/stages/", data)
    assert response.status_code == 422
    assert "Ensure this value is less than or equal to 100." in text_of(response)
    data["stages-3-probability"] = "40"
    response = client.post("/processes/test-route/stages/", data)
    assert response.status_code == 422
    goal_cell = text_of(response).split('name="stages-2-goal"')[1].split("</td>")[0]
    assert "working stage 'first_contact' needs a goal [goal_required]" in goal_cell
    assert versions() == [1]


def test_the_stage_form_is_refused_to_a_rep(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    signed_in(client, people["rep"])
    data = stage_form(client) | {"stages-0-name": "Hunting"}
    response = client.post("/processes/test-route/stages/", data)
    assert response.status_code == 403
    assert versions() == [1]


# --- comparing versions ----------------------------------------------------------------------


def test_compare_shows_a_changed_probability_and_an_added_task(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    changed = (
        canonical(route)
        .replace("probability: 0.4", "probability: 0.45")
        .replace(
            "  - key: bant_call\n",
            "  - key: budget_check\n    title: Check the budget\n    due_days: 1\n"
            "  - key: bant_call\n",
        )
    )
    assert changed.count("budget_check") == 1
    process_apply_text(text=changed, acting_user=people["manager"])
    response = signed_in(client, people["rep"]).get("/processes/test-route/compare/?a=1&b=2")
    assert response.status_code == 200
    page = text_of(response)
    preparation = page.split("Preparation <code")[1].split("</li>")[0]
    assert "1 change" in preparation
    assert re.search(
        r"Probability <span[^>]*>changed</span></th> <td><del>40%</del></td> <td><ins>45%</ins>",
        preparation,
    )
    qualification = page.split("Qualification <code")[1].split("</li>")[0]
    assert re.search(
        r"Task budget_check <span[^>]*>added</span></th> <td>—</td> "
        r"<td><ins>Check the budget · due in 1 day</ins>",
        qualification,
    )
    prospecting = page.split("Prospecting <code")[1].split("</li>")[0]
    assert "unchanged" in prospecting
    diff = page.split('<table class="diff">')[1]
    assert re.search(
        r'<tr class="diff-del"> <td class="ln">\d+</td><td class="ln"></td> '
        r'<td class="sign">-</td> <td class="text"><code> probability: 0.4</code>',
        diff,
    )
    assert "<code> probability: 0.45</code>" in diff
    assert "<code> - key: budget_check</code>" in diff


def test_compare_defaults_to_the_latest_two_and_refuses_unknown_versions(
    client: Client, people: dict[str, User], route: ProcessVersion
) -> None:
    signed_in(client, people["rep"])
    only = text_of(client.get("/processes/test-route/compare/"))
    assert "Versions 1 and 1 describe the same process." in only
    process_apply_text(
        text=canonical(route).replace("name: Won", "name: Signed"), acting_user=people["manager"]
    )
    latest_two = text_of(client.get("/processes/test-route/compare/"))
    assert '<option value="1" selected>' in latest_two.split('name="b"')[0]
    assert "<del>Won</del>" in latest_two
    assert client.get("/processes/test-route/compare/?a=7&b=2").status_code == 404
    assert client.get("/processes/test-route/compare/?a=-1").status_code == 422


# --- a new process from a template -----------------------------------------------------------


def test_a_manager_starts_a_new_process_from_a_shipped_template(
    client: Client, people: dict[str, User]
) -> None:
    signed_in(client, people["manager"])
    page = client.get("/processes/new/").content.decode()
    assert '<option value="small-business.en.yaml">' in page
    response = client.post(
        "/processes/new/",
        {"template": "small-business.en.yaml", "key": "shop", "name": "Shop sales"},
    )
    assert response.status_code == 303
    assert response["Location"] == "/processes/shop/"
    version = process_version_get(key="shop")
    assert (version.number, version.name) == (1, "Shop sales")
    assert version.created_by == people["manager"]
    definition = process_definition(version)
    assert len(definition.working_stages) == 5
    assert box_names(text_of(client.get("/processes/shop/")))[0] == definition.stages[0].name


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("classic", "a process 'classic' already exists"),
        ("new", "'new' is reserved; choose another key"),
        ("Shop Sales", "Use lower-case letters, digits"),
    ],
)
def test_a_new_process_needs_a_free_well_formed_key(
    client: Client, people: dict[str, User], key: str, message: str
) -> None:
    signed_in(client, people["manager"])
    assert (
        client.post(
            "/processes/new/", {"template": "classic.en.yaml", "key": "classic", "name": "Classic"}
        ).status_code
        == 303
    )
    response = client.post(
        "/processes/new/", {"template": "classic.en.yaml", "key": key, "name": "Another"}
    )
    assert response.status_code == 422
    key_field = text_of(response).split('name="key"')[1].split("</p>")[0]
    assert message in key_field
    assert list(ProcessVersion.objects.values_list("process__key", "number")) == [("classic", 1)]


def test_a_rep_may_not_start_a_new_process(client: Client, people: dict[str, User]) -> None:
    signed_in(client, people["rep"])
    page = client.get("/processes/new/").content.decode()
    assert re.search(r'<button type="submit" class="primary" disabled', page)
    response = client.post(
        "/processes/new/", {"template": "classic.en.yaml", "key": "mine", "name": "Mine"}
    )
    assert response.status_code == 403
    assert not ProcessVersion.objects.exists()
