"""Webhook rules, pure: no I/O, no clock, no randomness inside (callers pass `now`, random
bytes and the jitter factor)."""

import base64
import hashlib
import hmac
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Literal
from urllib.parse import urlsplit

from shared.errors import Invalid

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: between 24 and 64 bytes
# Both secrets sign for this long after a rotation, so receivers can switch without a gap.
ROTATION_OVERLAP = timedelta(hours=24)
# An endpoint whose attempts have failed for this long without one success is turned off.
FAILING_LIMIT = timedelta(days=5)
RESPONSE_KEPT = 1024  # bytes of an answer kept in the delivery log

IP = IPv4Address | IPv6Address
Outcome = Literal["delivered", "retry", "failed", "gone"]

# Addresses no webhook may reach, each with the name given in refusals. `is_global` alone
# misses some (multicast counts as global), so every class is named.
_REFUSED: tuple[tuple[str, tuple[IPv4Network | IPv6Network, ...]], ...] = tuple(
    (name, tuple(ip_network(n) for n in nets))
    for name, nets in (
        ("cloud metadata", ("169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128",
                            "100.100.100.200/32")),
        ("unspecified", ("0.0.0.0/8", "::/128")),
        ("loopback", ("127.0.0.0/8", "::1/128")),
        ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
        ("link-local", ("169.254.0.0/16", "fe80::/10")),
        ("carrier-grade NAT", ("100.64.0.0/10",)),
        ("multicast", ("224.0.0.0/4", "ff00::/8")),
        ("broadcast", ("255.255.255.255/32",)),
    )
)  # fmt: skip
# IPv6 forms that carry an IPv4 address, which is checked as itself.
_NAT64 = ip_network("64:ff9b::/96")


def refused_address(address: IP) -> str | None:
    """Why a webhook may not connect to `address` (a class name), or None if it may."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return refused_address(inner)
    for name, networks in _REFUSED:
        if any(address in net for net in networks if net.version == address.version):
            return name
    return None if address.is_global else "reserved"


def embedded_ipv4(address: IP) -> IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64, 6to4 or Teredo IPv6 address."""
    if not isinstance(address, IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def literal_address(host: str) -> IP | None:
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None


def endpoint_host(url: str, test_hosts: Collection[str]) -> str:
    """The host of an endpoint URL that may be registered, or Invalid on `url`: HTTPS (plain
    HTTP only for the configured test hosts), a host, no credentials, no fragment."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise Invalid("url: not a valid URL.", field="url") from None
    host = (parts.hostname or "").lower()
    if not host:
        raise Invalid("url: the URL names no host.", field="url")
    allowed_schemes = ("https", "http") if host in test_hosts else ("https",)
    if parts.scheme not in allowed_schemes:
        raise Invalid("url: webhooks are delivered over HTTPS only.", field="url")
    if parts.username or parts.password:
        raise Invalid("url: credentials in the URL are not accepted.", field="url")
    if parts.fragment:
        raise Invalid("url: a URL with a #fragment is not accepted.", field="url")
    return host


def refusal(host: str, addresses: Sequence[IP]) -> str | None:
    """Why a host that resolved to `addresses` may not be called, or None. Every address
    must be allowed: a name with one private answer among public ones is refused."""
    if not addresses:
        return f"{host} does not resolve"
    for address in addresses:
        why = refused_address(address)
        if why is not None:
            return f"{host} resolves to a {why} address ({address})"
    return None


def new_secret(random: bytes) -> str:
    """A secret as Standard Webhooks writes it: `whsec_` + base64 of the key bytes."""
    return SECRET_PREFIX + base64.b64encode(random).decode()


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64 HMAC-SHA256>` over `id.timestamp.body` (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(keys: Sequence[bytes], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one entry per valid secret, space separated."""
    return " ".join(signature(key, message_id, timestamp, body) for key in keys)


def signing_secrets(
    current: str, previous: str | None, previous_until: datetime | None, now: datetime
) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one while
    the rotation overlap lasts."""
    if previous and previous_until and now < previous_until:
        return [current, previous]
    return [current]


def outcome(status: int | None, attempts: int, schedule: Sequence[float]) -> Outcome:
    """2xx delivered; 410 gone (the receiver asks us to stop); anything else (another status,
    a redirect, a timeout, no connection) retried while the schedule lasts."""
    if status is not None and 200 <= status < 300:
        return "delivered"
    if status == 410:
        return "gone"
    return "retry" if attempts <= len(schedule) else "failed"


def retry_delay(attempts: int, schedule: Sequence[float], jitter: float) -> float:
    """Seconds before the next try after `attempts` tries (1 = the first one failed):
    the schedule's entry, stretched by `jitter` (e.g. 0.9 to 1.1) so retries spread out."""
    return schedule[min(attempts, len(schedule)) - 1] * jitter


def response_excerpt(body: bytes) -> str:
    """The first KB of an answer, as text (undecodable bytes replaced)."""
    return body[:RESPONSE_KEPT].decode("utf-8", errors="replace")
