"""The bad rows of an import: what is said about each, and the error CSV they are written to."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from traseu.core.env import data_dir

ERROR_COLUMNS = ("row", "column", "value", "reason", "code")


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str
    code: str

    def __str__(self) -> str:
        where = _("row %(row)s") % {"row": self.row}
        if self.column:
            where += f", {self.column}"
        shown = f" '{self.value}'" if self.value and self.value not in self.reason else ""
        return f"{where}:{shown} {self.reason} [{self.code}]"


def error_path(path: Path, errors_path: Path | None) -> Path:
    """``--errors FILE``; else ``NAME.errors.csv`` next to the input when that folder is
    writable; else in TRASEU_DATA_DIR/import-errors."""
    if errors_path is not None:
        return errors_path
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    beside = path.with_name(f"{path.stem}.errors.csv")
    try:
        beside.touch(exist_ok=True)
        beside.unlink()
        return beside
    except OSError:
        folder = data_dir() / "import-errors"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{path.stem}-{stamp}.errors.csv"


class ErrorWriter:
    """Writes the error CSV lazily: no bad row, no file (an old one from a previous run of the
    same file is removed, so what is on disk always describes the last run)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None
        self._writer: Any = None

    def __enter__(self) -> ErrorWriter:
        if self.path.exists():
            self.path.unlink()
        return self

    def write(self, error: RowError) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", newline="", encoding="utf-8-sig")
            self._writer = csv.writer(self._file)
            self._writer.writerow(ERROR_COLUMNS)
        self._writer.writerow(
            [error.row, error.column, _neutral(error.value), error.reason, error.code]
        )

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def _neutral(value: str) -> str:
    """A cell a spreadsheet would run as a formula is quoted (CSV formula injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
