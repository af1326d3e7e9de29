"""Production settings: ``traseu manage check --deploy`` is clean, secure cookies, HTTPS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
    "ALLOWED_HOSTS": "crm.example.com",
}


def run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' fixture in this process
        if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
        and not key.startswith("SECURE_")
    }
    environment |= {"TRASEU_DATA_DIR": str(tmp_path), **PRODUCTION, **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_settings(tmp_path: Path) -> None:
    result = run(
        "from traseu.cli import main; raise SystemExit(main(['manage', 'check', '--deploy']))",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_check_deploy_warns_when_hsts_is_turned_off(tmp_path: Path) -> None:
    result = run(
        "from traseu.cli import main; raise SystemExit(main(['manage', 'check', '--deploy']))",
        tmp_path,
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="false",
    )
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("SESSION_COOKIE_SECURE", True),
        ("CSRF_COOKIE_SECURE", True),
        ("SECURE_SSL_REDIRECT", True),
        ("SECURE_HSTS_SECONDS", 31_536_000),
        ("SECURE_HSTS_INCLUDE_SUBDOMAINS", True),
        ("PASSWORD_HASHERS", "django.contrib.auth.hashers.Argon2PasswordHasher"),
    ],
)
def test_production_values(tmp_path: Path, setting: str, expected: object) -> None:
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'traseu.settings'\n"
        "from django.conf import settings\n"
        f"value = settings.{setting}\n"
        "print(repr(value[0] if isinstance(value, list) else value))"
    )
    result = run(code, tmp_path)
    assert result.stdout.strip() == repr(expected), result.stderr


def test_debug_off_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = run(
        "from traseu.cli import main; raise SystemExit(main(['manage', 'check']))",
        tmp_path,
        SECRET_KEY="",
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is false" in result.stderr
