"""The proposal PDF: opens with pypdf, holds the lines and totals, Romanian letters intact."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client, override_settings
from pypdf import PdfReader

from traseu.core.models import User
from traseu.crm.models import Deal
from traseu.sales.document import proposal_document
from traseu.sales.models import Proposal
from traseu.sales.pdf import PdfFontMissing, proposal_pdf

pytestmark = pytest.mark.django_db
LINES = (
    {
        "description": "Licență anuală șef de țară",
        "quantity": "2",
        "unit_price": "1500",
        "tax_percent": "19",
    },
    {
        "description": "Instruire în Brașov, împreună cu echipa",
        "quantity": "1",
        "unit_price": "333.335",
        "discount_percent": "10",
    },
)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_opens_and_holds_lines_totals_and_diacritics(
    make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(make_deal(), *LINES)
    Proposal.objects.filter(pk=proposal.pk).update(language="ro", title="Ofertă pentru Acme")
    proposal.refresh_from_db()
    pdf = proposal_pdf(proposal_document(proposal))
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Ofertă pentru Acme" in text
    assert "Licență anuală șef de țară" in text
    assert "Instruire în Brașov, împreună cu echipa" in text
    # 2 x 1500 + 19 % = 3570.00; 333.335 - 10 % = 300.0015 -> 300.00; total 3870.00
    assert "3.570,00" in text
    assert "300,00" in text
    assert "3.870,00 EUR" in text


def test_pdf_download_through_the_web(
    client: Client,
    people: dict[str, User],
    make_deal: Callable[..., Deal],
    make_proposal: Callable[..., Proposal],
) -> None:
    proposal = make_proposal(make_deal(), *LINES)
    client.force_login(people["rep"])
    response = client.get(f"/sales/proposals/{proposal.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="acme-rollout-v1.pdf"' in response["Content-Disposition"]
    assert "3,870.00 EUR" in _text(response.content)


def test_a_missing_font_is_a_clear_error(
    tmp_path: Path, make_deal: Callable[..., Deal], make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(make_deal(), *LINES)
    with (
        override_settings(TRASEU_PDF_FONT_DIR=str(tmp_path)),
        pytest.raises(PdfFontMissing) as error,
    ):
        proposal_pdf(proposal_document(proposal))
    assert str(tmp_path / "DejaVuSans.ttf") in error.value.message
    assert "TRASEU_PDF_FONT_DIR" in error.value.message
