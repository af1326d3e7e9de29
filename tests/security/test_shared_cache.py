"""CACHE_URL: where the sign-in throttle and the API rate limits count. With a shared cache
(here Django's database cache) a count made by one process is seen by the next."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.test import RequestFactory

from traseu.apikit.ratelimit import check_rate
from traseu.core.env import CACHE_TABLE, ConfigurationError, cache_settings
from traseu.core.errors import RateLimited


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "locmem.LocMemCache", "traseu"),
        ("db://", "db.DatabaseCache", "traseu_cache"),
        ("db://other_table", "db.DatabaseCache", "other_table"),
        ("file:///var/cache/traseu", "filebased.FileBasedCache", "/var/cache/traseu"),
    ],
)
def test_cache_urls(url: str, backend: str, location: str) -> None:
    assert cache_settings(url) == {
        "default": {"BACKEND": f"django.core.cache.backends.{backend}", "LOCATION": location}
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mongo://x", "use locmem://, db://"),
        ("locmem", "use locmem://, db://"),
        ("file://", "needs a location after file://"),
        ("memcached://", "needs a location after memcached://"),
    ],
)
def test_a_wrong_cache_url_fails_fast(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        cache_settings(url)
    assert message in str(caught.value)
    assert repr(url) in str(caught.value)


def test_a_backend_without_its_package_says_which_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigurationError) as caught:
        cache_settings("redis://127.0.0.1:6379/0")
    assert "needs the Python package 'redis'" in str(caught.value)


@pytest.mark.django_db
def test_with_the_database_cache_a_new_process_sees_the_counts(settings: Any) -> None:
    settings.CACHES = cache_settings("db://")
    settings.API_RATE_LIMIT_PER_IP = 3
    settings.API_RATE_LIMIT_PER_CREDENTIAL = 0
    call_command("createcachetable", verbosity=0)
    request = RequestFactory().get("/api/v1/deals/", REMOTE_ADDR="10.0.0.9")
    for _ in range(3):
        check_rate(request, now=1000.0)
    del caches["default"]  # what another process starts with: a cache object of its own
    reader = DatabaseCache(CACHE_TABLE, {})
    assert reader.get("traseu:ratelimit:ip:10.0.0.9:16") == 3
    with pytest.raises(RateLimited) as caught:
        check_rate(request, now=1000.0)
    assert caught.value.retry_after == 20


def test_migrate_creates_the_cache_table_when_the_cache_is_the_database(tmp_path: Any) -> None:
    import os
    import sqlite3
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"TRASEU_DATA_DIR": str(tmp_path), "CACHE_URL": "db://"}
    code = "from traseu.cli import main; raise SystemExit(main(['migrate']))"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "traseu.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert CACHE_TABLE in tables
