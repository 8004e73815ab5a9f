"""Personal identity numbers at rest: sealed with AES-256-GCM under a key derived from the
setting `personal_number_key`, the party's id bound as associated data, so a sealed number
copied into another party's row does not open there. Only eID's check opens one; events, logs,
API answers and the audit trail never carry it.

No digest is kept beside it: signing never looks a party up by number, and its one comparison
(the number eID vouches for) has the party's row at hand. A keyed digest of a number with so
few possible values would be a second copy, readable by trying them all with its key.

Rows from before sealing hold the number in plain `personal_number` (migration 0002): each
replica seals them as it starts, before it serves, and a job seals those that replicas of the
previous release still write during a rolling deploy.
"""

import os
from uuid import UUID

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.signing.models import PartyRow
from services.signing.store import parties
from shared.database import Database

NONCE_BYTES = 12
BATCH = 200
# How often the job looks for plain numbers: only a replica of the previous release writes one.
SEALING_SECONDS = 60.0


class PersonalNumbers:
    def __init__(self, secret: str) -> None:
        kdf = HKDF(hashes.SHA256(), length=32, salt=None, info=b"signing personal numbers")
        self._aead = AESGCM(kdf.derive(secret.encode()))

    def seal(self, party_id: UUID, number: str) -> bytes:
        """A fresh random nonce, then the ciphertext with its tag."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, number.encode(), party_id.bytes)

    def open(self, party_id: UUID, sealed: bytes) -> str:
        """The number; raises InvalidTag for another key, another party's row or a change."""
        nonce, ciphertext = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
        return self._aead.decrypt(nonce, ciphertext, party_id.bytes).decode()

    def of(self, party: PartyRow) -> str | None:
        sealed = party.personal_number_sealed
        return None if sealed is None else self.open(party.id, sealed)


async def seal_plain(db: Database, numbers: PersonalNumbers) -> int:
    """Seal every number still in plain text and clear it; returns how many. Rows are taken
    with SKIP LOCKED, so replicas doing it at once share the work."""
    done = 0
    while True:
        async with db.transaction() as conn:
            plain = await parties.lock_plain_personal_numbers(conn, BATCH)
            for party_id, number in plain:
                sealed = numbers.seal(party_id, number)
                await parties.update_personal_number_sealed(conn, party_id, sealed)
        done += len(plain)
        if len(plain) < BATCH:
            return done
