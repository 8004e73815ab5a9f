"""Evidence that holds up, through the service: a request with names in six scripts and two
drawn signatures is sealed with the key inside SoftHSM2, timestamped by the test TSA and given
the CA's CRL; pyHanko validates the stored file offline; the public verify endpoint says
"intact" for it (with who signed, in which order, how) and "changed" for a copy with one byte
altered. A TSA that does not answer leaves the request visibly unsealed until the completion
job succeeds."""

import base64
import io
import unicodedata
import uuid
from contextlib import AsyncExitStack
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, async_validate_pdf_signature
from pypdf import PdfReader

from services.signing import jobs
from services.signing.certificates import certificates
from tests.signing.integration.conftest import World, party, start_world
from tests.signing.integration.helpers import act
from tests.signing.pdfs import make_pdf
from tests.signing.trust import TestPki
from tests.signing.unit.test_evidence import NAMES, drawn_png, one_byte_changed
from tests.support.services import Environment
from tests.support.tokens import JwksServer


async def sign_six(world: World) -> tuple[uuid.UUID, str, bytes]:
    """Six parties, two at each of three steps; the first two draw their signature."""
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    document = await world.documents.add(firm, client, make_pdf(4))
    emails = [f"p{i}-{uuid.uuid4().hex[:6]}@example.se" for i in range(6)]
    people = [
        party(n, e, order=1 + i // 2) for i, (n, e) in enumerate(zip(NAMES, emails, strict=True))
    ]
    created = await world.create(owner, document, people, language="en")
    await world.send(owner, created["id"])
    answer: dict[str, Any] = {}
    for i, email in enumerate(emails):
        body = {"drawn_signature": base64.b64encode(drawn_png(i)).decode()} if i < 2 else {}
        answer = await act(world, await world.invitation(email), body=body)
    assert answer["request_state"] == "completed"
    (sealed,) = world.documents.stored.values()
    return firm, created["id"], sealed


async def get_json(world: World, path: str, headers: dict[str, str]) -> Any:
    response = await world.http.get(path, headers=headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def verify(world: World, pdf: bytes, expect: int = 200) -> dict[str, Any]:
    response = await world.http.post(
        "/api/v1/verify", data=pdf, headers={"Content-Type": "application/pdf"}
    )
    assert response.status == expect, await response.text()
    return await response.json()


async def offline(pdf: bytes, pki: TestPki) -> Any:
    reader = PdfFileReader(io.BytesIO(pdf))
    dss = DocumentSecurityStore.read_dss(reader)
    context = {"trust_roots": certificates(pki.root_pem.encode()), "allow_fetching": False,
               "revocation_mode": "require"}  # fmt: skip
    return await async_validate_pdf_signature(
        reader.embedded_signatures[0], dss.as_validation_context(context),
        ts_validation_context=dss.as_validation_context(context),
    )  # fmt: skip


async def test_a_sealed_pdf_in_six_scripts_validates_offline_and_verifies_as_intact(
    evidence_world: World, pki: TestPki
) -> None:
    world = evidence_world
    _, _, sealed = await sign_six(world)
    pki.stop()  # from here on, nothing can be fetched: the file must carry it all

    status = await offline(sealed, pki)
    pages = PdfReader(io.BytesIO(sealed)).pages[4:]
    text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in pages))

    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
    assert status.signing_cert.dump() == world.deps.sealer.certificate.dump()
    for name in NAMES:
        assert name in text
    assert sum(len(p.images) for p in pages) == 2

    intact = await verify(world, sealed)
    assert (intact["verdict"], intact["sealed_by_platform"]) == ("intact", True)
    assert intact["timestamped_at"] is not None
    assert intact["long_term_validation"] is True
    assert [p["name"] for p in intact["parties"]] == NAMES
    assert [p["order"] for p in intact["parties"]] == [1, 1, 2, 2, 3, 3]
    assert {p["method"] for p in intact["parties"]} == {"click"}

    changed = await verify(world, one_byte_changed(sealed))
    assert (changed["verdict"], changed["sealed_by_platform"]) == ("changed", True)
    assert changed["parties"] == []
    assert changed["document_name"] is None


async def test_verify_refuses_what_is_no_pdf_too_large_or_too_often(
    env: Environment, jwks: JwksServer, postgres: Any
) -> None:
    async with AsyncExitStack() as stack:
        world = await start_world(
            env, jwks, postgres, stack, verify_max_bytes=5000, limit_verify_per_address=4
        )
        unsealed = await verify(world, make_pdf(1))
        not_pdf = await verify(world, b"hello, not a pdf", expect=422)
        too_large = await verify(world, make_pdf(40), expect=413)
        await verify(world, make_pdf(1))
        too_often = await verify(world, make_pdf(1), expect=429)

    assert (unsealed["verdict"], unsealed["sealed_by_platform"]) == ("not_sealed", False)
    assert not_pdf["field"] == "body"
    assert too_large["field"] == "body"
    assert too_often["status"] == 429


async def test_a_timestamp_authority_that_does_not_answer_leaves_the_request_unsealed_and_retried(
    env: Environment, jwks: JwksServer, postgres: Any
) -> None:
    tsa = TestPki()  # bound but not serving yet: requests wait, then time out
    async with AsyncExitStack() as stack:
        stack.callback(tsa.stop)
        world = await start_world(
            env, jwks, postgres, stack, tsa_urls=[tsa.tsa_url], tsa_timeout_seconds=0.5
        )
        firm, client = await world.open_firm(), uuid.uuid4()
        owner = world.staff_token(firm)
        document = await world.documents.add(firm, client, make_pdf(2))
        created = await world.create(owner, document, [party("Ana", "ana@example.se")])
        await world.send(owner, created["id"])
        last = await act(world, await world.invitation("ana@example.se"))
        await jobs.complete_due(world.deps)  # a second failed try: recorded once
        waiting = await get_json(world, f"/api/v1/signings/{created['id']}", owner)
        attention = await get_json(world, "/api/v1/signings/needs-attention", owner)

        tsa.start()
        finished = await jobs.complete_due(world.deps)
        done = await get_json(world, f"/api/v1/signings/{created['id']}", owner)

    assert last["request_state"] == "sent"
    assert waiting["state"] == "sent"
    assert "no timestamp authority answered" in waiting["unsealed"]
    assert [a["action"] for a in waiting["audit"]].count("unsealed") == 1
    assert [i["reason"] for i in attention["items"]] == ["unsealed"]
    assert finished == 1
    assert (done["state"], done["unsealed"]) == ("completed", None)
    assert tsa.tsa_requests >= 1
