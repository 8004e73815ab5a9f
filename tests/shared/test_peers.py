"""Whose address a request carries: the gateway's X-Real-IP only when the peer is trusted."""

from ipaddress import ip_network
from typing import Any

from aiohttp.test_utils import make_mocked_request

from shared.http.peers import client_address, gateway_s3_prefix

GATEWAY = [ip_network("10.0.0.0/8")]


class Peer:
    """What aiohttp asks of a transport to learn the peer's address."""

    def __init__(self, host: str) -> None:
        self.host = host

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.host, 40000) if name == "peername" else default


def address(peer: str, real_ip: str | None) -> str:
    headers = {"X-Real-IP": real_ip} if real_ip is not None else {}
    request = make_mocked_request("GET", "/", headers=headers, transport=Peer(peer))
    return client_address(request, GATEWAY)


def test_the_gateway_names_the_caller() -> None:
    assert address("10.1.2.3", "203.0.113.9") == "203.0.113.9"


def test_a_caller_cannot_name_itself() -> None:
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"


def test_without_a_usable_header_the_peer_is_the_caller() -> None:
    assert address("10.1.2.3", None) == "10.1.2.3"
    assert address("10.1.2.3", "not an address") == "10.1.2.3"


def s3_prefix(peer: str, offered: str | None) -> str | None:
    headers = {"X-Gateway-S3": offered} if offered is not None else {}
    request = make_mocked_request("GET", "/", headers=headers, transport=Peer(peer))
    return gateway_s3_prefix(request, GATEWAY)


def test_the_gateway_may_offer_to_read_s3_itself() -> None:
    assert s3_prefix("10.1.2.3", "/_s3/") == "/_s3/"


def test_only_a_trusted_gateway_is_handed_a_presigned_object() -> None:
    assert s3_prefix("198.51.100.7", "/_s3/") is None
    assert s3_prefix("10.1.2.3", None) is None
    assert s3_prefix("10.1.2.3", "http://elsewhere/") is None
