"""Service processes as deployed (`python -m services.<name>`), for the local run and the tests:
start one, wait until it is ready, SIGKILL or stop it, and keep a set of them alive.

`Supervisor` is what `scripts/run` uses so that a service that dies is started again (with
backoff, so one that dies at start does not spin) instead of taking the platform down; a
fault can then be tried by hand with `kill -9`.
"""

import asyncio
import logging
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from shared.backoff import backoff_delay

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]


async def wait_ready(
    name: str, url: str, process: subprocess.Popen[bytes], timeout: float = 60
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see its log")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{name} not ready after {timeout:.0f}s; see its log")


def stop(processes: Sequence[subprocess.Popen[bytes]], timeout: float = 20) -> None:
    """SIGTERM every process (graceful shutdown), then SIGKILL what is still there."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Replica:
    """One process of a service on its own port, which can be started again as often as
    asked (same port, same settings); its output is appended to `log`."""

    service: str
    port: int
    environ: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return f"{self.service}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, **overrides: str) -> None:
        """Start the process; `overrides` are environment variables for this start only."""
        environ = {**self.environ, **overrides, f"{self.service.upper()}_HTTP_PORT": str(self.port)}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.service}"],
                cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    async def ready(self, timeout: float = 60) -> None:
        assert self.process is not None, f"{self.name} was never started"
        try:
            await wait_ready(self.name, f"{self.url}/readyz", self.process, timeout)
        except RuntimeError as error:
            tail = self.log.read_text(errors="replace").splitlines()[-20:]
            raise RuntimeError("\n".join([str(error), *tail])) from None

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, as a crash or the OOM killer would end it."""
        if self.alive:
            assert self.process is not None
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop([self.process])


@dataclass
class Supervisor:
    """Keeps replicas running: one that exits is started again after a backoff that grows with
    each quick death and resets once it stayed up `settled_seconds`."""

    replicas: list[Replica]
    first_delay: float = 1.0
    max_delay: float = 30.0
    settled_seconds: float = 60.0
    restarts: dict[str, int] = field(default_factory=dict)

    async def watch(self, stopped: asyncio.Event) -> None:
        """Until `stopped` is set."""
        await asyncio.gather(*(self._keep(replica, stopped) for replica in self.replicas))

    async def _keep(self, replica: Replica, stopped: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        quick_deaths = 0
        started_at = loop.time()
        while not stopped.is_set():
            if replica.alive:
                await _wait_either(stopped, 0.5)
                continue
            settled = loop.time() - started_at > self.settled_seconds
            quick_deaths = 1 if settled else quick_deaths + 1
            delay = backoff_delay(quick_deaths, self.first_delay, self.max_delay)
            code = replica.process.returncode if replica.process else None
            print(f"{replica.name} exited ({code}); starting it again in {delay:.1f}s", flush=True)
            if await _wait_either(stopped, delay):
                return
            replica.start()
            started_at = loop.time()
            self.restarts[replica.name] = self.restarts.get(replica.name, 0) + 1


async def _wait_either(stopped: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` or until `stopped`; whether it was stopped."""
    try:
        await asyncio.wait_for(stopped.wait(), seconds)
    except TimeoutError:
        return False
    return True
