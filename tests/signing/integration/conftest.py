"""The shared test world (tests/support/world.py) for signing: the signing app, the real billing
app and the documents double (real bus + real S3), with signing's own calls."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from minio import Minio

from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from services.signing.app import SigningDeps
from services.signing.app import create_app as signing_app
from services.signing.settings import SigningSettings
from shared.bus import Bus, BusNames
from shared.http.routing import DEPS
from tests.signing.hsm import Token
from tests.signing.integration.documents_double import DocumentsDouble
from tests.signing.pdfs import make_pdf
from tests.signing.trust import TestPki
from tests.support import world as support
from tests.support.bankid import BankIdServer
from tests.support.bus import kit_database
from tests.support.capture import capture
from tests.support.services import Environment, Running, serve
from tests.support.tokens import JwksServer


@dataclass(kw_only=True)
class World(support.World):
    """The shared world with signing's own calls; `service` is signing."""

    billing: Running
    documents: DocumentsDouble

    @property
    def signing(self) -> Running:
        return self.service

    @property
    def deps(self) -> SigningDeps:
        """The running signing service's dependencies, as its routes and jobs receive them."""
        deps = self.signing.app[DEPS]
        assert isinstance(deps, SigningDeps)
        return deps

    async def firm_opened(self, firm_id: uuid.UUID) -> bool:
        """Billing opens the firm's account with 2 credits."""
        rows = await self.sql(
            "SELECT 1 FROM accounts WHERE firm_id = $1", firm_id, app=self.billing.app
        )
        return bool(rows)

    async def credits(self, firm_id: uuid.UUID) -> tuple[int, int]:
        (row,) = await self.sql(
            "SELECT credits, credits_reserved FROM accounts WHERE firm_id = $1", firm_id,
            app=self.billing.app,
        )  # fmt: skip
        return row["credits"], row["credits_reserved"]

    async def pdf(self, firm_id: uuid.UUID, client_id: uuid.UUID, pages: int = 3) -> uuid.UUID:
        return await self.documents.add(firm_id, client_id, make_pdf(pages))

    async def create(
        self, headers: dict[str, str], document_id: uuid.UUID, parties: list[dict[str, Any]],
        expect: int = 201, **extra: Any,
    ) -> dict[str, Any]:  # fmt: skip
        body = {"document_id": str(document_id), "language": "sv", "parties": parties, **extra}
        response = await self.http.post("/api/v1/signings", json=body, headers=headers)
        assert response.status == expect, await response.text()
        return await response.json()

    async def send(
        self, headers: dict[str, str], signing_id: str, expect: int = 200
    ) -> dict[str, Any]:
        response = await self.http.post(f"/api/v1/signings/{signing_id}/send", headers=headers)
        assert response.status == expect, await response.text()
        return await response.json()

    async def invitation(self, email: str, count: int = 1) -> str:
        """The token of the `count`-th link sent to `email` (invitation or reminder)."""

        def links() -> list[str]:
            kinds = ("notify.send_signing_invitation", "notify.send_signing_reminder")
            return [
                m["data"]["link"] for m in self.captured.messages
                if m["type"] in kinds and m["data"]["email"] == email
            ]  # fmt: skip

        await self.until(lambda: len(links()) >= count)
        return token_of(links()[count - 1])

    async def code(self, email: str, count: int = 1) -> str:
        def codes() -> list[str]:
            return [d["code"] for d in self.captured.of("notify.send_signing_code")
                    if d["email"] == email]  # fmt: skip

        await self.until(lambda: len(codes()) >= count)
        return codes()[count - 1]

    def certificate_pem(self) -> bytes:
        return self.deps.sealer.certificate_pem


def token_of(link: str) -> str:
    """The token of a mailed link, which carries it in the fragment only."""
    page, token = link.split("#token=")
    assert "/api/" not in page
    assert token not in page
    return token


def party(name: str, email: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "email": email, **extra}


@pytest.fixture
async def world(env: Environment, jwks: JwksServer, postgres: Any) -> AsyncIterator[World]:
    async with AsyncExitStack() as stack:
        yield await start_world(env, jwks, postgres, stack)


@pytest.fixture
async def local_eid_world(
    env: Environment, jwks: JwksServer, postgres: Any
) -> AsyncIterator[World]:
    """Signing with the kit's local eID provider, confirming a fifth of a second after start."""
    async with AsyncExitStack() as stack:
        yield await start_world(env, jwks, postgres, stack, eid_confirm_seconds=0.2)


@pytest.fixture
async def bankid_world(
    env: Environment, jwks: JwksServer, postgres: Any, bankid: BankIdServer
) -> AsyncIterator[World]:
    """Signing as a relying party of the test's BankID stand-in (`bankid`)."""
    async with AsyncExitStack() as stack:
        yield await start_world(env, jwks, postgres, stack, **bankid.client_settings())


@pytest.fixture
async def evidence_world(
    env: Environment, jwks: JwksServer, postgres: Any, pki: TestPki, token: Token
) -> AsyncIterator[World]:
    """Sealing as in production: the key inside a SoftHSM2 token with a certificate from the
    test CA, timestamps from its TSA, validation data (its CRL) embedded."""
    label, cert_pem = token.new_key(pki)
    async with AsyncExitStack() as stack:
        yield await start_world(
            env, jwks, postgres, stack, sealing_certificate=cert_pem.decode(),
            pkcs11_module=token.module, pkcs11_token_label=token.label, pkcs11_key_label=label,
            pkcs11_pin=token.pin, pkcs11_raw_ecdsa=True, tsa_urls=[pki.tsa_url],
            trust_roots=pki.root_pem, tsa_timeout_seconds=2,
        )  # fmt: skip


async def start_world(
    env: Environment, jwks: JwksServer, postgres: Any, stack: AsyncExitStack, **overrides: Any
) -> World:
    settings = await env.settings(SigningSettings, **overrides)
    names = BusNames(settings.bus_namespace)
    captured = await stack.enter_async_context(capture(settings.amqp_url, names))
    billing = await stack.enter_async_context(
        serve(billing_app(await env.settings(BillingSettings)))
    )
    bus = Bus(settings.amqp_url, names, name="signing-tests")
    await bus.start()
    stack.push_async_callback(bus.stop)
    db = await stack.enter_async_context(kit_database(await postgres.create_database("docs")))
    s3 = Minio(env.s3_endpoint, access_key=env.s3_access_key, secret_key=env.s3_secret_key,
               secure=False)  # fmt: skip
    documents = DocumentsDouble(s3, f"{settings.bucket}-docs"[:63])
    await documents.start(settings.amqp_url, names, db)
    stack.push_async_callback(documents.stop)
    signing = await stack.enter_async_context(serve(signing_app(settings)))
    await asyncio.sleep(0)
    return World(
        service=signing, bus=bus, captured=captured, jwks=jwks, billing=billing,
        documents=documents,
    )  # fmt: skip
