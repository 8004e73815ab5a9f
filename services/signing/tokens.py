"""Random secrets (links, sessions, one-time codes) and the hashes that are all we store."""

import hashlib
import hmac
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


def hash_code(secret: str, party_id: UUID, code: str) -> bytes:
    """HMAC-SHA256 under the server's `otp_secret`: a six-digit code has a million values, so a
    plain hash of it is read back from the table by trying them all; without the secret it is
    not. Bound to the party, so one code's digest says nothing about another party's.

    Codes sent before this keyed digest (a plain SHA-256) stop matching: a party who had one
    in flight at the deploy asks for a new one."""
    return hmac.new(secret.encode(), party_id.bytes + code.encode(), hashlib.sha256).digest()


def same_hash(stored: bytes | None, given: bytes) -> bool:
    return stored is not None and secrets.compare_digest(stored, given)
