"""HTTP routes of the signing service: staff manage requests, parties act through their link
(mailed, or opened by a signed-in contact from the portal)."""

from services.signing.api import authn, lists, party, portal, staff, verify

# Registration order matters: fixed paths (`/signings/needs-attention`) before `{signing_id}`.
APIS = [lists.api, staff.api, portal.api, authn.api, party.api, verify.api]
