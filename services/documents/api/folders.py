"""Folders of a client: a tree, each with its customer access rules."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from aiohttp import web

from services.documents import domain
from services.documents.access import require_client, require_folder
from services.documents.models import (
    AccessChange,
    FolderChange,
    FolderCreate,
    FolderList,
    FolderOut,
    FolderRow,
    NewFolder,
    RulesIn,
)
from services.documents.store import folders as store
from shared.auth import Principal
from shared.bus import put
from shared.database import Connection
from shared.errors import Conflict, Invalid
from shared.events.documents import FolderCreated, FolderDeleted, FolderRules, FolderUpdated
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.documents.app import DocumentsDeps

api = Api("folders")
NAME_TAKEN = "A folder with this name already exists here."


@api.get(
    "/api/v1/clients/{client_id}/folders",
    summary="The client's folders this user may see, with document counts and sizes",
    response=FolderList,
    errors=(404, 503),
)
async def list_folders(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> FolderList:
    client_id = path_uuid(request, "client_id")
    if principal.kind == "contact" and principal.client_id == client_id:
        listed = await _contact_listing(deps, principal, client_id)
        if listed is not None:
            return listed
    async with deps.db.transaction(readonly=True) as conn:
        standing = await require_client(
            conn, principal, client_id, wait=deps.settings.replica_wait_seconds
        )
        rows = await store.list_folders(conn, principal.firm_id, client_id)
        if standing is not None:
            rows = [r for r in rows if domain.contact_sees_folder(r.rules, standing)]
    return FolderList(folders=[FolderOut.of(r) for r in rows])


async def _contact_listing(
    deps: DocumentsDeps, principal: Principal, client_id: UUID
) -> FolderList | None:
    """A contact's listing of their own client in one statement; None when their standing is
    not yet known or admits nothing, which the general path answers (waits, 503 or 404)."""
    standing, rows = await deps.db.read(
        lambda conn: store.list_folders_with_standing(
            conn, principal.firm_id, client_id, principal.user_id
        )
    )
    if standing is None or not (standing.portal_access and standing.linked):
        return None
    folders = []
    for row in rows:
        rules = domain.Rules(
            row["level"], row["audience_all"], frozenset(row["audience"]), row["primary_manages"]
        )
        if domain.contact_sees_folder(rules, standing):
            folders.append(FolderOut.listed(row, rules))
    return FolderList.model_construct(folders=folders)


@api.post(
    "/api/v1/clients/{client_id}/folders",
    summary="Create a folder (a subfolder starts with a copy of its parent's rules)",
    access="staff",
    body=FolderCreate,
    response=FolderOut,
    status=201,
    errors=(404, 409, 422, 503),
)
async def create_folder(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: FolderCreate
) -> FolderOut:
    client_id = path_uuid(request, "client_id")
    async with deps.db.transaction() as conn:
        await require_client(conn, principal, client_id, wait=deps.settings.replica_wait_seconds)
        parent = await _parent(conn, principal, client_id, body.parent_id)
        rules = _rules(parent.rules if parent else domain.Rules(), body)
        new = NewFolder(
            id=uuid4(), firm_id=principal.firm_id, client_id=client_id,
            parent_id=body.parent_id, name=body.name, rules=rules,
        )  # fmt: skip
        row = await store.insert_folder(conn, new)
        if row is None:
            raise Conflict(NAME_TAKEN, field="name")
        await put(conn, FolderCreated(**_described(row)), firm_id=row.firm_id,
                  actor=principal.user_id)  # fmt: skip
    return FolderOut.of(row)


@api.get(
    "/api/v1/folders/{folder_id}",
    summary="One folder",
    response=FolderOut,
    errors=(404,),
)
async def get_folder(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal
) -> FolderOut:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction(readonly=True) as conn:
        seen = await require_folder(conn, principal, folder_id, "see")
    return FolderOut.of(seen.folder)


@api.patch(
    "/api/v1/folders/{folder_id}",
    summary="Rename, move, or change the rules of a folder",
    access="staff",
    body=FolderChange,
    response=FolderOut,
    errors=(404, 409, 422),
)
async def change_folder(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: FolderChange
) -> FolderOut:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction() as conn:
        folder = (await require_folder(conn, principal, folder_id)).folder
        parent_id = await _new_parent(conn, principal, folder, body)
        return await _save(
            conn, principal, folder, body.name or folder.name, parent_id, _rules(folder.rules, body)
        )


@api.put(
    "/api/v1/folders/{folder_id}/access",
    summary="Change level and audience (staff, or the primary contact where allowed)",
    body=AccessChange,
    response=FolderOut,
    errors=(404, 409, 422),
)
async def change_access(
    request: web.Request, *, deps: DocumentsDeps, principal: Principal, body: AccessChange
) -> FolderOut:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction() as conn:
        folder = (await require_folder(conn, principal, folder_id, "manage")).folder
        rules = _rules(folder.rules, RulesIn(level=body.level, audience=body.audience))
        return await _save(conn, principal, folder, folder.name, folder.parent_id, rules)


@api.delete(
    "/api/v1/folders/{folder_id}",
    summary="Delete an empty folder",
    access="staff",
    status=204,
    errors=(404, 409),
)
async def delete_folder(request: web.Request, *, deps: DocumentsDeps, principal: Principal) -> None:
    folder_id = path_uuid(request, "folder_id")
    async with deps.db.transaction() as conn:
        folder = (await require_folder(conn, principal, folder_id, lock=True)).folder
        if not await store.folder_is_empty(conn, principal.firm_id, folder_id):
            raise domain.FolderNotEmpty()
        await store.delete_folder(conn, principal.firm_id, folder_id)
        await put(conn, FolderDeleted(folder_id=folder_id, client_id=folder.client_id),
                  firm_id=folder.firm_id, actor=principal.user_id)  # fmt: skip


def _rules(base: domain.Rules, body: RulesIn) -> domain.Rules:
    audience = None if body.audience is None or body.audience == "all" else body.audience
    rules = domain.subfolder_rules(
        base, level=body.level, audience_ids=audience, primary_manages=body.primary_manages
    )
    return domain.admit_all(rules) if body.audience == "all" else rules


async def _parent(
    conn: Connection, principal: Principal, client_id: UUID, parent_id: UUID | None
) -> FolderRow | None:
    if parent_id is None:
        return None
    parent = (await require_folder(conn, principal, parent_id)).folder
    if parent.client_id != client_id:
        raise Invalid("The parent folder belongs to another client.", field="parent_id")
    return parent


async def _new_parent(
    conn: Connection, principal: Principal, folder: FolderRow, body: FolderChange
) -> UUID | None:
    if body.to_top:
        return None
    if body.parent_id is None:
        return folder.parent_id
    await _parent(conn, principal, folder.client_id, body.parent_id)
    if await store.is_within(conn, folder.firm_id, body.parent_id, folder.id):
        raise Invalid("A folder cannot move into itself or below itself.", field="parent_id")
    return body.parent_id


async def _save(
    conn: Connection, principal: Principal, folder: FolderRow, name: str,
    parent_id: UUID | None, rules: domain.Rules,
) -> FolderOut:  # fmt: skip
    row = await store.update_folder(
        conn, principal.firm_id, folder.id, name=name, parent_id=parent_id, rules=rules
    )
    if row is None:
        raise Conflict(NAME_TAKEN, field="name")
    await put(conn, FolderUpdated(**_described(row)), firm_id=row.firm_id,
              actor=principal.user_id)  # fmt: skip
    return FolderOut.of(row)


def _described(row: FolderRow) -> dict[str, object]:
    rules = FolderRules(
        level=row.level, audience_all=row.audience_all, audience=sorted(row.audience),
        primary_manages=row.primary_manages,
    )  # fmt: skip
    return dict(
        folder_id=row.id, client_id=row.client_id, parent_id=row.parent_id, name=row.name,
        rules=rules,
    )  # fmt: skip
