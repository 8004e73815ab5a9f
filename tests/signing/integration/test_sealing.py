"""The produced PDF: original pages unchanged, an audit page naming every party and method in
the request's language, and a PAdES seal that pyHanko validates over the whole file."""

import io
import re
import uuid

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from tests.signing.integration.conftest import World, party
from tests.signing.integration.helpers import act, otp_session
from tests.signing.pdfs import make_pdf


def audit_text(pdf: bytes, original_pages: int) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages[original_pages:]
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))


async def sign_all(world: World, language: str) -> tuple[bytes, bytes]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    original = make_pdf(10)
    document = await world.documents.add(firm, client, original)
    created = await world.create(owner, document, [
        party("Åsa Öberg", "asa@example.se", role="approver", order=1, method="email_otp"),
        party("Jürgen Groß", "jurgen@example.de", order=2, method="click"),
        party("Núria Peña", "nuria@example.es", order=2, method="email_otp"),
        party("Vera Viewer", "vera@example.se", role="viewer", order=3),
    ], language=language)  # fmt: skip
    await world.send(owner, created["id"])
    asa = await world.invitation("asa@example.se")
    await act(world, asa, session=await otp_session(world, asa, "asa@example.se"))
    nuria = await world.invitation("nuria@example.es")
    await act(world, nuria, session=await otp_session(world, nuria, "nuria@example.es"))
    done = await act(world, await world.invitation("jurgen@example.de"))
    assert done["request_state"] == "completed"
    (stored,) = world.documents.stored.values()
    return original, stored


async def test_the_sealed_pdf_validates_and_its_audit_page_names_every_party_and_method(
    world: World,
) -> None:
    original, sealed = await sign_all(world, "sv")

    signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
    root = x509.Certificate.load(pem.unarmor(world.certificate_pem())[2])
    status = await async_validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    text = audit_text(sealed, 10)

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.coverage.name == "ENTIRE_FILE"
    assert sealed.startswith(original)
    assert "Intyg om slutförd signering" in text
    for name in ("Åsa Öberg", "Jürgen Groß", "Núria Peña", "Vera Viewer"):
        assert name in text
    for method in ("Engångskod via e-post", "Signeringslänk"):
        assert method in text
    assert "Godkännare" in text
    assert "godkände" in text


async def test_the_audit_page_follows_the_request_language(world: World) -> None:
    _, sealed = await sign_all(world, "de")
    text = audit_text(sealed, 10)
    assert "Abschlusszertifikat" in text
    assert "Einmalcode per E-Mail" in text
    assert "Signaturlink" in text
