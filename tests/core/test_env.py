"""Typed environment readers fail fast with the variable's name."""

from __future__ import annotations

import pytest

from traseu.core.env import ConfigurationError, env_int


def test_whole_numbers_are_read_with_a_default_and_a_minimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRASEU_TEST_N", raising=False)
    assert env_int("TRASEU_TEST_N", 60) == 60
    monkeypatch.setenv("TRASEU_TEST_N", " 0 ")
    assert env_int("TRASEU_TEST_N", 60) == 0
    for bad, reason in (("ten", "not a whole number"), ("-1", "at least 0")):
        monkeypatch.setenv("TRASEU_TEST_N", bad)
        with pytest.raises(ConfigurationError, match=f"TRASEU_TEST_N=.*{reason}"):
            env_int("TRASEU_TEST_N", 60)
