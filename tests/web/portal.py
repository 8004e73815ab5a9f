"""The platform behind a real gateway serving the built web app, and the firm-side set-up the
customer's browser tests start from (done over the API, as the firm's own pages will)."""

import asyncio
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from deploy.local.mail import MailCatcher
from deploy.local.s3 import S3Server
from tests.deploy.gateway import ROOT, free_port, local_values, nginx_running
from tests.support.infra import Postgres, Rabbit, wait_until
from tests.support.names import unique
from tests.support.platform import five_services
from tests.support.services import Environment, drop_buckets
from tests.support.tokens import JwksServer

DIST = ROOT / "web" / "dist"
PASSWORD = "kund-portalen-ar-trygg-2026"
TOKEN = r"#token=([\w-]+)"


@contextmanager
def readable_build() -> Any:
    """A copy of web/dist that nginx's workers (nobody, when started as root) can read."""
    if not (DIST / "index.html").exists():
        pytest.fail("web/dist is not built: run `npm run build` in web/ (scripts/test does)")
    folder = Path(tempfile.mkdtemp(prefix="portal-web-"))
    folder.chmod(0o755)
    shutil.copytree(DIST, folder / "dist")
    for path in (folder / "dist").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        yield folder / "dist"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Portal:
    url: str
    mail: MailCatcher
    http: aiohttp.ClientSession
    nginx_prefix: Path
    services: dict[str, str] = field(default_factory=dict)  # name → its own URL, not the gateway
    seen_mails: set[str] = field(default_factory=set)

    async def call(
        self, method: str, path: str, token: str | None = None, expect: int = 200, **kw: Any
    ) -> Any:
        headers = kw.pop("headers", {}) | ({"Authorization": f"Bearer {token}"} if token else {})
        async with self.http.request(method, self.url + path, headers=headers, **kw) as response:
            body = await response.read()
            assert response.status == expect, f"{method} {path}: {response.status} {body[:400]!r}"
            if not body:
                return None
            if response.content_type.endswith("json"):
                return await response.json(content_type=None)
            return body

    async def eventually(self, method: str, path: str, token: str, expect: int = 200, **kw: Any):
        """Retry while a service still learns the firm's facts from identity's events."""
        answer: dict[str, Any] = {}

        async def answered() -> bool:
            headers = {"Authorization": f"Bearer {token}"}
            async with self.http.request(method, self.url + path, headers=headers, **kw) as r:
                if r.status != expect:
                    return False
                answer["body"] = await r.json(content_type=None)
                return True

        await wait_until(answered, timeout=20, interval=0.2)
        return answer["body"]

    async def link(self, address: str, path: str) -> str:
        """The newest link to `path` (with its #token) mailed to `address`, read from the mail
        as a person would; each mail is used once."""
        found: dict[str, str] = {}
        pattern = re.compile(rf"(https?://[^\s]+{re.escape(path)}{TOKEN})")

        def arrived() -> bool:
            for message in reversed(self.mail.messages):
                key = (message.get("Message-ID") or str(id(message))) + path
                if address not in message.get("X-Envelope-To", "") or key in self.seen_mails:
                    continue
                text = message.get_body(preferencelist=("plain",)).get_content()
                match = pattern.search(text)
                if match:
                    self.seen_mails.add(key)
                    found["link"] = match.group(1)
                    return True
            return False

        await wait_until(arrived, timeout=20, interval=0.1)
        return found["link"]


@asynccontextmanager
async def running_portal(
    env: Environment, mail: MailCatcher, *, web: bool = True,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[Portal]:  # fmt: skip
    """The five services behind a real nginx gateway; `web` serves the built app at `/` too
    (tests of the API alone leave it out and need no build)."""
    port = free_port()
    public = {"public_url": f"http://127.0.0.1:{port}"}
    async with AsyncExitStack() as stack:
        services = await five_services(
            env, stack, smtp_port=mail.port, overrides=overrides, **public
        )
        ports = {name: int(s.url.rsplit(":", 1)[1]) for name, s in services.items()}
        web_root = stack.enter_context(readable_build()) if web else Path(tempfile.mkdtemp())
        prefix = Path(tempfile.mkdtemp(prefix="portal-gw-"))
        # nginx's workers (nobody) buffer large bodies in its temp dirs under the prefix.
        prefix.chmod(0o755)  # noqa: ASYNC240 (once per platform)
        s3 = env.s3_endpoint.removeprefix("http://")
        stack.enter_context(
            nginx_running(prefix, local_values(port, ports, s3=s3, web_root=web_root), port)
        )
        http = await stack.enter_async_context(aiohttp.ClientSession())
        direct = {name: running.url for name, running in services.items()}
        yield Portal(f"http://127.0.0.1:{port}", mail, http, prefix, direct)


@asynccontextmanager
async def portal_on(
    postgres: Postgres, rabbit: Rabbit, s3: S3Server, jwks: JwksServer, smtp: MailCatcher,
    **options: Any,
) -> AsyncIterator[Portal]:  # fmt: skip
    """`running_portal` in a namespace, databases and buckets of its own, removed after."""
    namespace = unique("gw") + "."
    env = Environment(
        amqp_url=rabbit.url, namespace=namespace, jwks_url=jwks.url, s3_endpoint=s3.endpoint,
        s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
        new_database=postgres.create_database,
    )  # fmt: skip
    try:
        async with running_portal(env, smtp, **options) as running:
            yield running
    finally:
        await rabbit.drop_queues(namespace)
        await asyncio.to_thread(drop_buckets, s3.client(), env.bucket_prefix)


@dataclass
class Customer:
    email: str
    password: str | None
    staff_token: str
    firm_id: str
    client_id: str
    contact_id: str
    folder_id: str | None = None
    owner: str = ""


async def firm_with_customer(
    portal: Portal, *, language: str = "en", register: bool = True, name: str = "Kund AB"
) -> Customer:
    """A new firm (signed up through the mailed link) with one client, whose primary contact
    has portal access; registered with PASSWORD unless told not to."""
    tag = uuid.uuid4().hex[:8]
    owner, email = f"owner-{tag}@firm.example", f"kund-{tag}@kund.example"
    await portal.call("POST", "/api/v1/firms", expect=202, json={
        "name": f"Byrå {tag}", "country": "SE", "plan": "partner", "default_language": language,
        "owner_name": "Anna Ägare", "owner_email": owner,
    })  # fmt: skip
    confirm = (await portal.link(owner, "/sign-up/confirm")).rsplit("#token=", 1)[1]
    firm = await portal.call("POST", "/api/v1/firms/confirm", expect=201,
                             json={"token": confirm, "password": PASSWORD})  # fmt: skip
    staff = firm["tokens"]["access_token"]
    client = await portal.call("POST", "/api/v1/clients", staff, expect=201, json={
        "kind": "company", "name": name, "contacts": [{
            "first_name": "Erik", "last_name": "Kund", "email": email,
            "roles": ["operational", "commercial"], "primary": True, "language": language,
        }],
    })  # fmt: skip
    contact_id = client["contacts"][0]["id"]
    await portal.call("PUT", f"/api/v1/contacts/{contact_id}/portal-access", staff,
                      json={"enabled": True})  # fmt: skip
    customer = Customer(email, None, staff, firm["tokens"]["context"]["firm_id"], client["id"],
                        contact_id, owner=owner)  # fmt: skip
    if register:
        token = (await portal.link(email, "/register")).rsplit("#token=", 1)[1]
        await portal.call("POST", "/api/v1/auth/register",
                          json={"token": token, "password": PASSWORD})  # fmt: skip
        customer.password = PASSWORD
    return customer


async def shared_folder(portal: Portal, customer: Customer, name: str = "Avtal") -> str:
    folder = await portal.eventually(
        "POST", f"/api/v1/clients/{customer.client_id}/folders", customer.staff_token,
        expect=201, json={"name": name, "level": "upload", "audience": "all"},
    )  # fmt: skip
    customer.folder_id = folder["id"]
    return folder["id"]


async def staff_upload(portal: Portal, customer: Customer, name: str, data: bytes) -> Any:
    return await portal.eventually(
        "POST", f"/api/v1/folders/{customer.folder_id}/documents", customer.staff_token,
        expect=201, params={"name": name}, data=data,
    )  # fmt: skip
