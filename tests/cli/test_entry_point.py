"""The installed ``traseu`` script works: one real process, no Django needed to validate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.cli.test_process import broken_copy


def test_the_script_validates_without_django_and_prints_no_traceback(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "traseu"
    broken = broken_copy(tmp_path)
    # Settings that would fail if validate touched Django or a database.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "traseu.no_such_settings",
        "DATABASE_URL": "nonsense://",
    }

    completed = subprocess.run(
        [str(script), "process", "validate", str(broken)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 2
    assert all(line.startswith(f"{broken}:") for line in lines)
    assert "Traceback" not in completed.stderr
