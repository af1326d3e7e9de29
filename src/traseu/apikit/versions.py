"""Optimistic concurrency over HTTP: a record's ``version`` as its ETag, checked by If-Match.

A writer sends the version it read, in the body (``"version": 3``) or as ``If-Match: "3"``;
the service refuses a stale one with 409 ``stale_version`` and changes nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput, TraseuError


def set_etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


def _parse(header: str) -> int | None:
    value = header.strip()
    if value == "*":
        return None
    value = value.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise TraseuError(
            _('If-Match must be a version this API sent as ETag, like "3".'),
            code="if_match_invalid",
        )
    return int(value)


def expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    """The version the writer read: from If-Match or the body (they must agree), or None."""
    header = request.headers.get("If-Match")
    if header is None:
        return body_version
    version = _parse(header)
    if version is not None and body_version is not None and version != body_version:
        raise InvalidInput(
            _("If-Match (%(header)s) and the body's version (%(body)s) disagree.")
            % {"header": version, "body": body_version},
            code="version_mismatch",
            details={"field": "version"},
        )
    return version if version is not None else body_version
