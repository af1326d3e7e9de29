from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from traseu.core.models import Role, User

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The throttle counts in the cache: every test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ana(db: None) -> User:
    return User.objects.create_user("ana", password=PASSWORD, role=Role.SALES_REP)
