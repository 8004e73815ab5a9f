"""An SMTP server (aiosmtpd) in a process of its own, for benchmarks that send mail.

A server inside the measuring process shares its interpreter lock with what it measures, and
takes it from whichever side sends faster (it halved the raw baseline of `bench.notify`). This
one runs as `python -m bench.smtp_sink PORT`: it prints `ready`, then for each accepted
message one line, the CLOCK_MONOTONIC time it was accepted (the same clock as
`time.monotonic()` in any process of the machine) and its Subject. `Sink` starts it and
keeps those lines.
"""

import asyncio
import sys
import time
from email.parser import BytesHeaderParser
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP

_HEADERS = BytesHeaderParser(policy=default)


class _Printer:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        subject = str(_HEADERS.parsebytes(envelope.content)["Subject"]).replace("\n", " ")
        sys.stdout.write(f"{time.monotonic()} {subject}\n")
        sys.stdout.flush()
        return "250 Message accepted for delivery"


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    handler = _Printer()
    server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


class Sink:
    """The server process, and (accepted-at, subject) of what it accepted since `clear`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.arrivals: list[tuple[float, str]] = []
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.smtp_sink", str(self.port),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert self._process.stdout is not None
        ready = await asyncio.wait_for(self._process.stdout.readline(), 30)
        assert ready == b"ready\n", ready
        self._reader = asyncio.create_task(self._read(self._process.stdout))

    async def _read(self, lines: asyncio.StreamReader) -> None:
        async for line in lines:
            at, subject = line.decode().rstrip("\n").split(" ", 1)
            self.arrivals.append((float(at), subject))

    @property
    def count(self) -> int:
        return len(self.arrivals)

    def clear(self) -> None:
        self.arrivals = []

    async def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            await self._process.wait()
        if self._reader is not None:
            await self._reader


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
