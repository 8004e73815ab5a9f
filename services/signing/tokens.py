"""Random secrets (links, sessions, one-time codes) and the hashes that are all we store."""

import hashlib
import secrets
from uuid import UUID


def new_token() -> tuple[str, bytes]:
    """A 256-bit URL-safe token and its SHA-256."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def hash_code(party_id: UUID, code: str) -> bytes:
    # Salted with the party so one code's hash says nothing about another party's.
    return hashlib.sha256(party_id.bytes + code.encode()).digest()


def same_hash(stored: bytes | None, given: bytes) -> bool:
    return stored is not None and secrets.compare_digest(stored, given)
