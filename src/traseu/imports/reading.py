"""Streaming the rows of a CSV or XLSX file, numbered as a spreadsheet shows them.

The header is row 1; the first data row is row 2; blank lines keep their number (a spreadsheet
shows them too) but yield nothing. Headers are matched case-insensitively after trimming, so a
row is a mapping from the normalised header (``"stagename"``, ``"deal - title"``) to its cell.

CSV: the delimiter is chosen among ``,`` ``;`` TAB and ``|`` by counting them in the header
line outside quotes; UTF-8 with or without a byte-order mark is the default, other encodings on
request; the file is decoded line by line, so an undecodable byte is reported with the row it
is in. Quoted fields may hold newlines. XLSX: the first sheet (or a named one), streamed with
openpyxl's read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from traseu.core.errors import InvalidInput

DELIMITERS = (",", ";", "\t", "|")
DEFAULT_ENCODING = "utf-8-sig"
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@functools.lru_cache(maxsize=4096)
def header_key(name: Any) -> str:
    """How a column is looked up: trimmed, case-folded, inner runs of spaces made one.

    Cached: every cell read asks for its column's key, and a file has few columns."""
    return " ".join(str(name or "").split()).casefold()


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # as a spreadsheet shows it: the header is row 1
    values: dict[str, Any]  # by header_key


@dataclass
class Table:
    """An open file: its headers (as written) and an iterator over its data rows."""

    headers: list[str]
    rows: Iterator[SourceRow]
    delimiter: str = ""
    encoding: str = ""

    def has(self, column: str) -> bool:
        return header_key(column) in {header_key(h) for h in self.headers}


class FileProblem(InvalidInput):
    """The file itself cannot be read (not one bad value): an encoding, a broken header."""

    code = "import_file_invalid"


def check_encoding(encoding: str | None) -> str:
    name = (encoding or DEFAULT_ENCODING).strip()
    try:
        codecs.lookup(name)
    except LookupError as error:
        raise FileProblem(
            _("Unknown encoding '%(name)s' (try utf-8, cp1250, cp1252 or latin-1).")
            % {"name": name},
            code="unknown_encoding",
        ) from error
    return name


@contextmanager
def open_table(
    path: str | Path, *, encoding: str | None = None, sheet: str | None = None
) -> Iterator[Table]:
    """Open ``path`` for streaming; the file is closed when the ``with`` ends."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(_("No file %(path)s.") % {"path": str(path)}, code="import_file_missing")
    if path.suffix.lower() in XLSX_SUFFIXES:
        with _open_xlsx(path, sheet) as table:
            yield table
        return
    name = check_encoding(encoding)
    with path.open("rb") as raw:
        yield _csv_table(raw, name)


def _decoded_lines(raw: IO[bytes], encoding: str, first_row: list[int]) -> Iterator[str]:
    """Decode line by line; ``first_row[0]`` is the spreadsheet row the next record starts."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""  # decoded text not yet ended by a newline (UTF-16 splits "\n" from its 0)
    for line in raw:
        try:
            pending += decoder.decode(line)
        except UnicodeDecodeError as error:
            shown = line[max(error.start - 10, 0) : error.end + 10]
            raise FileProblem(
                _(
                    "Row %(row)s cannot be read as %(encoding)s: byte 0x%(byte)s near "
                    "%(context)r. Name the file's encoding with --encoding (cp1250, cp1252, "
                    "latin-1...)."
                )
                % {
                    "row": first_row[0],
                    "encoding": encoding,
                    "byte": line[error.start : error.start + 1].hex(),
                    "context": shown,
                },
                code="undecodable",
                details={"row": first_row[0], "encoding": encoding},
            ) from error
        while (end := pending.find("\n")) >= 0:
            yield pending[: end + 1]
            pending = pending[end + 1 :]
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def sniff_delimiter(header_line: str) -> str:
    """The candidate that occurs most often in the header line outside quotes (``,`` if none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_table(raw: IO[bytes], encoding: str) -> Table:
    next_row = [1]
    lines = _decoded_lines(raw, encoding, next_row)
    first = next(lines, "")
    while first.strip() == "" and first:  # leading blank lines before the header
        next_row[0] += 1
        first = next(lines, "")
    if not first.strip():
        raise FileProblem(_("The file is empty (no header row)."), code="import_file_empty")
    delimiter = sniff_delimiter(first.lstrip("\ufeff"))
    reader = csv.reader(_chain(first.lstrip("\ufeff"), lines), delimiter=delimiter)
    try:
        headers = [str(cell).strip() for cell in next(reader)]
    except csv.Error as error:
        raise FileProblem(str(error), code="import_file_invalid") from error
    keys = _header_keys(headers, header_row=next_row[0])
    next_row[0] += 1
    return Table(headers, _csv_rows(reader, keys, next_row), delimiter, encoding)


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def _header_keys(headers: list[str], *, header_row: int) -> list[str]:
    keys = [header_key(h) for h in headers]
    seen: set[str] = set()
    for header, key in zip(headers, keys, strict=True):
        if key and key in seen:
            raise FileProblem(
                _("Row %(row)s: the column '%(column)s' appears twice in the header.")
                % {"row": header_row, "column": header},
                code="duplicate_column",
            )
        seen.add(key)
    return keys


def _csv_rows(reader: Any, keys: list[str], next_row: list[int]) -> Iterator[SourceRow]:
    while True:
        number = next_row[0]
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileProblem(
                _("Row %(row)s: %(problem)s") % {"row": number, "problem": str(error)},
                code="import_file_invalid",
                details={"row": number},
            ) from error
        next_row[0] += 1
        row = _row(number, keys, cells)
        if row is not None:
            yield row


def _row(number: int, keys: list[str], cells: list[Any]) -> SourceRow | None:
    if all(_blank(cell) for cell in cells):
        return None
    values: dict[str, Any] = {key: "" for key in keys if key}
    for key, cell in zip(keys, cells, strict=False):
        if key:
            values[key] = cell if cell is not None else ""
    extra = [cell for cell in cells[len(keys) :] if not _blank(cell)]
    if extra:
        values["\x00extra"] = len(cells)  # the engine reports it as a row problem
    return SourceRow(number, values)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


@contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise FileProblem(
            _("%(path)s is not a readable XLSX workbook: %(problem)s")
            % {"path": path.name, "problem": error},
            code="import_file_invalid",
        ) from error
    try:
        if sheet and sheet not in book.sheetnames:
            raise FileProblem(
                _("No sheet '%(sheet)s'; the workbook has: %(names)s.")
                % {"sheet": sheet, "names": ", ".join(book.sheetnames)},
                code="sheet_missing",
            )
        worksheet = book[sheet] if sheet else book.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(_blank(cell) for cell in header):
            raise FileProblem(_("The sheet is empty (no header row)."), code="import_file_empty")
        headers = [str(cell).strip() if cell is not None else "" for cell in header]
        keys = _header_keys(headers, header_row=1)
        yield Table(headers, _xlsx_rows(rows, keys))
    finally:
        book.close()


def _xlsx_rows(rows: Iterator[tuple[Any, ...]], keys: list[str]) -> Iterator[SourceRow]:
    for number, cells in enumerate(rows, start=2):
        row = _row(number, keys, list(cells))
        if row is not None:
            yield row
