"""The signed PDF: the original bytes untouched, then one incremental update that appends the
certificate of completion (audit trail) and a PAdES signature by the platform's certificate,
covering the whole file so far, with its RFC 3161 timestamp (B-T); with trust roots configured,
a second update adds the chains and revocation data (the DSS, B-LT), which validators accept
after a signature. Blocking (reportlab, pyHanko): run it in a thread."""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from services.signing.audit_texts import action_label, words
from services.signing.certificates import Sealer
from services.signing.domain import SealFailed
from services.signing.typesetting import Face, faces, wrap

FIELD = "PortalSeal"
SIZE, LEADING = 9, 12
MARGIN = 56
# A drawn signature is shown in a box this size (points) at the right of its signer's lines.
DRAWN_WIDTH, DRAWN_HEIGHT = 120, 40


@dataclass(frozen=True)
class PartyLine:
    name: str
    email: str
    role: str
    method: str
    outcome: str
    acted_at: datetime | None
    address: str | None
    drawn: bytes | None = None  # the PNG the party drew, if any


@dataclass(frozen=True)
class EventLine:
    at: datetime
    action: str
    who: str
    method: str | None
    address: str | None
    user_agent: str | None


@dataclass(frozen=True)
class Certificate:
    language: str
    signing_id: str
    document_name: str
    document_sha256: str
    completed_at: datetime
    parties: list[PartyLine]
    events: list[EventLine]


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def party_text(line: PartyLine, language: str) -> str:
    w = words(language)
    text = f"<{line.email}> · {w[line.role]} · {w[line.method]}"
    if line.outcome:
        text += f" · {w[line.outcome]}"
    if line.acted_at:
        text += f" {w['at']} {stamp(line.acted_at)} UTC"
    if line.address:
        text += f" {w['from']} {line.address}"
    return text


def event_text(line: EventLine, language: str) -> str:
    w = words(language)
    parts = [stamp(line.at), action_label(language, line.action)]
    parts += [p for p in (line.who, w.get(line.method or "", "")) if p]
    if line.address:
        parts.append(f"{w['from']} {line.address}")
    if line.user_agent:
        parts.append(line.user_agent[:80])
    return " · ".join(parts)


class _Pages:
    """Lines of text flowing down A4 pages."""

    def __init__(self) -> None:
        self.buffer = io.BytesIO()
        self.canvas = canvas.Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.regular, self.bold = faces()
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def room(self, height: float) -> None:
        """Start a new page unless `height` points fit on this one."""
        if self.y - height < MARGIN:
            self.canvas.showPage()
            self.y = A4[1] - MARGIN

    def line(
        self, text: str, size: float = SIZE, gap: float = 0, bold: bool = False, inset: float = 0
    ) -> None:
        face: Face = self.bold if bold else self.regular
        for piece in wrap(face, text, size, self.width - inset):
            self.room(LEADING)
            face.draw(self.canvas, MARGIN, self.y, piece, size)
            self.y -= LEADING
        self.y -= gap

    def drawn(self, png: bytes) -> None:
        """The signature at the right of the lines that follow, its top at theirs."""
        image = ImageReader(io.BytesIO(png))
        x, top = MARGIN + self.width - DRAWN_WIDTH, self.y + SIZE
        self.canvas.drawImage(
            image, x, top - DRAWN_HEIGHT, DRAWN_WIDTH, DRAWN_HEIGHT,
            preserveAspectRatio=True, anchor="ne", mask="auto",
        )  # fmt: skip

    def party(self, party: PartyLine, language: str) -> None:
        inset = DRAWN_WIDTH + 8 if party.drawn else 0
        self.room(DRAWN_HEIGHT + 4 if party.drawn else 2 * LEADING)
        top = self.y
        if party.drawn:
            self.drawn(party.drawn)
        self.line(party.name, bold=True, inset=inset)
        self.line(party_text(party, language), inset=inset)
        if party.drawn:
            self.y = min(self.y, top - DRAWN_HEIGHT)
        self.y -= 4

    def done(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def render_certificate(cert: Certificate) -> bytes:
    w, pages = words(cert.language), _Pages()
    pages.line(w["title"], 16, gap=10, bold=True)
    pages.line(f"{w['document']}: {cert.document_name}")
    pages.line(f"{w['sha256']}: {cert.document_sha256}")
    pages.line(f"{w['request']}: {cert.signing_id}")
    pages.line(f"{w['completed']}: {stamp(cert.completed_at)}", gap=8)
    pages.line(w["parties"], 11, gap=2, bold=True)
    for party in cert.parties:
        pages.party(party, cert.language)
    pages.line("", gap=4)
    pages.line(w["events"], 11, gap=2, bold=True)
    for event in cert.events:
        pages.line(event_text(event, cert.language))
    pages.line("", gap=6)
    pages.line(w["seal_note"], size=8)
    return pages.done()


def _page(
    writer: IncrementalPdfFileWriter, xobject: generic.IndirectObject
) -> generic.DictionaryObject:
    """An A4 page that draws `xobject`; every attribute a page could inherit from the page tree
    (box, rotation, resources) is its own, so the original's settings never reach it."""
    box = generic.ArrayObject([generic.FloatObject(v) for v in (0, 0, *A4)])
    content = writer.add_object(generic.StreamObject(stream_data=b"q /Audit Do Q"))
    return generic.DictionaryObject(
        {
            generic.pdf_name("/Type"): generic.pdf_name("/Page"),
            generic.pdf_name("/MediaBox"): box,
            generic.pdf_name("/CropBox"): box,
            generic.pdf_name("/Rotate"): generic.NumberObject(0),
            generic.pdf_name("/Resources"): generic.DictionaryObject(
                {
                    generic.pdf_name("/XObject"): generic.DictionaryObject(
                        {generic.pdf_name("/Audit"): xobject}
                    )
                }
            ),
            generic.pdf_name("/Contents"): content,
        }
    )


def _append_pages(writer: IncrementalPdfFileWriter, pdf: bytes) -> None:
    """Append each page of `pdf` to the root of the page tree. pyHanko's `insert_page` walks
    the whole tree to find the last leaf, reading every page of the original: appending to the
    root's kids touches the root only, so the cost does not grow with the page count."""
    source = PdfFileReader(io.BytesIO(pdf))
    root_ref = writer.root.raw_get("/Pages")
    root = root_ref.get_object()
    kids_ref = root.raw_get("/Kids")
    kids = kids_ref.get_object()
    count = int(source.root["/Pages"]["/Count"])
    for index in range(count):
        page = _page(writer, writer.import_page_as_xobject(source, index))
        page[generic.pdf_name("/Parent")] = root_ref
        kids.append(writer.add_object(page))
    root[generic.pdf_name("/Count")] = generic.NumberObject(int(root["/Count"]) + count)
    writer.update_container(root)
    if isinstance(kids_ref, generic.IndirectObject):
        writer.mark_update(kids_ref)


def _metadata(sealer: Sealer) -> signers.PdfSignatureMetadata:
    """PAdES; with trust roots, the chains and revocation information are fetched now and
    embedded (B-LT), and a revocation source that does not answer fails the seal rather than
    leave the file without them."""
    context = None
    if sealer.trust_roots:
        context = ValidationContext(
            trust_roots=list(sealer.trust_roots), allow_fetching=True, revocation_mode="hard-fail"
        )
    return signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Certificate of completion",
        embed_validation_info=context is not None,
        validation_context=context,
    )


def seal(original: IO[bytes], certificate_pdf: bytes, sealer: Sealer, output: IO[bytes]) -> None:
    """Append the certificate to `original` and seal; the result is written to `output`.
    Raises `SealFailed` when no timestamp or validation data could be had."""
    original.seek(0)
    writer = IncrementalPdfFileWriter(original, strict=False)
    _append_pages(writer, certificate_pdf)
    try:
        with sealer.turn():
            signers.sign_pdf(writer, _metadata(sealer), signer=sealer.signer,
                             timestamper=sealer.timestamper, output=output)  # fmt: skip
    except (TimestampRequestError, SigningError, PathError, ValidationError) as error:
        raise SealFailed(str(error)) from error
    output.seek(0)
