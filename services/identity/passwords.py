"""argon2id hashing off the event loop, and the common-password list."""

import asyncio
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.settings import IdentitySettings

COMMON_PASSWORDS = Path(__file__).parent / "common_passwords.txt"


def load_common(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self.common = load_common()
        # Verifying against this when no account matches keeps unknown emails as slow as known.
        self._decoy = self.hasher.hash("decoy password that matches nothing")

    @classmethod
    def of(cls, settings: IdentitySettings) -> "Passwords":
        """The hasher with the service's argon2id parameters."""
        return cls(
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
            parallelism=settings.argon2_parallelism,
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    def needs_rehash(self, stored: str | None) -> bool:
        """A hash made with other argon2 parameters than today's is renewed at sign-in."""
        return stored is not None and self.hasher.check_needs_rehash(stored)

    async def verify(self, stored: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, stored or self._decoy, password, stored)

    def _verify(self, stored: str, password: str, real: str | None) -> bool:
        try:
            return self.hasher.verify(stored, password) and real is not None
        except (VerificationError, InvalidHashError):
            return False
