"""HTTP: the signed-in user's notification preferences and in-app feed.

Everything is scoped to the caller's own (firm, user) from the token: no route names another
user, so there is nothing to authorise beyond being signed in, and another user's
notification id is simply not found.
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web

from services.notify import domain
from services.notify.models import Feed, FeedQuery, Preferences, PreferencesChange
from services.notify.store import feed as feed_store
from services.notify.store import preferences as preference_store
from shared.auth import Principal
from shared.errors import NotFound
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

api = Api("notify")

PREFERENCES = "/api/v1/me/notification-preferences"


async def _preferences(deps: "NotifyDeps", principal: Principal) -> Preferences:
    settings = deps.settings
    async with deps.db.transaction(readonly=True) as conn:
        who = (principal.firm_id, principal.user_id)
        chosen = (await preference_store.get_preferences(conn, who[0], [who[1]])).get(who[1], {})
        zone = await preference_store.get_time_zone(conn, *who)
    return Preferences(
        categories=domain.preferences(principal.kind, chosen),
        time_zone=zone or settings.default_time_zone,
        digest_hour=settings.digest_hour,
    )


@api.get(PREFERENCES, summary="My notification preferences", response=Preferences)
async def get_preferences(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> Preferences:
    return await _preferences(deps, principal)


@api.patch(
    PREFERENCES,
    summary="Change my notification preferences (only the categories given)",
    body=PreferencesChange,
    response=Preferences,
    errors=(422,),
)
async def change_preferences(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, body: PreferencesChange
) -> Preferences:
    async with deps.db.transaction() as conn:
        for category, choice in body.categories.items():
            await preference_store.upsert_preference(
                conn, principal.firm_id, principal.user_id, category, choice
            )
        if body.time_zone is not None:
            await preference_store.upsert_time_zone(
                conn, principal.firm_id, principal.user_id, body.time_zone
            )
    return await _preferences(deps, principal)


@api.get(
    "/api/v1/notifications",
    summary="My recent notifications (in-app feed), newest first",
    query=FeedQuery,
    response=Feed,
)
async def feed(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, query: FeedQuery
) -> Feed:
    async with deps.db.transaction(readonly=True) as conn:
        items = await feed_store.list_feed(
            conn, principal.firm_id, principal.user_id,
            unread_only=query.unread_only, before=query.before, limit=query.limit,
        )  # fmt: skip
        unread = await feed_store.count_unread(conn, principal.firm_id, principal.user_id)
    return Feed(items=items, unread=unread)


@api.post(
    "/api/v1/notifications/{notification_id}/read",
    summary="Mark one of my notifications read",
    status=204,
    errors=(404,),
)
async def mark_read(request: web.Request, *, deps: "NotifyDeps", principal: Principal) -> None:
    notification_id = path_uuid(request, "notification_id")
    async with deps.db.transaction() as conn:
        found = await feed_store.update_read(
            conn, principal.firm_id, principal.user_id, notification_id, datetime.now(UTC)
        )
    if not found:
        raise NotFound("No such notification.")


@api.post("/api/v1/notifications/read", summary="Mark all my notifications read", status=204)
async def mark_all_read(request: web.Request, *, deps: "NotifyDeps", principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        await feed_store.update_read(
            conn, principal.firm_id, principal.user_id, None, datetime.now(UTC)
        )
