"""Notify's HTTP routes, one module per resource: the signed-in user's own preferences and
feed (`me`), the firm's webhook endpoints (`webhooks`) and its audit log (`audit`)."""

from services.notify.api import audit, me, webhooks

APIS = [me.api, webhooks.api, audit.api]
