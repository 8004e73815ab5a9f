"""Stored replies: the callee answers a repeated idempotency key with its first answer.

A key is scoped by request type and firm. The first reply to a key is stored in
`rpc_replies` (kit migration 0001) in the same transaction as the handler's effects, so an
answer is stored exactly when its effects are. An answer on the wire is `{"ok": reply}` or
`{"error": {status, title, detail, field}}`; only `ok` answers are stored, so a refused
request may be asked again.
"""

import json
from typing import Any
from uuid import UUID

from shared.database import Connection
from shared.events.base import Reply

# A request without a firm is keyed under this one.
NO_FIRM = UUID(int=0)

Key = tuple[str, UUID, str]
"""(request type, firm, idempotency key)."""

Answer = dict[str, Any]


def ok_answer(reply: Reply) -> Answer:
    return {"ok": reply.model_dump(mode="json")}


def error_answer(status: int, title: str, detail: str, field: str | None = None) -> Answer:
    return {"error": {"status": status, "title": title, "detail": detail, "field": field}}


async def lock_keys(conn: Connection, keys: list[Key]) -> None:
    """Serialise concurrent requests with the same key; sorted, so batches never deadlock."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
           FROM (SELECT DISTINCT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys""",
        [str(key) for key in keys],
    )


async def earlier_replies(conn: Connection, keys: list[Key]) -> dict[Key, dict[str, Any]]:
    types, firms, idempotency_keys = zip(*keys, strict=True)
    rows = await conn.fetch(
        """SELECT r.request_type, r.firm_id, r.key, r.reply FROM rpc_replies r
           JOIN unnest($1::text[], $2::uuid[], $3::text[]) AS w(request_type, firm_id, key)
             USING (request_type, firm_id, key)""",
        list(types),
        list(firms),
        list(idempotency_keys),
    )
    return {(r["request_type"], r["firm_id"], r["key"]): r["reply"] for r in rows}


async def store_replies(conn: Connection, replies: dict[Key, dict[str, Any]]) -> None:
    if not replies:
        return
    await conn.execute(
        """INSERT INTO rpc_replies (request_type, firm_id, key, reply)
           SELECT t, f, k, r::jsonb FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[])
             AS x(t, f, k, r)""",
        [key[0] for key in replies],
        [key[1] for key in replies],
        [key[2] for key in replies],
        [json.dumps(reply) for reply in replies.values()],
    )
