from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from traseu.core.models import User
from traseu.imports.engine import ImportParams, ImportResult, run_import
from traseu.imports.mapping import load_mapping_file, load_preset
from traseu.processes.models import ProcessVersion
from traseu.processes.services import process_apply_file

FIXTURES = Path(__file__).parent / "fixtures"
CLASSIC = Path(__file__).parents[2] / "src" / "traseu" / "process" / "documents" / "classic.en.yaml"


@pytest.fixture
def classic(db: None) -> ProcessVersion:
    return process_apply_file(path=CLASSIC).version


Importer = Callable[..., ImportResult]


@pytest.fixture
def run(people: dict[str, User], classic: ProcessVersion, tmp_path: Path) -> Importer:
    """Import a fixture file (a path under fixtures/ or anywhere) as the manager by default."""

    def importer(
        kind: str,
        path: str | Path,
        *,
        preset: str | None = None,
        mapping: str | Path | None = None,
        user: str = "manager",
        **options: Any,
    ) -> ImportResult:
        file = FIXTURES / path  # an absolute path stays what it is
        loaded = load_preset(preset, kind) if preset else load_mapping_file(FIXTURES / str(mapping))
        options.setdefault("errors_path", tmp_path / f"{file.stem}.errors.csv")
        params = ImportParams(kind=kind, path=file, mapping=loaded, user=people[user], **options)
        return run_import(params)

    return importer


def table_counts() -> dict[str, int]:
    """Rows in every table the importer may write (to prove that nothing changed)."""
    from traseu.audit.models import AuditEntry
    from traseu.crm.models import Account, Activity, Contact, Deal, StageChange, TimelineEvent
    from traseu.imports.models import ExternalRef
    from traseu.prospecting.models import AccountKey

    models = (
        Account,
        AccountKey,
        Contact,
        Deal,
        StageChange,
        TimelineEvent,
        Activity,
        AuditEntry,
        ExternalRef,
    )
    return {model.__name__: model.objects.count() for model in models}
