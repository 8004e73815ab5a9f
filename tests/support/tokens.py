"""Ed25519 access tokens as identity issues them, and a JWKS server to verify them against."""

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

ISSUER = "portal-identity"
AUDIENCE = "portal"


@dataclass
class SigningKey:
    kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def jwk(self) -> dict[str, Any]:
        public = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"}


def mint(
    key: SigningKey,
    *,
    sub: uuid.UUID | None = None,
    firm_id: uuid.UUID | None = None,
    kind: str = "staff",
    role: str | None = "owner",
    expires_in: int = 900,
    **claims: Any,
) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(sub or uuid.uuid4()),
        "firm_id": str(firm_id or uuid.uuid4()),
        "kind": kind,
        "role": role,
        "iat": now,
        "exp": now + expires_in,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(
        payload, key.private, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"}
    )


class JwksServer:
    """Serves the current key set; tests rotate keys in and out of `keys`."""

    def __init__(self) -> None:
        self.keys: list[SigningKey] = [SigningKey()]
        self.fetches = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, port: int = 0) -> None:
        """On `port`, or a free one; a test that stopped the server starts it again on its own."""
        app = web.Application()
        app.router.add_get("/jwks.json", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/jwks.json"

    async def _serve(self, request: web.Request) -> web.Response:
        self.fetches += 1
        return web.json_response({"keys": [k.jwk() for k in self.keys]})

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


def bearer(key: SigningKey, **claims: Any) -> dict[str, str]:
    """Request headers carrying a token `mint` made."""
    return {"Authorization": f"Bearer {mint(key, **claims)}"}
