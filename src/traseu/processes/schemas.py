"""API shapes of stored process versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

from traseu.processes.models import ProcessVersion


class ProcessVersionOut(Schema):
    key: str
    version: int
    name: str
    language: str
    currency: str
    digest: str
    created_at: dt.datetime

    @staticmethod
    def resolve_key(obj: ProcessVersion) -> str:
        return obj.process.key

    @staticmethod
    def resolve_version(obj: ProcessVersion) -> int:
        return obj.number


class ProcessDocumentOut(ProcessVersionOut):
    """A version with its canonical, self-contained document (techniques inline)."""

    document: dict[str, Any]


class StageSummary(Schema):
    key: str
    name: str
    kind: str


class ValidationOk(Schema):
    ok: bool = True
    key: str
    name: str
    stages: list[StageSummary]


class ApplyOut(Schema):
    """``created`` is false when the document equals the latest version (nothing stored)."""

    created: bool
    version: ProcessVersionOut
