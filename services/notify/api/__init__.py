"""Notify's HTTP routes, one module per resource: the signed-in user's own preferences and
feed (`me`)."""

from services.notify.api import me

APIS = [me.api]
