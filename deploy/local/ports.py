"""Free loopback ports."""

import random
import socket


def is_free(port: int) -> bool:
    """Whether a server could listen on `port` now. SO_REUSEADDR as every server here sets it
    (asyncio's and aiosmtpd's do): a port whose last connections are in TIME_WAIT, as after a
    stop, is free; one with a listener is not."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """`count` different free ports (each held until all are chosen, so none repeats)."""
    held = [socket.socket() for _ in range(count)]
    try:
        for sock in held:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in held]
    finally:
        for sock in held:
            sock.close()


def free_block(size: int, *, grpc_offset: int = 10000) -> int:
    """A base port such that base..base+size-1 and each +grpc_offset are free."""
    for _ in range(200):
        base = random.randrange(11000, 19000)
        ports = [base + i for i in range(size)]
        if all(is_free(p) and is_free(p + grpc_offset) for p in ports):
            return base
    raise RuntimeError("no free block of ports found")
