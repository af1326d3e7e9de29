from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import transaction

from tests.analytics.histories import History, two_version_history


@pytest.fixture(scope="module")
def history(django_db_setup: None, django_db_blocker: object) -> Iterator[History]:
    """Two process versions' worth of deal histories, built once per test module through the
    real services, and rolled back after the module's last test."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield two_version_history()
        transaction.set_rollback(True)
