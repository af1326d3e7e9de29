"""Writes of process versions: applying a document stores a new version when it changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from traseu.audit import services as audit
from traseu.core.errors import PermissionDenied
from traseu.core.models import User
from traseu.process.definition import ProcessDefinition
from traseu.process.document import digest, to_document
from traseu.process.loader import load_file, load_text
from traseu.processes.models import Process, ProcessVersion


@dataclass(frozen=True)
class ApplyResult:
    version: ProcessVersion
    created: bool


def process_apply_definition(
    *, definition: ProcessDefinition, source: str = "", acting_user: User | None = None
) -> ApplyResult:
    """Store ``definition`` as the next version of its process unless the latest is equal.

    Guarantees: version numbers are consecutive per process, even under concurrent applies
    (the process row is locked); applying an unchanged document creates nothing.
    """
    fingerprint = digest(definition)
    with transaction.atomic():
        process, _ = Process.objects.get_or_create(key=definition.key)
        Process.objects.select_for_update().filter(pk=process.pk).first()
        latest = process.versions.order_by("-number").first()
        if latest is not None and latest.digest == fingerprint:
            return ApplyResult(latest, created=False)
        version = ProcessVersion.objects.create(
            process=process,
            number=(latest.number + 1) if latest else 1,
            name=definition.name,
            language=definition.language,
            currency=definition.currency,
            digest=fingerprint,
            document=to_document(definition),
            source=source,
            created_by=acting_user,
        )
        audit.record(action="apply", obj=version, actor=acting_user, after=audit.values(version))
    return ApplyResult(version, created=True)


def process_apply_file(*, path: str | Path, acting_user: User | None = None) -> ApplyResult:
    """Validate a YAML document from disk and apply it (raises ProcessDocumentError)."""
    definition = load_file(path)  # unreadable files become a document problem, not a crash
    text = Path(path).read_text(encoding="utf-8-sig")
    return process_apply_definition(definition=definition, source=text, acting_user=acting_user)


def process_apply_text(*, text: str, acting_user: User) -> ApplyResult:
    """Validate a YAML document sent by a person and apply it, if they may publish processes.

    Refuses (PermissionDenied, ``publish_forbidden``) anyone but a sales manager, an
    administrator or a superuser; raises ProcessDocumentError with every problem otherwise.
    """
    if not acting_user.may_publish_processes:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may publish a process."),
            code="publish_forbidden",
        )
    definition = load_text(text)
    return process_apply_definition(definition=definition, source=text, acting_user=acting_user)
