"""The real type of a file from its first bytes, and whether it matches the name it came with.

The name's extension is only a claim; a `.pdf` whose bytes are not a PDF is refused, so
signing, previews and customers never get handed something other than what it says.
"""

from services.documents.domain import UnsupportedContent

SNIFF_BYTES = 512

_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
]

# Extensions whose bytes we can recognise, and the sniffed types each may have.
_EXPECTED: dict[str, set[str]] = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "gif": {"image/gif"},
    "zip": {"application/zip"},
    "docx": {"application/zip"},
    "xlsx": {"application/zip"},
    "pptx": {"application/zip"},
    "doc": {"application/x-ole-storage"},
    "xls": {"application/x-ole-storage"},
    "txt": {"text/plain"},
    "csv": {"text/plain"},
}

_OFFICE = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "csv": "text/csv",
}


def sniff(head: bytes) -> str:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def content_type(name: str, head: bytes) -> str:
    """The type to store and serve; refuses bytes that contradict a recognisable extension."""
    sniffed = sniff(head)
    ext = extension(name)
    expected = _EXPECTED.get(ext)
    if expected is not None and sniffed not in expected:
        raise UnsupportedContent(
            f"{name!r} is named as .{ext} but its content is {sniffed}.", field="name"
        )
    return _OFFICE.get(ext, sniffed)
