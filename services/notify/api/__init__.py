"""Notify's HTTP routes, one module per resource: the signed-in user's own preferences and
feed (`me`), the firm's webhook endpoints (`webhooks`)."""

from services.notify.api import me, webhooks

APIS = [me.api, webhooks.api]
