"""Publishing from the process designer: the one write path of the YAML editor, the stage form
and the "new process" flow.

Every designer write ends in :func:`process_publish`, which validates the whole document and
stores it through :func:`traseu.processes.services.process_apply_definition` (the same function
``traseu process apply`` and the API use), so a version published from the web is numbered,
deduplicated and locked exactly like one applied from a file.
"""

from __future__ import annotations

from typing import Any, NoReturn

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from traseu.core.errors import Conflict, PermissionDenied
from traseu.core.models import User
from traseu.process import yamlsource
from traseu.process.definition import ProcessDefinition
from traseu.process.errors import DocumentProblem, ProcessDocumentError
from traseu.process.loader import load_text
from traseu.processes.services import ApplyResult, process_apply_definition

# Keys that would be shadowed by the designer's own addresses (/processes/new/, /validate/).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
RESERVED_KEYS = frozenset({"new", "validate"})
# Far above any real process (the nine-stage enterprise document: 27 kB, about 1,800 values),
# low enough that a request cannot keep a worker busy for long.
MAX_CHARS = 300_000
MAX_VALUES = 50_000


def _line_of(text: str, path: str) -> int:
    _data, source_map, _problems = yamlsource.parse(text)
    return source_map.line_of(path)


def expanded_values(text: str) -> int:
    """How many values the document holds once YAML aliases are expanded (0 if it is not YAML).

    Streams the parser's events and counts each anchored value once, so a few lines of nested
    aliases (a "billion laughs" document) are measured without being expanded.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, values so far] per open collection
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                stack[-1][1] += sizes.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                stack[-1][1] += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
            elif isinstance(event, yaml.CollectionEndEvent) and len(stack) > 1:
                anchor, size = stack.pop()
                stack[-1][1] += size
                if anchor:
                    sizes[anchor] = size
    except yaml.YAMLError:
        return 0  # the loader reports the syntax error with its line
    return int(stack[0][1])


def _size_problem(text: str) -> DocumentProblem | None:
    if len(text) > MAX_CHARS:
        message = _("the document has %(count)s characters; the designer takes up to %(max)s")
        return DocumentProblem(
            "document_too_large", "", message % {"count": len(text), "max": MAX_CHARS}
        )
    # Only aliases can make a short text large, and an alias needs an anchor (&name) first.
    if "&" in text and "*" in text and expanded_values(text) > MAX_VALUES:
        message = _("the document's aliases expand to more than %(max)s values")
        return DocumentProblem("document_too_large", "", message % {"max": MAX_VALUES})
    return None


def document_check(text: str, *, key: str = "") -> ProcessDefinition:
    """Validate a document typed in the designer; raise ProcessDocumentError with every problem.

    A document too large to check quickly is refused first (``document_too_large``). With
    ``key`` the document must also keep that process key (problem ``key_changed``): an editor
    opened on one process never publishes another by accident.
    """
    too_large = _size_problem(text)
    if too_large is not None:
        raise ProcessDocumentError([too_large])
    definition = load_text(text)
    if key and definition.key != key:
        message = _(
            "the key is '%(found)s' but this editor is for '%(key)s'; keep the key, or start a "
            "new process from a template"
        ) % {"found": definition.key, "key": key}
        raise ProcessDocumentError(
            [DocumentProblem("key_changed", "key", message, _line_of(text, "key"))]
        )
    return definition


def process_publish(
    *, text: str, acting_user: User, key: str = "", new: bool = False, base: int | None = None
) -> ApplyResult:
    """Store ``text`` as the next version of process ``key`` if it changed.

    Guarantees, checked in this order, with nothing stored on any refusal:

    - only a sales manager or an administrator publishes (PermissionDenied ``publish_forbidden``);
    - the document is valid in full and keeps the key ``key`` (ProcessDocumentError listing every
      problem with its line; ``key_changed``);
    - with ``new``, the key is free: no process has it and it is not a designer address
      (ProcessDocumentError, ``process_exists`` or ``reserved_key``), also when two people
      create the same key at once;
    - with ``base`` (the version the editor was opened on), nobody published another version
      since (Conflict ``stale_version``, ``details.version`` = the latest number);
    - a document equal to the latest version stores nothing (``created`` is false); else exactly
      one version, numbered after the latest, in one transaction.
    """
    if not acting_user.may_publish_processes:
        raise PermissionDenied(
            _("Only a sales manager or an administrator may publish a process."),
            code="publish_forbidden",
        )
    definition = document_check(text, key=key)
    if new and definition.key in RESERVED_KEYS:
        _refuse_key(text, "reserved_key", _("'%(key)s' is reserved; choose another key"), key)
    with transaction.atomic():
        result = process_apply_definition(
            definition=definition, source=text, acting_user=acting_user
        )
        # Checked after the apply, inside the same transaction: the apply holds the process
        # row lock, so this also catches a concurrent publish, and raising rolls it back.
        number = result.version.number
        if new and (not result.created or number != 1):
            _refuse_key(
                text, "process_exists", _("a process '%(key)s' already exists"), definition.key
            )
        if base is not None and result.created and number != base + 1:
            raise Conflict(
                _(
                    "Version %(latest)s was published after version %(base)s, which you "
                    "started from. Reload the designer and apply your change again."
                )
                % {"latest": number - 1, "base": base},
                code="stale_version",
                details={"version": number - 1},
            )
    return result


def _refuse_key(text: str, code: str, message: str, key: str) -> NoReturn:
    raise ProcessDocumentError(
        [DocumentProblem(code, "key", message % {"key": key}, _line_of(text, "key"))]
    )
