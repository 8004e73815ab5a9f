"""The caller's address. Behind the gateway every request comes from the gateway itself, so a
per-address limit keyed on the TCP peer would count everybody as one caller: the gateway
writes the peer it saw into X-Real-IP (overwriting whatever the client sent), and that header
is believed only when the request really came from a trusted proxy."""

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from aiohttp import web

Networks = Sequence[IPv4Network | IPv6Network]


def client_address(request: web.Request, trusted: Networks) -> str:
    peer = request.remote or ""
    forwarded = request.headers.get("X-Real-IP", "").strip()
    if forwarded and is_trusted(peer, trusted) and _is_address(forwarded):
        return forwarded
    return peer or "unknown"


def gateway_s3_prefix(request: web.Request, trusted: Networks) -> str | None:
    """Where the gateway fetches S3 objects itself, when it offers to (header X-Gateway-S3): a
    download may then answer X-Accel-Redirect to a presigned object under this prefix."""
    prefix = request.headers.get("X-Gateway-S3", "")
    if prefix.startswith("/") and is_trusted(request.remote or "", trusted):
        return prefix
    return None


def is_trusted(peer: str, trusted: Networks) -> bool:
    if not _is_address(peer):
        return False
    address = ip_address(peer)
    return any(address in network for network in trusted)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True
