"""Test PDFs made with reportlab."""

import io

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def make_pdf(pages: int, title: str = "Agreement") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica", 12)
        pdf.drawString(72, 780, f"{title} — page {number} of {pages}")
        for line in range(40):
            pdf.drawString(72, 740 - line * 16, f"Clause {number}.{line}: the parties agree.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def encrypt(pdf: bytes) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
