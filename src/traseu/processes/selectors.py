"""Reads of stored process versions."""

from __future__ import annotations

import dataclasses
import functools

from traseu.core.errors import NotFound
from traseu.process.definition import ProcessDefinition
from traseu.process.loader import build_definition
from traseu.processes.models import ProcessVersion


@functools.lru_cache(maxsize=256)
def _definition(version_id: int, digest: str) -> ProcessDefinition:
    version = ProcessVersion.objects.get(pk=version_id)
    definition, problems = build_definition(version.document, library={})
    if definition is None:  # stored documents were valid when applied
        raise RuntimeError(f"stored process version {version} no longer loads: {problems}")
    return dataclasses.replace(definition, version=version.number)


def process_definition(version: ProcessVersion) -> ProcessDefinition:
    """The definition of a stored version, loaded once per process and version (immutable)."""
    return _definition(version.pk, version.digest)


def process_version_latest(*, key: str) -> ProcessVersion:
    version = ProcessVersion.objects.filter(process__key=key).select_related("process").first()
    if version is None:
        raise NotFound(f"No process '{key}'. Apply its document first.", code="process_not_found")
    return version


def process_version_get(*, key: str, number: int | None = None) -> ProcessVersion:
    if number is None:
        return process_version_latest(key=key)
    version = (
        ProcessVersion.objects.filter(process__key=key, number=number)
        .select_related("process")
        .first()
    )
    if version is None:
        raise NotFound(f"Process '{key}' has no version {number}.", code="process_not_found")
    return version


def process_versions_latest() -> list[ProcessVersion]:
    """The newest version of every process."""
    latest: dict[int, ProcessVersion] = {}
    for version in ProcessVersion.objects.select_related("process").order_by("-number"):
        latest.setdefault(version.process_id, version)
    return sorted(latest.values(), key=lambda v: v.process.key)
