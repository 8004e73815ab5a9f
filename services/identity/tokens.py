"""Signing keys (Ed25519, private halves encrypted at rest), access tokens and secret tokens."""

import hashlib
import os
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from jwt.algorithms import OKPAlgorithm

from services.identity import store
from services.identity.models import Context
from shared.auth import ACCESS_TOKEN_TYPE, ALGORITHM
from shared.database import Connection, Database

ROTATION_LOCK = 0x6964656E746B6579  # one replica creates or rotates keys at a time


def new_secret() -> str:
    """A random token of 256 bits for links and refresh tokens; only its digest is stored."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def session_of(token_id: str) -> uuid.UUID | None:
    """Access tokens' `jti` is `<session id>.<random>`, so revocation is one row lookup."""
    try:
        return uuid.UUID(token_id.split(".", 1)[0])
    except ValueError:
        return None


class Sealer:
    """AES-256-GCM over the private key bytes, the key id bound in as associated data."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(hashlib.sha256(secret.encode()).digest())

    def seal(self, kid: str, plain: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plain, kid.encode())

    def open(self, kid: str, sealed: bytes) -> bytes:
        return self._aead.decrypt(sealed[:12], sealed[12:], kid.encode())


class KeyStore:
    """Identity's own key set: signs with the newest key, verifies with every published one.

    Acts as the kit's `KeySource`, so identity verifies its tokens without calling itself.
    """

    def __init__(self, secret: str, *, token_seconds: int, rotation_days: int) -> None:
        self.sealer = Sealer(secret)
        self.token_seconds = token_seconds
        self.rotation = timedelta(days=rotation_days)
        self.db: Database | None = None
        self._public: dict[str, Ed25519PublicKey] = {}
        self._current: tuple[str, Ed25519PrivateKey] | None = None
        self._loaded_at = float("-inf")

    async def attach(self, db: Database) -> None:
        """Open the store on the database at start: make sure a current key exists, load all."""
        self.db = db
        async with db.transaction() as conn:
            await self.rotate_if_due(conn, datetime.now(UTC))
        await self.load()

    async def key(self, kid: str) -> Any | None:
        if kid not in self._public and time.monotonic() - self._loaded_at > 1.0:
            await self.load()
        return self._public.get(kid)

    async def load(self) -> None:
        assert self.db is not None, "KeyStore used before the database was attached"
        async with self.db.transaction(readonly=True) as conn:
            rows = await store.list_signing_keys(conn, self.grace())
        self._public = {row["kid"]: _public_key(row["public_jwk"]) for row in rows}
        current = next((row for row in rows if row["retired_at"] is None), None)
        if current is not None:
            private = self.sealer.open(current["kid"], current["private_key"])
            self._current = (current["kid"], Ed25519PrivateKey.from_private_bytes(private))
        self._loaded_at = time.monotonic()

    def grace(self) -> timedelta:
        # A replica that has not yet seen a rotation may sign with the old key a little longer.
        return timedelta(seconds=self.token_seconds + 300)

    async def rotate_if_due(self, conn: Connection, now: datetime, *, force: bool = False) -> bool:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROTATION_LOCK)
        newest = await store.get_current_key_created(conn)
        if newest is not None and newest > now - self.rotation and not force:
            return False
        await store.retire_signing_keys(conn, now)
        await self._create(conn)
        return True

    async def _create(self, conn: Connection) -> None:
        private = Ed25519PrivateKey.generate()
        kid = uuid.uuid4().hex[:16]
        raw = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        jwk = {
            **OKPAlgorithm.to_jwk(private.public_key(), as_dict=True),
            "kid": kid,
            "alg": ALGORITHM,
            "use": "sig",
        }
        await store.insert_signing_key(conn, kid, self.sealer.seal(kid, raw), jwk)

    async def jwks(self) -> list[dict[str, Any]]:
        await self.load()
        return [
            {**OKPAlgorithm.to_jwk(key, as_dict=True), "kid": kid, "alg": ALGORITHM, "use": "sig"}
            for kid, key in self._public.items()
        ]

    def sign(self, claims: dict[str, Any]) -> str:
        assert self._current is not None, "no signing key loaded"
        kid, private = self._current
        headers = {"kid": kid, "typ": ACCESS_TOKEN_TYPE}
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers=headers)


def _public_key(jwk: dict[str, Any]) -> Ed25519PublicKey:
    return jwt.PyJWK(jwk, algorithm=ALGORITHM).key  # type: ignore[no-any-return]


def access_claims(
    context: Context, session_id: uuid.UUID, *, issuer: str, audience: str, now: int, ttl: int
) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": str(context.person_id),
        "firm_id": str(context.firm_id),
        "kind": context.kind,
        "role": context.role,
        "iat": now,
        "exp": now + ttl,
        "jti": f"{session_id}.{secrets.token_hex(8)}",
        "sid": str(session_id),
    }
    if context.client_id is not None:
        claims["client_id"] = str(context.client_id)
    return claims
