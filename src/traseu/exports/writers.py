"""Writing a table out, a row at a time: CSV with the ``csv`` module, XLSX with openpyxl's
write-only workbook (rows go to a temporary file as they come, not into memory).

In XLSX numbers are numbers and times are times (UTC), so a spreadsheet sorts and sums them;
text cells are strings set explicitly as strings, so even a cell that was not neutralised
could not become a formula.
"""

from __future__ import annotations

import csv
from typing import IO, TextIO

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

from traseu.exports.cells import csv_text
from traseu.exports.tables import Table

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def write_csv(table: Table, out: TextIO) -> int:
    """Write the header and every row; the number of rows."""
    writer = csv.writer(out)
    writer.writerow(table.header)
    count = 0
    for row in table.rows:
        writer.writerow([csv_text(value) for value in row])
        count += 1
    return count


def write_xlsx(table: Table, out: IO[bytes]) -> int:
    """Write one sheet named after the kind; the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.kind.key)
    sheet.append(table.header)
    count = 0
    for row in table.rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, whatever it starts with
            elif hasattr(value, "hour"):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count
