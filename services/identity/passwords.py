"""argon2id hashing off the event loop, a bounded number at a time, and the common-password
list."""

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from services.identity.settings import IdentitySettings

T = TypeVar("T")

COMMON_PASSWORDS = Path(__file__).parent / "common_passwords.txt"


def load_common(path: Path = COMMON_PASSWORDS) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


class Passwords:
    """Hashes run in threads (argon2-cffi releases the GIL) and at most `concurrency` at once:
    more would not finish sooner, only take the cores (and 19 MiB each) from other requests."""

    def __init__(
        self, *, time_cost: int, memory_kib: int, parallelism: int, concurrency: int = 1
    ) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self.concurrency = concurrency
        self.running = 0  # hashes in threads right now, for tests and metrics
        self._slots = asyncio.Semaphore(concurrency)
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
            concurrency=settings.hashing_concurrency,
        )

    async def hash(self, password: str) -> str:
        return await self._in_thread(self.hasher.hash, password)

    def needs_rehash(self, stored: str | None) -> bool:
        """A hash made with other argon2 parameters than today's is renewed at sign-in."""
        return stored is not None and self.hasher.check_needs_rehash(stored)

    async def verify(self, stored: str | None, password: str) -> bool:
        return await self._in_thread(self._verify, stored or self._decoy, password, stored)

    async def _in_thread(self, work: Callable[..., T], *args: Any) -> T:
        async with self._slots:
            self.running += 1
            try:
                return await asyncio.to_thread(work, *args)
            finally:
                self.running -= 1

    def _verify(self, stored: str, password: str, real: str | None) -> bool:
        try:
            return self.hasher.verify(stored, password) and real is not None
        except (VerificationError, InvalidHashError):
            return False
