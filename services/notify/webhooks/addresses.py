"""Which addresses a webhook may reach, checked after DNS and pinned for the connection.

A URL is checked when it is registered, and again at every delivery: its name is resolved,
every answer must be a public address (rules.refusal), and the connection goes to exactly
those answers. `GuardedResolver` is aiohttp's resolver, so the connector never resolves the
name a second time, and a DNS answer that changes between the check and the connect (DNS
rebinding) cannot move the request to a private address. aiohttp does not ask a resolver about
IP literals, so the sender checks those itself (`check_literal`).

Names in `test_hosts` (NOTIFY_WEBHOOK_ALLOWED_TEST_HOSTS, empty in production) skip the check
so tests can reach a receiver on this machine; every other name is resolved by the system, or
by `dns_servers` when set (the sender's own resolvers).
"""

import asyncio
import socket
from collections.abc import Collection, Iterable, Sequence
from ipaddress import ip_address

import dns.asyncresolver
import dns.exception
from aiohttp.abc import AbstractResolver, ResolveResult

from services.notify.webhooks import rules
from services.notify.webhooks.rules import IP

DNS_TIMEOUT = 5.0


class RefusedAddress(OSError):
    """The host resolves to an address webhooks may not reach (or to nothing)."""


class AddressGuard:
    def __init__(self, test_hosts: Collection[str], dns_servers: Sequence[str] = ()) -> None:
        self.test_hosts = frozenset(h.lower() for h in test_hosts)
        self._dns = _resolver(dns_servers) if dns_servers else None

    async def check(self, host: str) -> list[IP]:
        """The addresses to connect to for `host`; RefusedAddress if any is not allowed."""
        found = await self.addresses(host)
        if host.lower() in self.test_hosts:
            if not found:
                raise RefusedAddress(f"{host} does not resolve")
            return found
        why = rules.refusal(host, found)
        if why is not None:
            raise RefusedAddress(why)
        return found

    def check_literal(self, host: str) -> None:
        literal = rules.literal_address(host)
        if literal is not None and host.lower() not in self.test_hosts:
            why = rules.refusal(host, [literal])
            if why is not None:
                raise RefusedAddress(why)

    async def addresses(self, host: str) -> list[IP]:
        literal = rules.literal_address(host)
        if literal is not None:
            return [literal]
        if self._dns is not None:
            return await self._ask(host)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, None, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError, ValueError):  # no such name, or no name at all
            return []
        return _unique(ip_address(info[4][0]) for info in infos)

    async def _ask(self, host: str) -> list[IP]:
        assert self._dns is not None
        found: list[IP] = []
        for kind in ("A", "AAAA"):
            try:
                answer = await self._dns.resolve(host, kind, raise_on_no_answer=False)
            except dns.exception.DNSException:  # no such name, no answer, a malformed name
                continue
            found += [ip_address(record.address) for record in answer]
        return _unique(found)


def _resolver(servers: Sequence[str]) -> dns.asyncresolver.Resolver:
    """A resolver asking only `servers` (`address` or `address:port`, one port for all)."""
    resolver = dns.asyncresolver.Resolver(configure=False)
    hosts, ports = zip(*(_split(server) for server in servers), strict=True)
    resolver.nameservers = list(hosts)
    resolver.port = ports[0]
    resolver.lifetime = DNS_TIMEOUT
    return resolver


def _split(server: str) -> tuple[str, int]:
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
    return host, int(port or 53)


def _unique(addresses: Iterable[IP]) -> list[IP]:
    return list(dict.fromkeys(addresses))


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver for webhook connections: only checked addresses come back."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        wanted = {socket.AF_INET: 4, socket.AF_INET6: 6}.get(family)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET if address.version == 4 else socket.AF_INET6,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in await self.guard.check(host)
            if wanted is None or address.version == wanted
        ]

    async def close(self) -> None:
        return None
