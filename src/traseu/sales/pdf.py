"""Render a proposal to PDF with fpdf2, embedding a Unicode TrueType font (DejaVu Sans) so
Romanian letters (ș ț ă î â) and every other script the font covers print correctly.

The font folder is the ``TRASEU_PDF_FONT_DIR`` setting (environment variable of the same name;
default: Debian's ``fonts-dejavu-core`` folder). It must hold ``DejaVuSans.ttf`` and
``DejaVuSans-Bold.ttf``; a missing font raises :class:`PdfFontMissing` naming the path.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from traseu.core.errors import TraseuError
from traseu.sales.document import ProposalDocument

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
COLUMN_WIDTHS = (20, 62, 18, 24, 18, 14, 26)  # mm; 182 mm of a 210 mm A4 page


class PdfFontMissing(TraseuError):
    code = "pdf_font_missing"
    status = 500


def font_paths() -> dict[str, Path]:
    folder = Path(getattr(settings, "TRASEU_PDF_FONT_DIR", "") or ".")
    paths = {style: folder / name for style, name in FONT_FILES.items()}
    missing = [str(path) for path in paths.values() if not path.is_file()]
    if missing:
        raise PdfFontMissing(
            _(
                "The PDF font is missing: %(files)s. Install Debian's fonts-dejavu-core package "
                "or set TRASEU_PDF_FONT_DIR to a folder holding DejaVuSans.ttf and "
                "DejaVuSans-Bold.ttf."
            )
            % {"files": ", ".join(missing)},
            details={"missing": missing},
        )
    return paths


def proposal_pdf(document: ProposalDocument) -> bytes:
    """The proposal as PDF bytes (A4, portrait)."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for style, path in font_paths().items():
        pdf.add_font(FONT, style, str(path))
    pdf.set_title(document.title)
    pdf.set_lang(document.language)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _header(pdf, document)
    _lines(pdf, document)
    _sums(pdf, document)
    pdf.set_font(FONT, "", 7)
    pdf.ln(6)
    pdf.multi_cell(0, 4, document.footer)
    return bytes(pdf.output())


def _header(pdf: FPDF, document: ProposalDocument) -> None:
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 9, f"{document.heading}: {document.title}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 6, document.client, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for label, value in document.meta:
        pdf.cell(35, 5, label)
        pdf.cell(0, 5, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if document.introduction:
        pdf.ln(3)
        pdf.multi_cell(0, 5, document.introduction, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _lines(pdf: FPDF, document: ProposalDocument) -> None:
    pdf.set_font(FONT, "", 8)
    align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(col_widths=COLUMN_WIDTHS, text_align=align, line_height=5) as table:
        header = table.row()
        for title in document.columns:
            header.cell(title)
        for line in document.lines:
            row = table.row()
            for text in (
                line.code,
                line.description,
                line.quantity,
                line.unit_price,
                line.discount,
                line.tax,
                line.total,
            ):
                row.cell(text)


def _sums(pdf: FPDF, document: ProposalDocument) -> None:
    pdf.ln(3)
    for index, (label, value) in enumerate(document.sums):
        last = index == len(document.sums) - 1
        pdf.set_font(FONT, "B" if last else "", 11 if last else 9)
        pdf.cell(150, 6, label, align="R")
        pdf.cell(32, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
