"""HTTP API of billing, for a firm's staff (mostly its owner and admins). The firm always comes
from the token."""

from services.billing.api import account, credits, statements, storage

APIS = [account.api, storage.api, credits.api, statements.api]
