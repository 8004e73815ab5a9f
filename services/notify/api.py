"""HTTP: the signed-in user's notification preferences and in-app feed.

Everything is scoped to the caller's own (firm, user) from the token: no route names another
user, so there is nothing to authorise beyond being signed in, and another user's
notification id is simply not found.
"""

from datetime import UTC, datetime

from aiohttp import web

from services.notify import domain, store
from services.notify.models import Feed, FeedQuery, Preferences, PreferencesChange
from services.notify.settings import NotifySettings
from shared.auth import Principal
from shared.errors import NotFound
from shared.http.routing import Api, path_uuid
from shared.service import DB, SETTINGS

api = Api("notify")

PREFERENCES = "/api/v1/me/notification-preferences"


def _settings(request: web.Request) -> NotifySettings:
    settings = request.app[SETTINGS]
    assert isinstance(settings, NotifySettings)
    return settings


async def _preferences(request: web.Request, principal: Principal) -> Preferences:
    settings = _settings(request)
    async with request.app[DB].transaction(readonly=True) as conn:
        who = (principal.firm_id, principal.user_id)
        chosen = (await store.get_preferences(conn, who[0], [who[1]])).get(who[1], {})
        zone = await store.get_time_zone(conn, *who)
    return Preferences(
        categories=domain.preferences(principal.kind, chosen),
        time_zone=zone or settings.default_time_zone,
        digest_hour=settings.digest_hour,
    )


@api.get(PREFERENCES, summary="My notification preferences", response=Preferences)
async def get_preferences(request: web.Request, *, principal: Principal) -> Preferences:
    return await _preferences(request, principal)


@api.patch(
    PREFERENCES,
    summary="Change my notification preferences (only the categories given)",
    body=PreferencesChange,
    response=Preferences,
    errors=(422,),
)
async def change_preferences(
    request: web.Request, *, principal: Principal, body: PreferencesChange
) -> Preferences:
    async with request.app[DB].transaction() as conn:
        for category, choice in body.categories.items():
            await store.upsert_preference(
                conn, principal.firm_id, principal.user_id, category, choice
            )
        if body.time_zone is not None:
            await store.upsert_time_zone(conn, principal.firm_id, principal.user_id, body.time_zone)
    return await _preferences(request, principal)


@api.get(
    "/api/v1/notifications",
    summary="My recent notifications (in-app feed), newest first",
    query=FeedQuery,
    response=Feed,
)
async def feed(request: web.Request, *, principal: Principal, query: FeedQuery) -> Feed:
    async with request.app[DB].transaction(readonly=True) as conn:
        items = await store.list_feed(
            conn, principal.firm_id, principal.user_id,
            unread_only=query.unread_only, before=query.before, limit=query.limit,
        )  # fmt: skip
        unread = await store.count_unread(conn, principal.firm_id, principal.user_id)
    return Feed(items=items, unread=unread)


@api.post(
    "/api/v1/notifications/{notification_id}/read",
    summary="Mark one of my notifications read",
    status=204,
    errors=(404,),
)
async def mark_read(request: web.Request, *, principal: Principal) -> None:
    notification_id = path_uuid(request, "notification_id")
    async with request.app[DB].transaction() as conn:
        found = await store.update_read(
            conn, principal.firm_id, principal.user_id, notification_id, datetime.now(UTC)
        )
    if not found:
        raise NotFound("No such notification.")


@api.post("/api/v1/notifications/read", summary="Mark all my notifications read", status=204)
async def mark_all_read(request: web.Request, *, principal: Principal) -> None:
    async with request.app[DB].transaction() as conn:
        await store.update_read(conn, principal.firm_id, principal.user_id, None, datetime.now(UTC))
