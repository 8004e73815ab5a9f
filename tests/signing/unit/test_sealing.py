"""The certificate of completion in each language, and a seal pyHanko validates."""

import io
from datetime import UTC, datetime

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from services.signing.audit_texts import TEXTS
from services.signing.certificates import make_sealer, self_signed
from services.signing.sealing import Certificate, EventLine, PartyLine, render_certificate, seal
from tests.signing.pdfs import make_pdf

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def cert(language: str, events: int = 3) -> Certificate:
    parties = [
        PartyLine("Åsa Öberg", "asa@x.se", "signer", "email_otp", "signed", AT, "10.0.0.1"),
        PartyLine("Vera", "v@x.se", "viewer", "click", "", None, None),
    ]
    trail = [EventLine(AT, "signed", "Åsa Öberg", "email_otp", "10.0.0.1", "Firefox")] * events
    return Certificate(language, "id-1", "Avtal.pdf", "ab" * 32, AT, parties, trail)


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_the_certificate_speaks_the_request_language(language: str) -> None:
    text = PdfReader(io.BytesIO(render_certificate(cert(language)))).pages[0].extract_text()
    assert TEXTS[language]["title"] in text
    assert "Åsa Öberg" in text


def test_a_long_trail_flows_onto_more_pages_and_the_seal_covers_everything() -> None:
    sealer = make_sealer(*self_signed())
    original, output = io.BytesIO(make_pdf(3)), io.BytesIO()
    seal(original, render_certificate(cert("en", events=120)), sealer, output)
    sealed = output.getvalue()
    status = validate_pdf_signature(
        PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0],
        ValidationContext(trust_roots=[sealer.certificate]),
    )
    assert len(PdfReader(io.BytesIO(sealed)).pages) > 4
    assert sealed.startswith(original.getvalue())
    assert (status.intact, status.trusted, status.coverage.name) == (True, True, "ENTIRE_FILE")
