"""Order of parties, and what a link may do: only its party, only while the request is active."""

import base64
import hashlib
import io
import struct
import uuid
import zlib
from typing import Any

from services.signing import files
from shared.service import SETTINGS, STORE
from tests.signing.integration.conftest import World, party, token_of
from tests.signing.integration.helpers import act
from tests.support.infra import wait_until


async def started(
    world: World, parties: list[dict[str, Any]]
) -> tuple[uuid.UUID, dict[str, str], dict[str, Any]]:
    firm, client = await world.open_firm(), uuid.uuid4()
    owner = world.staff_token(firm)
    created = await world.create(owner, await world.pdf(firm, client), parties)
    await world.send(owner, created["id"])
    return firm, owner, created


async def test_order_two_is_invited_only_after_all_of_order_one_signed_in_any_order(
    world: World,
) -> None:
    await started(world, [
        party("A", "a@example.se", order=1), party("B", "b@example.se", order=1),
        party("C", "c@example.se", order=2),
    ])  # fmt: skip
    a, b = await world.invitation("a@example.se"), await world.invitation("b@example.se")
    await act(world, b)
    await world.all_published()
    invited_early = [d["email"] for d in world.captured.of("notify.send_signing_invitation")]
    await act(world, a)
    c = await world.invitation("c@example.se")
    view = await (await world.http.get(f"/api/v1/sign/{c}")).json()

    assert "c@example.se" not in invited_early
    assert view["may_act_now"] is True
    assert [p["status"] for p in view["parties"]] == ["signed", "signed", "invited"]


async def test_an_approver_of_order_one_acts_before_the_signer_of_order_two(world: World) -> None:
    _, owner, created = await started(world, [
        party("Approver", "ap@example.se", role="approver", order=1),
        party("Signer", "si@example.se", order=2),
    ])  # fmt: skip
    await world.all_published()
    assert {d["email"] for d in world.captured.of("notify.send_signing_invitation")} == {
        "ap@example.se"
    }
    await act(world, await world.invitation("ap@example.se"))
    await act(world, await world.invitation("si@example.se"))
    detail = await (await world.http.get(f"/api/v1/signings/{created['id']}", headers=owner)).json()
    actions = [a["action"] for a in detail["audit"]]
    assert actions.index("approved") < actions.index("signed")
    assert detail["state"] == "completed"


async def test_the_mailed_link_carries_the_token_only_after_the_hash(world: World) -> None:
    """Browsers never send a fragment: the token reaches no server's log by opening the mail."""
    await started(world, [party("A", "a@example.se")])
    token = await world.invitation("a@example.se")
    (invitation,) = world.captured.of("notify.send_signing_invitation")
    public_url = world.signing.app[SETTINGS].public_url.rstrip("/")

    assert invitation["link"] == f"{public_url}/sign#token={token}"
    assert (await world.http.get(f"/api/v1/sign/{token}")).status == 200


async def test_a_link_is_dead_after_its_party_signed_and_unknown_links_are_404(
    world: World,
) -> None:
    await started(world, [party("A", "a@example.se"), party("B", "b@example.se", order=2)])
    a = await world.invitation("a@example.se")
    await act(world, a)
    again = await world.http.post(f"/api/v1/sign/{a}/sign", json={})
    unknown = await world.http.get("/api/v1/sign/not-a-real-token")
    assert again.status == 410
    assert unknown.status == 404


async def test_links_answer_410_after_decline_and_after_cancel(world: World) -> None:
    _, owner, _ = await started(world, [party("A", "a@example.se"), party("B", "b@example.se")])
    a, b = await world.invitation("a@example.se"), await world.invitation("b@example.se")
    declined = await act(world, a, "decline", {"reason": "Wrong amount"})
    after_decline = await world.http.get(f"/api/v1/sign/{b}")

    _, owner, other = await started(world, [party("C", "c@example.se")])
    c = await world.invitation("c@example.se")
    cancel = await world.http.post(f"/api/v1/signings/{other['id']}/cancel", json={}, headers=owner)
    after_cancel = await world.http.post(f"/api/v1/sign/{c}/sign", json={})

    assert declined == {"status": "declined", "request_state": "declined"}
    assert after_decline.status == 410
    assert cancel.status == 200
    assert after_cancel.status == 410


async def test_a_cancelled_request_tells_the_parties_who_were_sent_a_link(world: World) -> None:
    _, owner, created = await started(world, [
        party("A", "a@example.se", order=1), party("B", "b@example.se", order=2),
    ])  # fmt: skip
    await world.invitation("a@example.se")
    cancel = await world.http.post(f"/api/v1/signings/{created['id']}/cancel",
                                   json={"reason": "Wrong version"}, headers=owner)  # fmt: skip
    await wait_until(lambda: world.captured.of("notify.send_signing_cancelled"))
    await world.all_published()

    assert cancel.status == 200
    (told,) = world.captured.of("notify.send_signing_cancelled")
    assert (told["email"], told["reason"]) == ("a@example.se", "Wrong version")


async def test_links_answer_410_after_completion_and_the_copy_link_downloads_the_seal(
    world: World,
) -> None:
    _, owner, created = await started(
        world, [party("A", "a@example.se"), party("V", "v@example.se", role="viewer")]
    )
    a = await world.invitation("a@example.se")
    await act(world, a)
    after = await world.http.get(f"/api/v1/sign/{a}/document")
    # The copies are commands relayed from the outbox: they arrive shortly after the answer.
    await wait_until(lambda: len(world.captured.of("notify.send_signed_copy")) >= 2)
    copies = world.captured.of("notify.send_signed_copy")
    copy = await world.http.get(f"/api/v1/sign/{token_of(copies[0]['link'])}/copy")
    (stored,) = world.documents.stored.values()

    assert after.status == 410
    assert {c["email"] for c in copies} == {"a@example.se", "v@example.se"}
    public_url = world.signing.app[SETTINGS].public_url.rstrip("/")
    assert {c["link"].split("#token=")[0] for c in copies} == {f"{public_url}/signed-copy"}
    assert copy.status == 200
    assert await copy.read() == stored
    assert copy.headers["ETag"] == f'"{hashlib.sha256(stored).hexdigest()}"'
    assert copy.headers["Content-Length"] == str(len(stored))
    assert copy.headers["Content-Disposition"].startswith('inline; filename="')
    # Staff download the same sealed PDF, under the same name.
    staff = await world.http.get(f"/api/v1/signings/{created['id']}/signed.pdf", headers=owner)
    assert await staff.read() == stored
    assert staff.headers["Content-Disposition"] == copy.headers["Content-Disposition"]


async def test_tampered_bytes_stop_signing_with_a_clear_error(world: World) -> None:
    _, owner, created = await started(world, [party("A", "a@example.se")])
    store = world.signing.app[STORE]
    forged = b"%PDF-1.4 forged"
    await store.run(
        store.client.put_object, store.bucket, files.original_key(uuid.UUID(created["id"])),
        io.BytesIO(forged), len(forged),
    )  # fmt: skip
    response = await world.http.post(
        f"/api/v1/sign/{await world.invitation('a@example.se')}/sign", json={}
    )
    problem = await response.json()
    attention = await (
        await world.http.get("/api/v1/signings/needs-attention", headers=owner)
    ).json()

    assert response.status == 409
    assert "no longer match" in problem["detail"]
    assert created["document_sha256"] in problem["detail"]
    assert [(i["id"], i["reason"]) for i in attention["items"]] == [(created["id"], "halted")]
    assert not world.documents.stored


def _png(width: int = 4, height: int = 2) -> bytes:
    """A real (greyscale) PNG, as a signing pad would send."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip


async def test_a_drawn_signature_must_be_a_base64_png(world: World) -> None:
    await started(world, [party("A", "a@example.se")])
    token = await world.invitation("a@example.se")
    for drawn in ("not base64!", "ä" * 12, base64.b64encode(b"GIF89a...").decode()):
        refused = await act(world, token, body={"drawn_signature": drawn}, expect=422)
        assert refused["field"] == "drawn_signature"
    signed = await act(world, token, body={"drawn_signature": base64.b64encode(_png()).decode()})
    assert signed["request_state"] == "completed"
