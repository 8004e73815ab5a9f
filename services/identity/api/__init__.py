"""HTTP routes of the identity service, one module per resource."""

from services.identity.api import (
    auth,
    branding,
    browser,
    bulk,
    clients,
    contacts,
    eid,
    firms,
    invitations,
    links,
    portal,
    staff,
    totp,
)

APIS = [
    firms.api,
    branding.api,
    auth.api,
    links.api,
    invitations.api,
    totp.api,
    eid.api,
    staff.api,
    clients.api,
    contacts.api,
    bulk.api,
    portal.api,
    browser.api,
]
