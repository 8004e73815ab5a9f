"""The signed PDF: the original bytes untouched, then one incremental update that appends the
certificate of completion (audit trail) and a PAdES signature by the platform's certificate,
covering the whole file. Blocking (reportlab, pyHanko): run it in a thread."""

import io
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from services.signing.audit_texts import action_label, words
from services.signing.certificates import Sealer

FIELD = "PortalSeal"
FONT, BOLD, SIZE, LEADING = "Helvetica", "Helvetica-Bold", 9, 12
MARGIN = 56


@dataclass(frozen=True)
class PartyLine:
    name: str
    email: str
    role: str
    method: str
    outcome: str
    acted_at: datetime | None
    address: str | None


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
    text = f"{line.name} <{line.email}> · {w[line.role]} · {w[line.method]}"
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
        self.width = A4[0] - 2 * MARGIN
        self.y = A4[1] - MARGIN

    def line(self, text: str, font: str = FONT, size: int = SIZE, gap: int = 0) -> None:
        for piece in simpleSplit(text, font, size, self.width) or [""]:
            if self.y < MARGIN:
                self.canvas.showPage()
                self.y = A4[1] - MARGIN
            self.canvas.setFont(font, size)
            self.canvas.drawString(MARGIN, self.y, piece)
            self.y -= LEADING
        self.y -= gap

    def done(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


def render_certificate(cert: Certificate) -> bytes:
    w, pages = words(cert.language), _Pages()
    pages.line(w["title"], BOLD, 16, gap=10)
    pages.line(f"{w['document']}: {cert.document_name}")
    pages.line(f"{w['sha256']}: {cert.document_sha256}")
    pages.line(f"{w['request']}: {cert.signing_id}")
    pages.line(f"{w['completed']}: {stamp(cert.completed_at)}", gap=8)
    pages.line(w["parties"], BOLD, 11, gap=2)
    for party in cert.parties:
        pages.line(party_text(party, cert.language), gap=3)
    pages.line("", gap=4)
    pages.line(w["events"], BOLD, 11, gap=2)
    for event in cert.events:
        pages.line(event_text(event, cert.language))
    pages.line("", gap=6)
    pages.line(w["seal_note"], size=8)
    return pages.done()


def _append_pages(writer: IncrementalPdfFileWriter, pdf: bytes) -> None:
    """Append each page of `pdf` as a new page drawing it as a form XObject."""
    source = PdfFileReader(io.BytesIO(pdf))
    for index in range(int(source.root["/Pages"]["/Count"])):
        xobject = writer.import_page_as_xobject(source, index)
        content = writer.add_object(generic.StreamObject(stream_data=b"q /Audit Do Q"))
        page = generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/Page"),
                generic.pdf_name("/MediaBox"): generic.ArrayObject(
                    [generic.FloatObject(v) for v in (0, 0, *A4)]
                ),
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
        writer.insert_page(page)


def seal(original: IO[bytes], certificate_pdf: bytes, sealer: Sealer, output: IO[bytes]) -> None:
    """Append the certificate to `original` and seal; the result is written to `output`."""
    original.seek(0)
    writer = IncrementalPdfFileWriter(original, strict=False)
    _append_pages(writer, certificate_pdf)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Certificate of completion",
    )
    signers.sign_pdf(writer, metadata, signer=sealer.signer, output=output)
    output.seek(0)
