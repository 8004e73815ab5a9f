"""HTTP routes of the signing service: staff manage requests, parties act through their link."""

from shared.http.routing import Api

api = Api("signing")

# Registration order matters: fixed paths (`/signings/needs-attention`) before `{signing_id}`.
from services.signing.api import lists, staff, party  # noqa: E402, F401, I001
