"""SQL of the identity service: one function per query, `conn` first, no transactions inside."""

from services.identity.store.keys import (
    get_current_key_created,
    insert_signing_key,
    list_signing_keys,
    retire_signing_keys,
)

__all__ = [
    "get_current_key_created",
    "insert_signing_key",
    "list_signing_keys",
    "retire_signing_keys",
]
