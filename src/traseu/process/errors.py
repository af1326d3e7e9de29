"""Validation problems in a process document, each with a stable code and where it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DocumentProblem:
    """One problem found while loading a process document.

    ``path`` is the location inside the document (``stages[2].exit[0].field``), ``line`` the
    1-based line in the file (0 when unknown), ``code`` a stable machine-readable identifier.
    """

    code: str
    path: str
    message: str
    line: int = 0
    file: str = ""

    def __str__(self) -> str:
        name = self.file or "<document>"
        where = f"{name}:{self.line}" if self.line else name
        return f"{where}: {self.path or '(document)'}: {self.message} [{self.code}]"


class ProcessDocumentError(Exception):
    """A process document failed validation; ``problems`` lists every problem found."""

    def __init__(self, problems: list[DocumentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
