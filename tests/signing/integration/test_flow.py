"""The main path through HTTP and the bus: create, send, sign in order, seal, store back."""

import io
import uuid

from pypdf import PdfReader

from tests.signing.integration.conftest import World, party
from tests.support.infra import wait_until


async def click_sign(world: World, token: str, expect: int = 200) -> dict:
    response = await world.http.post(f"/api/v1/sign/{token}/sign", json={})
    assert response.status == expect, await response.text()
    return await response.json()


async def test_two_click_signers_in_order_complete_and_the_signed_pdf_comes_back(
    world: World,
) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    document = await world.pdf(firm, client, pages=10)
    created = await world.create(owner, document, [
        party("Anna Andersson", "anna@example.se", order=1),
        party("Björn Berg", "bjorn@example.se", order=2),
    ])  # fmt: skip
    sent = await world.send(owner, created["id"])
    first = await world.invitation("anna@example.se")
    assert sent["state"] == "sent"
    assert not world.captured.of("notify.send_signing_invitation")[1:]

    assert (await click_sign(world, first))["request_state"] == "sent"
    second = await world.invitation("bjorn@example.se")
    done = await click_sign(world, second)

    assert done["request_state"] == "completed"
    (stored,) = world.documents.stored.values()
    await wait_until(lambda: world.captured.of("signing.request.completed"))
    assert world.captured.of("signing.request.completed")[0]["signed_document_id"] in {
        str(k) for k in world.documents.stored
    }
    assert len(PdfReader(io.BytesIO(stored)).pages) == 11
