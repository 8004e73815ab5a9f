"""What a request may be made of: an unencrypted PDF not already in an active request, at least
one signer, eID only with a personal number."""

import uuid

from tests.signing.integration.conftest import World, party
from tests.signing.pdfs import encrypt, make_pdf


async def test_refusals_name_the_problem(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    text = await world.documents.add(firm, client, b"plain text", name="a.pdf")
    locked = await world.documents.add(firm, client, encrypt(make_pdf(2)))
    pdf = await world.pdf(firm, client)
    signer = [party("A", "a@x.se")]

    not_pdf = await world.create(owner, text, signer, expect=422)
    encrypted = await world.create(owner, locked, signer, expect=422)
    no_signer = await world.create(owner, pdf, [party("V", "v@x.se", role="viewer")], expect=422)
    eid = await world.create(owner, pdf, [party("E", "e@x.se", method="eid")], expect=422)
    unknown = await world.create(owner, uuid.uuid4(), signer, expect=404)
    await world.create(owner, pdf, signer)
    busy = await world.create(owner, pdf, signer, expect=409)

    assert "not a PDF" in not_pdf["detail"]
    assert "encrypted" in encrypted["detail"]
    assert no_signer["field"] == "parties"
    assert eid["field"] == "parties.0.method"
    assert unknown["status"] == 404
    assert "already" in busy["detail"]


async def test_a_draft_follows_a_new_version_until_sent(world: World) -> None:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    document = await world.pdf(firm, client, pages=2)
    created = await world.create(owner, document, [party("A", "a@x.se")])
    await world.documents.add(firm, client, make_pdf(4), document_id=document)
    sent = await world.send(owner, created["id"])
    assert sent["document_sha256"] != created["document_sha256"]
    assert sent["document_sha256"] == world.documents.docs[document].sha256
