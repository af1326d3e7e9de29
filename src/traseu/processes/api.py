"""REST API of sales processes: read stored versions, validate a document, apply one."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from traseu.apikit.auth import user_of
from traseu.apikit.errors import DocumentRejection
from traseu.apikit.openapi import idempotent, merge, responses, yaml_body
from traseu.core.errors import TraseuError
from traseu.process.loader import load_text
from traseu.processes.models import ProcessVersion
from traseu.processes.schemas import ApplyOut, ProcessDocumentOut, ProcessVersionOut, ValidationOk
from traseu.processes.selectors import process_version_get, process_versions_latest
from traseu.processes.services import process_apply_text

router = Router(tags=["processes"])


def _yaml(request: HttpRequest) -> str:
    try:
        return request.body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TraseuError(_("The document is not UTF-8 text."), code="malformed") from error


# /validate and /apply come before /{key}: URL patterns match in the order they are declared.
@router.post(
    "/validate",
    url_name="process_validate",
    response=responses({200: ValidationOk}, 400, 409, 422, s422=DocumentRejection),
    openapi_extra=merge(yaml_body(), idempotent()),
)
def process_validate(request: HttpRequest) -> dict[str, Any]:
    """Check a process document (YAML in the body) without storing it: every problem at once.

    Read-scoped tokens may call this; it changes nothing."""
    definition = load_text(_yaml(request))
    return {
        "ok": True,
        "key": definition.key,
        "name": definition.name,
        "stages": [{"key": s.key, "name": s.name, "kind": s.kind.value} for s in definition.stages],
    }


@router.post(
    "/apply",
    url_name="process_apply",
    response=responses({200: ApplyOut, 201: ApplyOut}, 400, 403, 409, 422, s422=DocumentRejection),
    openapi_extra=merge(yaml_body(), idempotent()),
)
def process_apply(request: HttpRequest) -> Status[dict[str, Any]]:
    """Store the document as the next version of its process (sales managers and admins).

    201 when a version was created; 200 with ``created: false`` when it equals the latest."""
    result = process_apply_text(text=_yaml(request), acting_user=user_of(request))
    status = 201 if result.created else 200
    return Status(status, {"created": result.created, "version": result.version})


@router.get("/", url_name="process_list", response=responses({200: list[ProcessVersionOut]}))
def process_list(request: HttpRequest) -> list[ProcessVersion]:
    """The newest version of every process."""
    return process_versions_latest()


@router.get(
    "/{slug:key}", url_name="process_get", response=responses({200: ProcessDocumentOut}, 404)
)
def process_get(request: HttpRequest, key: str) -> ProcessVersion:
    """The newest version of a process, with its canonical document."""
    return process_version_get(key=key)


@router.get(
    "/{slug:key}/versions/{id:number}",
    url_name="process_version_get",
    response=responses({200: ProcessDocumentOut}, 404),
)
def process_version(request: HttpRequest, key: str, number: int) -> ProcessVersion:
    """One stored version of a process, with its canonical document."""
    return process_version_get(key=key, number=number)
