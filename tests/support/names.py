"""Unique names, from one helper, so that no two tests (or runs) ever share a resource."""

import os
import secrets

RUN = f"r{os.getpid()}{secrets.token_hex(2)}"


def unique(prefix: str) -> str:
    return f"{prefix}_{RUN}_{secrets.token_hex(4)}"
