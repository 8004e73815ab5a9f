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
