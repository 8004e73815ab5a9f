"""Folder access as documents keeps it: a contact under each of their clients, listings, and
access withdrawn by identity's events. Every endpoint against every kind of user is the
platform's access matrix (tests/access/test_matrix.py), through the gateway."""

import asyncio
import uuid
from typing import Any

from shared.events.identity import ClientCreated
from tests.documents.integration.conftest import Portal

PDF = b"%PDF-1.4\n" + b"x" * 2000


async def world(portal: Portal) -> dict[str, Any]:
    firm = await portal.open_firm()
    foreign_firm = await portal.open_firm()
    client, other_client = await portal.client(firm), await portal.client(firm)
    foreign_client = await portal.client(foreign_firm)
    member = portal.staff(firm, "member")
    await portal.assign(member, client)
    people = {
        "owner": portal.staff(firm, "owner"),
        "admin": portal.staff(firm, "admin"),
        "member": member,
        "unassigned": portal.staff(firm, "member"),
        "reader": await portal.contact(firm, client),
        "uploader": await portal.contact(firm, client),
        "outsider": await portal.contact(firm, client),
        "other_client": await portal.contact(firm, other_client),
        "foreign_staff": portal.staff(foreign_firm, "owner"),
        "foreign_contact": await portal.contact(foreign_firm, foreign_client),
    }
    owner = people["owner"]
    read = await portal.folder(
        owner, client, level="read", audience=[str(people["reader"].user_id)]
    )
    upload = await portal.folder(
        owner, client, level="upload", audience=[str(people["uploader"].user_id)]
    )
    hidden = await portal.folder(owner, client, level="none", audience="all")
    docs = {
        "read": await portal.upload(owner, read["id"], "a.pdf", PDF),
        "upload": await portal.upload(owner, upload["id"], "b.pdf", PDF),
    }
    return {"people": people, "client": client, "read": read, "upload": upload,
            "hidden": hidden, "docs": docs}  # fmt: skip


async def status(portal: Portal, who: Any, method: str, url: str, **kw: Any) -> int:
    async with portal.http.request(method, url, headers=who.headers, **kw) as response:
        await response.read()
        return response.status


async def test_a_contact_sees_each_clients_folders_only_under_that_client(portal: Portal) -> None:
    firm = await portal.open_firm()
    owner = portal.staff(firm, "owner")
    first, second = await portal.client(firm), await portal.client(firm)
    both = await portal.contact(firm, first)
    await portal.link(firm, both.user_id, second)
    shared_folder = await portal.folder(owner, second, level="read", audience="all")
    acting_for_first = both
    acting_for_second = portal.as_contact(firm, both.user_id, second)
    url = f"/api/v1/folders/{shared_folder['id']}"
    assert await status(portal, acting_for_first, "GET", url) == 404
    assert await status(portal, acting_for_second, "GET", url) == 200
    listing = f"/api/v1/clients/{second}/folders"
    assert await status(portal, acting_for_first, "GET", listing) == 404


async def test_listing_shows_each_user_only_their_folders(portal: Portal) -> None:
    w = await world(portal)
    client = w["client"]
    seen = {}
    for who in ("owner", "reader", "uploader", "outsider"):
        async with portal.http.get(
            f"/api/v1/clients/{client}/folders", headers=w["people"][who].headers
        ) as response:
            seen[who] = {f["id"] for f in (await response.json())["folders"]}
    assert seen["owner"] == {w["read"]["id"], w["upload"]["id"], w["hidden"]["id"]}
    assert seen["reader"] == {w["read"]["id"]}
    assert seen["uploader"] == {w["upload"]["id"]}
    assert seen["outsider"] == set()


async def test_revoked_portal_access_and_unassignment_hide_everything(portal: Portal) -> None:
    from shared.events.identity import PortalAccessRevoked, StaffUnassigned

    w = await world(portal)
    reader, member = w["people"]["reader"], w["people"]["member"]
    url = f"/api/v1/folders/{w['read']['id']}"
    await portal.publish(PortalAccessRevoked(contact_id=reader.user_id), reader.firm_id)
    await portal.publish(
        StaffUnassigned(staff_id=member.user_id, client_id=w["client"]), member.firm_id
    )
    await portal.present(
        "SELECT 1 FROM contacts WHERE contact_id = $1 AND NOT portal_access", reader.user_id
    )
    await portal.present(
        "SELECT 1 FROM staff_assignments WHERE staff_id = $1 AND NOT assigned", member.user_id
    )
    assert await status(portal, reader, "GET", url) == 404
    assert await status(portal, member, "GET", url) == 404


async def test_a_contacts_listing_follows_their_standing(portal: Portal) -> None:
    """The contact's listing reads the standing in the same statement as the folders: a
    primary contact also lists the folders they manage without being in the audience, and
    a contact whose portal access identity revoked gets 404 for the listing, not an empty
    list."""
    from shared.events.identity import PortalAccessRevoked

    firm = await portal.open_firm()
    owner, client = portal.staff(firm, "owner"), await portal.client(firm)
    primary = await portal.contact(firm, client, primary=True)
    other = await portal.contact(firm, client)
    managed = await portal.folder(owner, client, level="none", audience="all",
                                  primary_manages=True)  # fmt: skip
    theirs = await portal.folder(owner, client, level="read", audience=[str(other.user_id)])
    listing = f"/api/v1/clients/{client}/folders"
    for who, expected in ((primary, {managed["id"]}), (other, {theirs["id"]})):
        async with portal.http.get(listing, headers=who.headers) as response:
            assert response.status == 200
            assert {f["id"] for f in (await response.json())["folders"]} == expected
    await portal.publish(PortalAccessRevoked(contact_id=other.user_id), firm)
    await portal.present(
        "SELECT 1 FROM contacts WHERE contact_id = $1 AND NOT portal_access", other.user_id
    )
    assert await status(portal, other, "GET", listing) == 404


async def test_a_folder_made_right_after_its_client_waits_for_the_client(portal: Portal) -> None:
    """Staff create a folder for a client the moment identity made it: documents waits for
    the ClientCreated on its way rather than answering that the client does not exist."""
    firm = await portal.open_firm()
    owner, client_id = portal.staff(firm, "owner"), uuid.uuid4()
    creating = asyncio.create_task(
        status(portal, owner, "POST", f"/api/v1/clients/{client_id}/folders", json={"name": "A"})
    )
    await asyncio.sleep(0.3)  # the request is waiting before the event is even published
    created = ClientCreated(client_id=client_id, kind="company", name="Ny AB",
                            organisation_number=None)  # fmt: skip
    await portal.publish(created, firm)
    assert await creating == 201
    unknown = f"/api/v1/clients/{uuid.uuid4()}/folders"
    assert await status(portal, owner, "GET", unknown) == 404


async def test_a_contact_not_heard_of_yet_is_503_to_retry_never_404(portal: Portal) -> None:
    """A contact's token names the client identity let them act for: a standing this replica
    has not heard of yet is identity's events still on the way."""
    firm = await portal.open_firm()
    client_id = await portal.client(firm)
    signed_in_a_moment_ago = portal.as_contact(firm, uuid.uuid4(), client_id)
    async with portal.http.get(
        f"/api/v1/clients/{client_id}/folders", headers=signed_in_a_moment_ago.headers
    ) as response:
        assert response.status == 503
        assert response.headers["Retry-After"] == "1"
        assert response.content_type == "application/problem+json"
