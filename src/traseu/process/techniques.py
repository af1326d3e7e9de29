"""The technique library: methods of action recommended at stages, kept as data."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from traseu.process import yamlsource
from traseu.process.definition import Technique
from traseu.process.errors import DocumentProblem, ProcessDocumentError

DOCUMENTS = Path(__file__).parent / "documents"
TECHNIQUE_FIELDS = ("key", "name", "summary", "when", "steps", "questions", "source")


def parse_technique(item: Any, path: str, problems: list[DocumentProblem]) -> Technique | None:
    # Imported here: the loader imports this module, and its Reader is the shared field reader.
    from traseu.process.loader import Reader

    reader = Reader(item, path, problems)
    if not reader.ok:
        return None
    reader.only(TECHNIQUE_FIELDS)
    return Technique(
        key=reader.key(),
        name=reader.text("name", required=True),
        summary=reader.text("summary", required=True),
        when=reader.text("when"),
        steps=reader.strings("steps"),
        questions=reader.strings("questions"),
        source=reader.text("source"),
    )


def load_library(path: str | Path) -> dict[str, Technique]:
    """Load a technique library file: a mapping with a ``techniques`` list."""
    path = Path(path)
    data, source_map, problems = yamlsource.parse(path.read_text(encoding="utf-8-sig"))
    library: dict[str, Technique] = {}
    if not problems:
        items = data.get("techniques") if isinstance(data, Mapping) else None
        if not isinstance(items, list):
            problems.append(DocumentProblem("required", "techniques", "'techniques' list needed"))
            items = []
        for i, item in enumerate(items):
            technique = parse_technique(item, f"techniques[{i}]", problems)
            if technique is None:
                continue
            if technique.key in library:
                problems.append(
                    DocumentProblem(
                        "duplicate_key",
                        f"techniques[{i}].key",
                        f"technique '{technique.key}' is defined twice",
                    )
                )
            library[technique.key] = technique
    if problems:
        raise ProcessDocumentError(
            [
                DocumentProblem(
                    p.code, p.path, p.message, p.line or source_map.line_of(p.path), str(path)
                )
                for p in problems
            ]
        )
    return library


@functools.cache
def shipped_library(language: str) -> Mapping[str, Technique]:
    """The technique library shipped for a language (English when there is none)."""
    path = DOCUMENTS / f"techniques.{language.split('-')[0]}.yaml"
    if not path.exists():
        path = DOCUMENTS / "techniques.en.yaml"
    return load_library(path) if path.exists() else {}


def shipped_documents() -> list[Path]:
    """The process documents shipped with Traseu."""
    return sorted(p for p in DOCUMENTS.glob("*.yaml") if not p.name.startswith("techniques."))
