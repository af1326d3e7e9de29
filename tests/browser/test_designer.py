"""A manager edits the route in the designer: live validation, publish, compare two versions."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ROUTE
from traseu.core.models import Role, Team, User
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-8"


@pytest.fixture
def manager(live_server: Any) -> User:
    process_apply_file(path=ROUTE)
    user = User.objects.create_user("mara", password=PASSWORD, role=Role.SALES_MANAGER)
    user.teams.add(Team.objects.create(name="A"))
    return user


def test_the_designer_checks_as_you_type_and_publishes_a_version(
    live_server: Any, manager: User, page: Any, shot: Any
) -> None:
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", "mara")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")

    page.goto(f"{base}/processes/test-route/")
    assert page.locator("svg, .diagram, .route").count() > 0
    shot("10-designer-route")

    page.goto(f"{base}/processes/test-route/edit/")
    editor = page.locator("#yaml")
    original = editor.input_value()
    assert "test-route" in original

    # A typo in a stage kind: the check panel names the line and refuses to publish.
    broken = original.replace("kind: won", "kind: wonn", 1)
    assert broken != original
    with page.expect_response(lambda r: "/processes/validate/" in r.url):
        editor.fill(broken)
        editor.press("End")
    problems = page.locator("#check .problems li")
    problems.first.wait_for()
    text = page.locator("#check").inner_text()
    assert "line " in text
    assert ".kind" in text
    assert "[invalid_value]" in text
    shot("11-designer-problem")
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state("networkidle")
    assert ProcessVersion.objects.filter(process__key="test-route").count() == 1

    # Fixed and changed: publishing stores version 2 and links to what changed.
    changed = original.replace("name: Qualification", "name: Qualification call", 1)
    assert changed != original
    with page.expect_response(lambda r: "/processes/validate/" in r.url):
        editor.fill(changed)
        editor.press("End")
    page.locator("#check .valid").wait_for()
    with page.expect_response(lambda r: "/publish/" in r.url):
        page.get_by_role("button", name="Publish").click()
    page.locator("#check", has_text="Published version 2").wait_for()
    assert ProcessVersion.objects.filter(process__key="test-route").count() == 2
    shot("12-designer-published")

    page.get_by_role("link", name="What changed").click()
    page.wait_for_load_state("networkidle")
    assert "Qualification call" in page.content()
    shot("13-designer-compare")
