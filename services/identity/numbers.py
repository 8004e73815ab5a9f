"""Personal identity numbers at rest: sealed (AES-256-GCM, bound to the firm) so they can be
read back, and found by a keyed digest, so that neither a copy of the table nor the logs give
them away. The plain number lives only in the request that carries it."""

import hashlib
import hmac
from typing import Any
from uuid import UUID

from services.identity.models import Contact, ContactDetails
from services.identity.store import contacts
from services.identity.tokens import Sealer
from shared.database import Database

CONVERT_BATCH = 500


class PersonalNumbers:
    def __init__(self, secret: str) -> None:
        self._sealer = Sealer("personal-number-seal:" + secret)
        self._key = hashlib.sha256(b"personal-number-digest:" + secret.encode()).digest()

    def digest(self, number: str) -> bytes:
        return hmac.new(self._key, number.encode(), hashlib.sha256).digest()

    def seal(self, firm_id: UUID, number: str) -> bytes:
        return self._sealer.seal(f"pn:{firm_id}", number.encode())

    def open(self, firm_id: UUID, sealed: bytes) -> str:
        return self._sealer.open(f"pn:{firm_id}", sealed).decode()

    def stored(
        self, firm_id: UUID, fields: dict[str, Any], *, keep: Contact | None = None
    ) -> ContactDetails:
        """Cleaned contact fields as the store takes them: the plain `personal_number` replaced
        by its sealed form and digest, or by `keep`'s when the request did not change it."""
        stored = {k: v for k, v in fields.items() if k != "personal_number"}
        number = fields.get("personal_number")
        if keep is not None and "personal_number" not in fields:
            sealed, digest = keep.personal_number_sealed, keep.personal_number_digest
        elif number:
            sealed, digest = self.seal(firm_id, number), self.digest(number)
        else:
            sealed, digest = None, None
        return ContactDetails(
            **stored, personal_number_sealed=sealed, personal_number_digest=digest
        )


async def seal_plain_numbers(db: Database, numbers: PersonalNumbers) -> None:
    """Seal the personal numbers of rows written before they were sealed (migration 0005).
    Replicas starting together share the work: SKIP LOCKED hands each row to one of them."""
    while True:
        async with db.transaction() as conn:
            plain = await contacts.list_plain_numbers(conn, CONVERT_BATCH)
            for contact_id, firm_id, number in plain:
                sealed = numbers.seal(firm_id, number)
                await contacts.seal_number(
                    conn, firm_id, contact_id, sealed, numbers.digest(number)
                )
        if len(plain) < CONVERT_BATCH:
            return
