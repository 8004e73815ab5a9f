"""One AMQP connection per process, supervised: reconnects with backoff and re-runs setups.

aio-pika's robust connection has been seen to come back from a reconnect with no consumer on
the queue, and not to reopen a channel closed by an error. So we do not rely on it: a lost
connection, or any channel closing under us, tears the whole connection down, and every
registered setup (topology, consumers, reply queues) runs again on a fresh one.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange, AbstractMessage

from shared.backoff import backoff_delay
from shared.bus.topology import Archive, BusNames, declare_archive, declare_exchanges

log = logging.getLogger(__name__)

Setup = Callable[[AbstractConnection], Awaitable[None]]


CLOSE_TIMEOUT_SECONDS = 5.0


class BusUnavailable(ConnectionError):
    """The broker could not be reached in time."""


class Bus:
    def __init__(
        self,
        url: str,
        names: BusNames,
        *,
        name: str,
        publish_timeout: float = 5.0,
        reconnect_cap: float = 10.0,
        archive: Archive | None = None,
    ) -> None:
        self.url = url
        self.archive = archive
        self.names = names
        self.name = name
        self.publish_timeout = publish_timeout
        self.reconnect_cap = reconnect_cap
        self._setups: list[Setup] = []
        self._connected = asyncio.Event()
        self._publisher: AbstractChannel | None = None
        self._unconfirmed: AbstractChannel | None = None
        self._connection: AbstractConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def on_connect(self, setup: Setup) -> None:
        """Run `setup` on every new connection, after the exchanges are declared."""
        self._setups.append(setup)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def start(self, wait: float | None = 30.0) -> None:
        self._task = asyncio.create_task(self._supervise(), name=f"bus:{self.name}")
        if wait:
            await self.wait_connected(wait)

    async def stop(self) -> None:
        self._stopping = True
        if self._connection:
            await close_connection(self._connection)
        if self._task:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise BusUnavailable("message broker unreachable") from None

    def watch(self, channel: AbstractChannel) -> None:
        """Treat this channel closing (other than at shutdown) as the connection being lost."""
        channel.close_callbacks.add(self._channel_closed)

    def _channel_closed(self, _channel: Any, exc: BaseException | None = None) -> None:
        if not self._stopping and self._connection and not self._connection.is_closed:
            log.warning("a bus channel closed (%s); reconnecting", exc)
            asyncio.get_running_loop().create_task(self._connection.close())

    async def _supervise(self) -> None:
        attempt = 0
        while not self._stopping:
            try:
                connection = await aio_pika.connect(
                    self.url, timeout=10, client_properties={"connection_name": self.name}
                )
            except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as exc:
                attempt += 1
                log.warning("bus connect failed (%s); retry %d", exc, attempt)
                await asyncio.sleep(backoff_delay(attempt, 0.2, self.reconnect_cap))
                continue
            attempt = await self._serve(connection, attempt)

    async def _serve(self, connection: AbstractConnection, attempt: int) -> int:
        self._connection = connection
        try:
            await self._open(connection)
            self._connected.set()
            log.info("bus connected")
            await connection.closed()
            return 0
        except Exception as exc:
            log.warning("bus setup failed: %s", exc)
            attempt += 1
            await asyncio.sleep(backoff_delay(attempt, 0.2, self.reconnect_cap))
            return attempt
        finally:
            self._connected.clear()
            self._publisher = None
            self._unconfirmed = None
            await close_connection(connection)

    async def _open(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await declare_exchanges(channel, self.names)
        if self.archive is not None:
            await declare_archive(connection, self.names, self.archive)
        self.watch(channel)
        self._publisher = channel
        self._unconfirmed = await connection.channel(publisher_confirms=False)
        self.watch(self._unconfirmed)
        for setup in self._setups:
            await setup(connection)

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        message: AbstractMessage,
        *,
        mandatory: bool = False,
        timeout: float | None = None,
    ) -> None:
        """Publish and wait for the broker's confirm; `exchange=""` is the default exchange.

        The waits for a connection and for the confirm are each bounded by `publish_timeout`,
        or by `timeout` if that is shorter (an RPC attempt that must end by its deadline)."""
        limit = self.publish_timeout if timeout is None else min(timeout, self.publish_timeout)
        await self.wait_connected(limit)
        target = await self._exchange(exchange)
        await target.publish(message, routing_key, mandatory=mandatory, timeout=limit)

    async def send_direct(self, queue: str, message: AbstractMessage) -> None:
        """Fire and forget to a queue, without waiting for a confirm: for RPC replies, whose
        loss the caller already handles (a timeout, then a retry with the same key)."""
        channel = self._unconfirmed
        if channel is None:
            raise BusUnavailable("message broker unreachable")
        await channel.default_exchange.publish(message, queue, mandatory=False)

    async def _exchange(self, name: str) -> AbstractExchange:
        channel = self._publisher
        if channel is None:
            raise BusUnavailable("message broker unreachable")
        if not name:
            return channel.default_exchange
        return await channel.get_exchange(name, ensure=False)


async def close_connection(connection: AbstractConnection) -> None:
    """Close with a bounded wait: a broker that stops answering the close handshake must not
    hold a shutdown (SIGTERM's grace period, a test's teardown) for ever."""
    with suppress(Exception):
        await asyncio.wait_for(connection.close(), CLOSE_TIMEOUT_SECONDS)
