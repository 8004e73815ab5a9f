"""HTTP: the firm's webhook endpoints, their secrets and delivery logs (owners and admins).

Every query is by the token's firm, so another firm's endpoint is simply not found (404).
A URL is checked when it is registered or changed: HTTPS, and a host that resolves only to
public addresses (the worker checks again at each delivery, addresses.py).
"""

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from aiohttp import web

from services.notify.store import webhooks as store
from services.notify.webhooks import rules
from services.notify.webhooks.addresses import RefusedAddress
from services.notify.webhooks.models import (
    EVENT_TYPES,
    DeliveryPage,
    DeliveryQuery,
    EndpointRow,
    EventType,
    EventTypes,
    ResendSince,
    Resent,
    Webhook,
    WebhookChange,
    WebhookCreate,
    WebhookCreated,
    WebhookDelivery,
    WebhookList,
    WebhookSecret,
)
from services.notify.webhooks.secrets import new_secret
from shared.auth import ADMIN_ROLES, Principal
from shared.database import Connection
from shared.errors import Invalid, NotFound
from shared.http.routing import Api, path_uuid

if TYPE_CHECKING:
    from services.notify.app import NotifyDeps

api = Api("webhooks")

ROOT = "/api/v1/webhooks"
ONE = ROOT + "/{webhook_id}"
ADMINS = {"access": "staff", "roles": ADMIN_ROLES}


async def checked_url(deps: "NotifyDeps", url: str) -> str:
    """The URL, if webhooks may be sent to it; Invalid on `url` otherwise."""
    guard = deps.webhooks.guard
    host = rules.endpoint_host(url, guard.test_hosts)
    try:
        await guard.check(host)
    except RefusedAddress as refused:
        raise Invalid(f"url: {refused}.", field="url") from None
    return url


async def require_endpoint(
    conn: Connection, principal: Principal, endpoint_id: UUID, *, lock: bool = False
) -> EndpointRow:
    found = await store.get_endpoint(conn, principal.firm_id, endpoint_id, lock=lock)
    if found is None:
        raise NotFound("No such webhook.")
    return found


@api.get(
    ROOT + "/event-types",
    summary="Event types an endpoint may ask for",
    response=EventTypes,
    **ADMINS,
)
async def event_types(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> EventTypes:
    return EventTypes(items=[EventType(type=t, description=d) for t, d in EVENT_TYPES.items()])


@api.post(
    ROOT,
    summary="Register a webhook endpoint (its secret is shown this once)",
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    errors=(422,),
    **ADMINS,
)
async def create(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, body: WebhookCreate
) -> WebhookCreated:
    url = await checked_url(deps, body.url)
    endpoint_id, secret = uuid4(), new_secret()
    sealed = deps.webhooks.box.seal(endpoint_id, secret)
    async with deps.db.transaction() as conn:
        row = await store.insert_endpoint(
            conn, principal.firm_id, endpoint_id, url, body.description, body.event_types,
            sealed, datetime.now(UTC),
        )  # fmt: skip
    return WebhookCreated(**Webhook.of(row).model_dump(), secret=secret)


@api.get(ROOT, summary="The firm's webhook endpoints", response=WebhookList, **ADMINS)
async def list_all(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> WebhookList:
    async with deps.db.transaction(readonly=True) as conn:
        rows = await store.list_endpoints(conn, principal.firm_id)
    return WebhookList(items=[Webhook.of(r) for r in rows])


@api.get(ONE, summary="One webhook endpoint", response=Webhook, errors=(404,), **ADMINS)
async def read(request: web.Request, *, deps: "NotifyDeps", principal: Principal) -> Webhook:
    async with deps.db.transaction(readonly=True) as conn:
        row = await require_endpoint(conn, principal, path_uuid(request, "webhook_id"))
    return Webhook.of(row)


@api.patch(
    ONE,
    summary="Change, enable or disable a webhook endpoint",
    body=WebhookChange,
    response=Webhook,
    errors=(404, 422),
    **ADMINS,
)
async def change(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, body: WebhookChange
) -> Webhook:
    endpoint_id = path_uuid(request, "webhook_id")
    url = await checked_url(deps, body.url) if body.url is not None else None
    async with deps.db.transaction() as conn:
        row = await require_endpoint(conn, principal, endpoint_id, lock=True)
        enabled = row.enabled if body.enabled is None else body.enabled
        turned_on = enabled and not row.enabled
        row = await store.update_endpoint(
            conn, principal.firm_id, endpoint_id, url=url or row.url,
            description=row.description if body.description is None else body.description,
            event_types=body.event_types or row.event_types, enabled=enabled,
            disabled_reason=None if enabled else (row.disabled_reason or "manual"),
            failing_since=None if turned_on else row.failing_since, now=datetime.now(UTC),
        )  # fmt: skip
    return Webhook.of(row)


@api.delete(
    ONE,
    summary="Delete a webhook endpoint and its delivery log",
    status=204,
    errors=(404,),
    **ADMINS,
)
async def delete(request: web.Request, *, deps: "NotifyDeps", principal: Principal) -> None:
    async with deps.db.transaction() as conn:
        found = await store.delete_endpoint(
            conn, principal.firm_id, path_uuid(request, "webhook_id")
        )
    if not found:
        raise NotFound("No such webhook.")


@api.post(
    ONE + "/secret",
    summary="Rotate the signing secret (the old one signs 24 h more)",
    response=WebhookSecret,
    errors=(404,),
    **ADMINS,
)
async def rotate(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> WebhookSecret:
    endpoint_id, now = path_uuid(request, "webhook_id"), datetime.now(UTC)
    secret, box = new_secret(), deps.webhooks.box
    async with deps.db.transaction() as conn:
        await require_endpoint(conn, principal, endpoint_id, lock=True)
        sealed = await store.get_secrets(conn, principal.firm_id, endpoint_id)
        assert sealed is not None
        until = now + rules.ROTATION_OVERLAP
        await store.update_secrets(
            conn, principal.firm_id, endpoint_id, box.seal(endpoint_id, secret),
            sealed.current, until, now,
        )  # fmt: skip
    return WebhookSecret(secret=secret, previous_valid_until=until)


@api.get(
    ONE + "/deliveries",
    summary="The endpoint's delivery log, newest first",
    query=DeliveryQuery,
    response=DeliveryPage,
    errors=(404,),
    **ADMINS,
)
async def deliveries(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, query: DeliveryQuery
) -> DeliveryPage:
    endpoint_id = path_uuid(request, "webhook_id")
    async with deps.db.transaction(readonly=True) as conn:
        await require_endpoint(conn, principal, endpoint_id)
        items = await store.list_deliveries(
            conn, principal.firm_id, endpoint_id, query.before, query.limit
        )
    more = len(items) == query.limit
    return DeliveryPage(items=items, next_before=items[-1].created_at if more else None)


@api.post(
    ONE + "/deliveries/{delivery_id}/resend",
    summary="Send one delivery again",
    response=WebhookDelivery,
    status=202,
    errors=(404,),
    **ADMINS,
)
async def resend(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal
) -> WebhookDelivery:
    endpoint_id = path_uuid(request, "webhook_id")
    delivery_id = path_uuid(request, "delivery_id")
    async with deps.db.transaction() as conn:
        await require_endpoint(conn, principal, endpoint_id)
        again = await store.requeue_delivery(
            conn, principal.firm_id, endpoint_id, delivery_id, datetime.now(UTC)
        )
    if again is None:
        raise NotFound("No such delivery.")
    return again


@api.post(
    ONE + "/resend",
    summary="Send again every delivery since a time",
    body=ResendSince,
    response=Resent,
    status=202,
    errors=(404, 422),
    **ADMINS,
)
async def resend_since(
    request: web.Request, *, deps: "NotifyDeps", principal: Principal, body: ResendSince
) -> Resent:
    endpoint_id = path_uuid(request, "webhook_id")
    async with deps.db.transaction() as conn:
        await require_endpoint(conn, principal, endpoint_id)
        queued = await store.requeue_since(
            conn, principal.firm_id, endpoint_id, body.since, datetime.now(UTC)
        )
    return Resent(queued=queued)
