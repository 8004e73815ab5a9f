"""The kit's eID: one provider interface (BankID's order model) for every service, a real
BankID RP API v6 adapter, a stateless local provider for development and tests, and the
settings that choose between them."""

from shared.eid.bankid import BankIdProvider
from shared.eid.local import LocalEidProvider
from shared.eid.provider import (
    Collected,
    EidBusy,
    EidOrder,
    EidProvider,
    EidUnavailable,
    qr_data,
)
from shared.eid.settings import EidSettings, make_eid_provider

__all__ = [
    "BankIdProvider",
    "Collected",
    "EidBusy",
    "EidOrder",
    "EidProvider",
    "EidSettings",
    "EidUnavailable",
    "LocalEidProvider",
    "make_eid_provider",
    "qr_data",
]
