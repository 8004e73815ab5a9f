"""HTTP routes of the identity service, one module per resource."""

from services.identity.api import auth, clients, contacts, firms, links, staff

APIS = [firms.api, auth.api, links.api, staff.api, clients.api, contacts.api]
