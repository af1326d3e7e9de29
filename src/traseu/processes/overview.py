"""Reads for the process designer's pages: every process with its versions and deal counts.

Deal counts are of the deals the reader may see (:func:`traseu.crm.access.deals_visible_to`),
so the designer reveals no more about other teams than the pipeline does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from traseu.core.models import User
from traseu.crm.access import deals_visible_to
from traseu.process.document import to_yaml
from traseu.processes.models import ProcessVersion
from traseu.processes.selectors import process_definition

WORKING_KINDS = ("pre_sale", "after_sale")
# Canonical YAML by (version id, digest): versions never change, and dumping a large document
# takes tens of milliseconds. Small and cleared when full; a lost race only dumps twice.
_TEXTS: dict[tuple[int, str], str] = {}
_TEXTS_MAX = 64


@dataclass(frozen=True)
class VersionRow:
    number: int
    name: str
    created_at: dt.datetime
    created_by: str
    deals: int


@dataclass(frozen=True)
class ProcessRow:
    key: str
    name: str
    language: str
    currency: str
    working_stages: int
    versions: tuple[VersionRow, ...]  # newest first

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]

    @property
    def deals(self) -> int:
        return sum(version.deals for version in self.versions)


def _deal_counts(user: User, version_ids: list[int]) -> dict[int, int]:
    rows = (
        deals_visible_to(user)
        .filter(process_version_id__in=version_ids)
        .values_list("process_version_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


def _versions(user: User, key: str | None = None) -> list[tuple[ProcessVersion, VersionRow]]:
    versions = ProcessVersion.objects.select_related("process", "created_by").defer(
        "document", "source"
    )
    if key is not None:
        versions = versions.filter(process__key=key)
    found = list(versions.order_by("process__key", "-number"))
    counts = _deal_counts(user, [version.pk for version in found])
    return [
        (
            version,
            VersionRow(
                version.number,
                version.name,
                version.created_at,
                version.created_by.get_username() if version.created_by else "",
                counts.get(version.pk, 0),
            ),
        )
        for version in found
    ]


def process_versions(*, user: User, key: str) -> list[VersionRow]:
    """The versions of process ``key``, newest first, with the deals ``user`` sees on each
    (two queries, however many versions)."""
    return [row for _, row in _versions(user, key)]


def process_overview(*, user: User) -> list[ProcessRow]:
    """Every process by key with its versions (newest first), the deals ``user`` sees on each
    and the latest version's working stages. Three queries, however many processes, versions
    or deals."""
    grouped: dict[str, list[tuple[ProcessVersion, VersionRow]]] = {}
    for version, row in _versions(user):
        grouped.setdefault(version.process.key, []).append((version, row))
    latest_ids = [pairs[0][0].pk for pairs in grouped.values()]
    documents = dict(ProcessVersion.objects.filter(pk__in=latest_ids).values_list("pk", "document"))
    result = []
    for key, pairs in grouped.items():
        latest = pairs[0][0]
        stages = documents[latest.pk].get("stages", [])
        result.append(
            ProcessRow(
                key=key,
                name=latest.name,
                language=latest.language,
                currency=latest.currency,
                working_stages=sum(1 for s in stages if s.get("kind") in WORKING_KINDS),
                versions=tuple(row for _, row in pairs),
            )
        )
    return result


def version_text(version: ProcessVersion) -> str:
    """The canonical YAML of a stored version (what the editor shows and compare diffs)."""
    key = (version.pk, version.digest)
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        text = _TEXTS[key] = to_yaml(process_definition(version))
    return text
