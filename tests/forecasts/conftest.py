"""Fixtures for the forecast pages and commands: a clean training cache per test and a runner
for ``traseu`` commands (the people, route and clock fixtures come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.cli.conftest import Result
from traseu.cli import main
from traseu.forecasts.training import CACHE


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Ids repeat between tests (each test's rows are rolled back), so cached training from
    another test could match; start every test with an empty cache."""
    CACHE.clear()
    yield
    CACHE.clear()


@pytest.fixture
def traseu(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        capsys.readouterr()
        status = main(list(args))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run
