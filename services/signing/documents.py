"""Signing's client of documents: the PDF (and attachments) to sign come in by a short-lived
download URL, and the sealed PDF goes back into the client's folder as a new document."""

import uuid
from dataclasses import dataclass
from uuid import UUID

from services.signing.peers import Peer
from shared.bus import RpcError
from shared.errors import Conflict, NotFound
from shared.events.documents import (
    OpenForSigning,
    SigningSource,
    StoredDocument,
    StoreSignedDocument,
)


@dataclass(frozen=True)
class DocumentsClient(Peer):
    async def open_for_signing(
        self, firm_id: UUID, staff_id: UUID, role: str, document_id: UUID
    ) -> SigningSource:
        """Documents checks that this staff user may send the document, and lends its bytes."""
        request = OpenForSigning(
            idempotency_key=str(uuid.uuid4()),  # read-only: each look gets a fresh URL
            document_id=document_id,
            staff_id=staff_id,
            staff_role=role,  # type: ignore[arg-type]
        )
        try:
            return await self.ask(request, firm_id, staff_id)
        except RpcError as error:
            if error.status == 404:
                raise NotFound("No such document.", field="document_id") from None
            raise Conflict(f"documents refused: {error.detail}") from None

    async def store_signed(self, firm_id: UUID, request: StoreSignedDocument) -> StoredDocument:
        return await self.ask(request, firm_id, None)
