"""Verification of identity's access tokens (ARCHITECTURE.md §4); signing stays in identity.

Only EdDSA is accepted, whatever the token's header names (PyJWT once took an Ed25519 public
key as an HMAC secret, CVE-2022-29217); `kid` only selects a key from identity's own key set;
`iss`, `aud`, `exp` and `typ` are checked. A token that claims a longer life than identity
issues is refused, and one whose session or person has been revoked is refused by the deny
list the verifier is given (shared/revocation.py).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from uuid import UUID

import aiohttp
import jwt
from aiohttp import web

from shared.errors import Unauthorized, Unavailable

log = logging.getLogger(__name__)

ACCESS_TOKEN_TYPE = "at+jwt"
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Principal:
    """Who is calling, in which firm. A contact's token also names the client they act for."""

    user_id: UUID
    firm_id: UUID
    kind: Literal["staff", "contact"]
    role: str | None
    client_id: UUID | None
    token_id: str
    # The token's `sid` (None in tokens identity issued before it carried one) and `iat`: what
    # the deny list compares (shared/revocation.py).
    session_id: UUID | None = None
    issued_at: int = 0

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def sees_every_client(self) -> bool:
        """Owners and admins see every client of the firm (ARCHITECTURE §4)."""
        return self.is_staff and self.role in ADMIN_ROLES


PRINCIPAL = web.RequestKey("principal", Principal)


# The staff roles that administer the firm: every client, staff, settings and billing.
ADMIN_ROLES = ("owner", "admin")


def staff_sees_client(role: str | None, assigned: bool) -> bool:
    """The one rule of who among the firm's staff sees a client: owners and admins every
    client, a member only the clients assigned to them."""
    return role in ADMIN_ROLES or (role == "member" and assigned)


class KeySource(Protocol):
    async def key(self, kid: str) -> Any | None: ...


class JwksKeys:
    """Identity's public keys, fetched from its JWKS URL and cached.

    An unknown `kid` triggers a refresh (a key was rotated in), at most once per
    `min_refresh_seconds`, so a flood of made-up kids cannot hammer identity. While the last
    fetch failed, a key not in hand is "cannot tell yet" (503, to retry), not a bad token (401):
    a replica whose first fetch timed out behind a busy identity refused valid tokens for
    seconds (bench.load).
    """

    def __init__(
        self, url: str, *, max_age_seconds: float = 300.0, min_refresh_seconds: float = 5.0
    ) -> None:
        self.url = url
        self.max_age = max_age_seconds
        self.min_refresh = min_refresh_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._failed = False
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session:
            await self._session.close()

    async def key(self, kid: str) -> Any | None:
        age = time.monotonic() - self._fetched_at
        if age > self.max_age or (kid not in self._keys and age > self.min_refresh):
            await self._refresh()
        key = self._keys.get(kid)
        if key is None and self._failed:
            raise Unavailable("The service cannot check access tokens just now; try again.")
        return key

    async def _refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < self.min_refresh:
                return
            try:
                self._keys = await self._fetch()
                self._failed = False
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("JWKS fetch from %s failed: %s", self.url, exc)
                self._failed = True
            self._fetched_at = time.monotonic()

    async def _fetch(self) -> dict[str, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        async with self._session.get(self.url) as response:
            response.raise_for_status()
            document = await response.json()
        keys = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
                keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
        return keys


class DenyCheck(Protocol):
    def check(self, principal: Principal) -> None:
        """Raise (Unauthorized, or Unavailable while not current) if it may not be served."""


class TokenVerifier:
    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        max_lifetime: int | None = None,
        deny: DenyCheck | None = None,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime
        self.deny = deny

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthorized("The access token is malformed.") from None
        if header.get("typ") != ACCESS_TOKEN_TYPE or header.get("alg") != ALGORITHM:
            raise Unauthorized("This is not an access token.")
        key = await self.keys.key(str(header.get("kid", "")))
        if key is None:
            raise Unauthorized("The access token was signed by an unknown key.")
        claims = self._decode(token, key)
        principal = _principal(claims)
        if (
            self.max_lifetime is not None
            and claims["exp"] - principal.issued_at > self.max_lifetime
        ):
            # Revocations are remembered only as long as the longest lifetime identity issues.
            raise Unauthorized("The access token claims too long a life.")
        if self.deny is not None:
            self.deny.check(principal)
        return principal

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired.") from None
        except jwt.InvalidTokenError:
            raise Unauthorized("The access token is invalid.") from None


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        return Principal(
            user_id=UUID(claims["sub"]),
            firm_id=UUID(claims["firm_id"]),
            kind=claims["kind"],
            role=claims.get("role"),
            client_id=UUID(claims["client_id"]) if claims.get("client_id") else None,
            token_id=str(claims["jti"]),
            session_id=UUID(claims["sid"]) if claims.get("sid") else None,
            issued_at=int(claims["iat"]),
        )
    except (KeyError, ValueError, TypeError):
        raise Unauthorized("The access token lacks required claims.") from None


RevocationCheck = Callable[[web.Application, Principal], Awaitable[bool]]


def authentication(
    verifier: TokenVerifier, revoked: RevocationCheck | None = None
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware: a bearer token, if present, must verify; its principal goes on the request.

    Requests without a token pass through anonymous; routes decide whether they need one.
    """

    @web.middleware
    async def authenticate(request: web.Request, handler: Any) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token:
            principal = await verifier.verify(token.strip())
            if revoked is not None and await revoked(request.app, principal):
                raise Unauthorized("The session has been signed out.")
            request[PRINCIPAL] = principal
        return await handler(request)

    return authenticate
