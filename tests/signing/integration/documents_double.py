"""Documents' two signing RPCs served on the real bus, with the PDFs in the real S3 server.

Signing's own tests use this stand-in so that they control the document's bytes directly
(tampering, hashes) without the whole documents service; tests/e2e runs the real one."""

import asyncio
import hashlib
import io
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import aiohttp
from minio import Minio

from shared.bus import Bus, BusNames, RpcServer
from shared.database import Connection, Database
from shared.errors import Invalid, NotFound
from shared.events.base import Envelope
from shared.events.documents import (
    OpenForSigning,
    SigningSource,
    StoredDocument,
    StoreSignedDocument,
)


@dataclass
class Doc:
    firm_id: uuid.UUID
    client_id: uuid.UUID
    folder_id: uuid.UUID
    name: str
    content_type: str
    sha256: str
    size: int
    members: set[uuid.UUID] = field(default_factory=set)


class DocumentsDouble:
    def __init__(self, s3: Minio, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.docs: dict[uuid.UUID, Doc] = {}
        self.stored: dict[uuid.UUID, bytes] = {}
        self.store_calls: list[StoreSignedDocument] = []
        self._server: RpcServer | None = None

    async def start(self, url: str, names: BusNames, db: Database) -> None:
        await asyncio.to_thread(self._ensure_bucket)
        self._bus = Bus(url, names, name="documents-double")
        handlers = {OpenForSigning: self.open_for_signing, StoreSignedDocument: self.store_signed}
        self._server = RpcServer(bus=self._bus, db=db, service="documents", handlers=handlers)
        await self._bus.start()

    def _ensure_bucket(self) -> None:
        if not self.s3.bucket_exists(self.bucket):
            self.s3.make_bucket(self.bucket)

    async def stop(self) -> None:
        if self._server:
            await self._server.stop()
            await self._bus.stop()

    async def add(
        self, firm_id: uuid.UUID, client_id: uuid.UUID, content: bytes, *,
        name: str = "Agreement.pdf", content_type: str = "application/pdf",
        document_id: uuid.UUID | None = None,
    ) -> uuid.UUID:  # fmt: skip
        """Upload a document (or a new version of one) and remember who may see it."""
        document_id = document_id or uuid.uuid4()
        await asyncio.to_thread(
            self.s3.put_object, self.bucket, str(document_id), io.BytesIO(content), len(content),
            content_type=content_type,
        )  # fmt: skip
        self.docs[document_id] = Doc(
            firm_id, client_id, uuid.uuid4(), name, content_type,
            hashlib.sha256(content).hexdigest(), len(content),
        )  # fmt: skip
        return document_id

    async def open_for_signing(
        self, conn: Connection, request: OpenForSigning, envelope: Envelope
    ) -> SigningSource:
        doc = self.docs.get(request.document_id)
        visible = doc is not None and doc.firm_id == envelope.firm_id and (
            request.staff_role != "member" or request.staff_id in doc.members
        )  # fmt: skip
        if not visible or doc is None:
            raise NotFound("No such document.")
        url = await asyncio.to_thread(
            self.s3.presigned_get_object, self.bucket, str(request.document_id),
            expires=timedelta(minutes=5),
        )  # fmt: skip
        return SigningSource(
            document_id=request.document_id, version_id=uuid.uuid4(), client_id=doc.client_id,
            folder_id=doc.folder_id, name=doc.name, content_type=doc.content_type,
            size=doc.size, sha256=doc.sha256, download_url=url, finalised=False,
        )  # fmt: skip

    async def store_signed(
        self, conn: Connection, request: StoreSignedDocument, envelope: Envelope
    ) -> StoredDocument:
        self.store_calls.append(request)
        original = self.docs[request.original_document_id]
        async with aiohttp.ClientSession() as http, http.get(request.source_url) as response:
            content = await response.read()
        if hashlib.sha256(content).hexdigest() != request.sha256 or len(content) != request.size:
            raise Invalid("The bytes do not match the SHA-256 and size given.")
        new_id = await self.add(original.firm_id, original.client_id, content, name=request.name)
        self.docs[new_id].folder_id = original.folder_id
        self.stored[new_id] = content
        return StoredDocument(
            document_id=new_id, folder_id=original.folder_id, client_id=original.client_id
        )
