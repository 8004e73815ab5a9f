"""Messages produced by (or addressed to) the documents service.

The two RPCs below are the contract with signing: signing never reads documents' database or
bucket; it asks for a short-lived download URL of a document a staff user may see, and hands
a sealed PDF back the same way (a URL documents copies the bytes from).
"""

from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shared.events.base import Reply, Request, message

StaffRole = Literal["owner", "admin", "member"]


class SigningSource(Reply):
    """A document version ready to be read by signing."""

    document_id: UUID
    version_id: UUID
    client_id: UUID
    folder_id: UUID
    name: str
    content_type: str
    size: int
    sha256: str = Field(description="Hex SHA-256 of this version's bytes.")
    download_url: str = Field(description="Presigned GET of this version, valid ≤ 5 minutes.")
    finalised: bool


@message("documents.open_for_signing", 1, target="documents")
class OpenForSigning(Request):
    """May this staff user send this document (latest version) for signing? If so, where are
    its bytes. Refused as 404 when the user cannot see the document."""

    reply: ClassVar[type[Reply]] = SigningSource

    document_id: UUID
    staff_id: UUID
    staff_role: StaffRole


class StoredDocument(Reply):
    document_id: UUID
    folder_id: UUID
    client_id: UUID


@message("documents.store_signed", 1, target="documents")
class StoreSignedDocument(Request):
    """Store a sealed PDF as a new document next to the original (same folder). Documents
    copies the bytes from `source_url`, checks size and SHA-256, and reserves the storage."""

    reply: ClassVar[type[Reply]] = StoredDocument

    original_document_id: UUID
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    source_url: str = Field(description="Presigned GET on signing's bucket, valid ≥ 5 minutes.")
    signing_id: UUID
