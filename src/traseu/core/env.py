"""Typed readers for environment variables that fail fast with a clear message."""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A setting from the environment is malformed."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigurationError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded database and the generated secret live (``TRASEU_DATA_DIR``)."""
    path = Path(env_str("TRASEU_DATA_DIR") or Path.cwd() / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(debug: bool) -> str:
    """``SECRET_KEY`` from the environment; in debug, a generated key kept in the data dir.

    Outside debug a missing key is an error: sessions signed with a throwaway key would break
    at every restart, and a guessable one is a vulnerability.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not debug:
        raise ConfigurationError("SECRET_KEY must be set when DEBUG is false")
    path = data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


CACHE_TABLE = "traseu_cache"


def cache_settings(url: str) -> dict[str, dict[str, object]]:
    """``CACHES`` from ``CACHE_URL``: where the sign-in throttle and the API rate limits count.

    ``locmem://`` (the default) counts in each process's memory; the others are shared by every
    process that names them: ``db://`` (Django's database cache in the table traseu_cache,
    created by ``traseu migrate``; nothing to install), ``file:///PATH`` (one machine),
    ``redis://HOST:PORT/N`` (needs the ``redis`` package) and ``memcached://HOST:PORT`` (needs
    ``pymemcache``). See docs/operations.md, "Several processes".
    """
    scheme, _, rest = url.strip().partition("://")
    backends = {
        "locmem": ("django.core.cache.backends.locmem.LocMemCache", "traseu", None),
        "db": ("django.core.cache.backends.db.DatabaseCache", rest or CACHE_TABLE, None),
        "file": ("django.core.cache.backends.filebased.FileBasedCache", rest, None),
        "redis": ("django.core.cache.backends.redis.RedisCache", url.strip(), "redis"),
        "memcached": ("django.core.cache.backends.memcached.PyMemcacheCache", rest, "pymemcache"),
    }
    if scheme not in backends or "://" not in url:
        raise ConfigurationError(
            f"CACHE_URL={url!r}: use locmem://, db://, file:///PATH, redis://HOST:PORT/N "
            "or memcached://HOST:PORT"
        )
    backend, location, package = backends[scheme]
    if scheme in ("file", "memcached") and not location:
        raise ConfigurationError(f"CACHE_URL={url!r} needs a location after {scheme}://")
    if package is not None and importlib.util.find_spec(package) is None:
        raise ConfigurationError(f"CACHE_URL={url!r} needs the Python package {package!r}")
    return {"default": {"BACKEND": backend, "LOCATION": location}}
