"""HTTP routes of the signing service: staff manage requests, parties act through their link."""

from services.signing.api import authn, lists, party, staff, verify

# Registration order matters: fixed paths (`/signings/needs-attention`) before `{signing_id}`.
APIS = [lists.api, staff.api, authn.api, party.api, verify.api]
