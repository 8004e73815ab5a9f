"""The seal's evidence without a server: names in any script on the certificate page, drawn
signatures beside their signers, a timestamp from the first authority that answers (B-T), the
validation data embedded (B-LT) and checked offline, the key in a SoftHSM2 token, and the
verify check telling an intact file from one with a byte changed."""

import io
import unicodedata
from datetime import UTC, datetime

import pytest
from PIL import Image, ImageDraw
from pkcs11 import Attribute
from pkcs11.exceptions import AttributeSensitive
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature
from pypdf import PdfReader

from services.signing import domain, verifying
from services.signing.certificates import Sealer, certificates, file_signer, load_sealer
from services.signing.sealing import Certificate, EventLine, PartyLine, render_certificate, seal
from services.signing.settings import SigningSettings
from services.signing.timestamps import timestamper
from services.signing.typesetting import faces, wrap
from shared.errors import Invalid
from tests.signing.hsm import Token
from tests.signing.pdfs import make_pdf
from tests.signing.trust import TestPki

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NAMES = ["Łukasz Żółć", "Σοφία Παπαδοπούλου", "Анна Кузнецова", "فاطمة الزهراء", "דוד כהן", "王芳"]
DEAD_TSA = "http://127.0.0.1:9/tsa"  # the discard port: nothing answers there


def drawn_png(seed: int) -> bytes:
    image = Image.new("RGBA", (300, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 80), (100, 20 + seed), (200, 70), (290, 10)],
                               fill=(0, 0, 128, 255), width=5)  # fmt: skip
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def certificate(drawn: int = 2) -> Certificate:
    parties = [
        PartyLine(name, f"p{i}@example.se", "signer", "click", "signed", AT, "10.0.0.1",
                  drawn_png(i) if i < drawn else None)
        for i, name in enumerate(NAMES)
    ]  # fmt: skip
    events = [EventLine(AT, "signed", n, "click", "10.0.0.1", "Firefox") for n in NAMES]
    return Certificate("en", "id-1", "Avtal.pdf", "ab" * 32, AT, parties, events)


def text_of(pdf: bytes) -> str:
    """Extracted text as a reader sees it: Arabic's joined forms back to its letters (NFKC)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in pages))


def images_on(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_names_in_six_scripts_are_drawn_as_text_and_the_drawn_signatures_beside_them() -> None:
    pdf = render_certificate(certificate())
    text = text_of(pdf)
    for name in NAMES:
        assert name in text
    assert "■" not in text
    assert images_on(pdf) == 2


def test_only_the_glyphs_used_are_embedded() -> None:
    """WenQuanYi alone is 5 MB: a page with two CJK characters stays small."""
    assert len(render_certificate(certificate(drawn=0))) < 120_000


def test_a_drawn_signature_that_is_not_a_readable_png_is_refused() -> None:
    with pytest.raises(Invalid):
        domain.require_drawn_png(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
    domain.require_drawn_png(drawn_png(0))


def one_byte_changed(pdf: bytes) -> bytes:
    """A copy with one byte of the original's first page content changed (the file still
    parses: the byte is inside a compressed stream)."""
    at = pdf.index(b"stream", pdf.index(b"/Contents")) + 40
    return pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1 :]


def sealer_of(pki: TestPki, urls: list[str]) -> Sealer:
    signer = file_signer(*pki.sealing_pair())
    assert signer.signing_cert is not None
    roots = tuple(certificates(pki.root_pem.encode()))
    return Sealer(signer, signer.signing_cert, timestamper(urls, 2), roots)


def sealed(sealer: Sealer, pages: int = 3) -> bytes:
    output = io.BytesIO()
    seal(io.BytesIO(make_pdf(pages)), render_certificate(certificate()), sealer, output)
    return output.getvalue()


def offline_status(pdf: bytes, pki: TestPki) -> tuple[object, DocumentSecurityStore]:
    """pyHanko's validation with only what the file carries: no fetching, and revocation
    information required for every certificate that is not a trust anchor."""
    reader = PdfFileReader(io.BytesIO(pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    context = {"trust_roots": certificates(pki.root_pem.encode()), "allow_fetching": False,
               "revocation_mode": "require"}  # fmt: skip
    status = validate_pdf_signature(
        reader.embedded_signatures[0],
        dss.as_validation_context(context),
        ts_validation_context=dss.as_validation_context(context),
    )
    return status, dss


def test_the_seal_is_timestamped_by_the_first_authority_that_answers_and_validates_offline(
    pki: TestPki,
) -> None:
    pdf = sealed(sealer_of(pki, [DEAD_TSA, pki.tsa_url]))
    pki.stop()  # everything below must come from the file itself

    status, dss = offline_status(pdf, pki)

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    assert dss.crls
    assert len(list(dss.load_certs())) >= 3
    assert pki.tsa_requests >= 1
    assert pki.crl_requests >= 1


def test_when_no_authority_answers_the_seal_is_not_made(pki: TestPki) -> None:
    with pytest.raises(domain.SealFailed, match="no timestamp authority answered"):
        sealed(sealer_of(pki, [DEAD_TSA]))


def test_when_the_revocation_list_cannot_be_had_the_seal_is_not_made(pki: TestPki) -> None:
    sealer = sealer_of(pki, [pki.tsa_url])
    pki.stop()
    with pytest.raises(domain.SealFailed):
        sealed(sealer)


def test_the_key_in_a_softhsm_token_seals_and_never_leaves_it(pki: TestPki, token: Token) -> None:
    label, cert_pem = token.new_key(pki)
    settings = SigningSettings(
        sealing_certificate=cert_pem.decode(), pkcs11_module=token.module,
        pkcs11_token_label=token.label, pkcs11_key_label=label, pkcs11_pin=token.pin,
        pkcs11_raw_ecdsa=True,
        tsa_urls=[pki.tsa_url], trust_roots=pki.root_pem,
    )  # fmt: skip
    sealer = load_sealer(settings)
    try:
        pdf = sealed(sealer)
    finally:
        sealer.signer.pkcs11_session.close()  # type: ignore[attr-defined]
    status, _ = offline_status(pdf, pki)
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.signing_cert.dump() == certificates(cert_pem)[0].dump()
    with token.session() as session:
        key = token.private_key(session, label)
        assert key[Attribute.LOCAL]
        assert key[Attribute.NEVER_EXTRACTABLE]
        with pytest.raises(AttributeSensitive):
            key[Attribute.VALUE]


def test_verify_tells_an_intact_seal_from_one_byte_changed(pki: TestPki) -> None:
    sealer = sealer_of(pki, [pki.tsa_url])
    pdf = sealed(sealer)
    changed = one_byte_changed(pdf)

    intact = verifying.check_seal(io.BytesIO(pdf), sealer)
    broken = verifying.check_seal(io.BytesIO(changed), sealer)

    assert intact is not None
    assert broken is not None
    assert (intact.ours, intact.intact, intact.long_term) == (True, True, True)
    assert intact.timestamped_at is not None
    assert intact.authority == "Common Name: Portal test TSA"
    assert (broken.ours, broken.intact) == (True, False)
    assert verifying.check_seal(io.BytesIO(make_pdf(1)), sealer) is None


@pytest.mark.parametrize(
    "text", ["王" * 120, "فاطمة الزهراء " * 12, "Mozilla/5.0 " + "x" * 300 + " (X11; Linux)"]
)
def test_lines_wrap_within_the_width_and_lose_nothing(text: str) -> None:
    regular, _ = faces()
    lines = wrap(regular, text, 9, 150)
    assert len(lines) > 1
    assert all(regular.width(line, 9) <= 150 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
