"""Downloads the kit sends (documents and signing): the name in Content-Disposition never
carries bidirectional controls."""

from shared.http.downloads import disposition


def test_a_name_is_sent_without_bidirectional_controls() -> None:
    """A name stored before they were refused would show reordered in a save dialog."""
    spoofed = "invoice\u202efdp.exe"
    assert disposition(spoofed) == disposition("invoicefdp.exe")
    mixed = "\u2067avtal\u2069 \u200fkontrakt\u061c.pdf"
    assert disposition(mixed, inline=True) == disposition("avtal kontrakt.pdf", inline=True)
