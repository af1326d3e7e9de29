"""Storing process versions: apply is idempotent, a change is a new version, deals keep theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROUTE
from traseu.core.errors import NotFound
from traseu.process.errors import ProcessDocumentError
from traseu.processes.selectors import process_definition, process_version_get
from traseu.processes.services import process_apply_file

pytestmark = pytest.mark.django_db


def test_applying_an_unchanged_document_stores_nothing_new() -> None:
    first = process_apply_file(path=ROUTE)
    again = process_apply_file(path=ROUTE)
    assert (first.created, first.version.number) == (True, 1)
    assert (again.created, again.version.pk) == (False, first.version.pk)


def test_a_changed_document_becomes_the_next_version_and_old_deals_keep_theirs(
    tmp_path: Path, make_deal: object
) -> None:
    deal = make_deal()  # type: ignore[operator]
    changed = tmp_path / "route.yaml"
    changed.write_text(ROUTE.read_text().replace("name: Prospecting", "name: Searching"))
    second = process_apply_file(path=changed)
    assert (second.created, second.version.number) == (True, 2)
    deal.refresh_from_db()
    assert deal.process_version.number == 1
    assert process_definition(deal.process_version).stage("prospecting").name == "Prospecting"  # type: ignore[union-attr]
    latest = process_version_get(key="test-route")
    assert process_definition(latest).stage("prospecting").name == "Searching"  # type: ignore[union-attr]
    assert process_version_get(key="test-route", number=1).pk == deal.process_version_id


def test_an_invalid_document_stores_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(ROUTE.read_text().replace("probability: 0.1", "probability: 10"))
    with pytest.raises(ProcessDocumentError) as caught:
        process_apply_file(path=broken)
    assert [(p.code, p.path, p.line) for p in caught.value.problems] == [
        ("probability_range", "stages[1].probability", 22)
    ]
    with pytest.raises(NotFound):
        process_version_get(key="test-route")


def test_stored_versions_are_self_contained() -> None:
    """The stored document embeds the techniques it uses, so later library edits don't leak in."""
    version = process_apply_file(path=ROUTE).version
    assert version.document["key"] == "test-route"
    assert [s["key"] for s in version.document["stages"]][:2] == ["prospecting", "qualification"]
    assert len(version.digest) == 64
