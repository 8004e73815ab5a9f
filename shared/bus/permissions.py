"""What one service's broker user may do: RabbitMQ's configure / write / read patterns.

RabbitMQ checks each AMQP operation against three regular expressions of the user on the
vhost: *configure* (declare or delete a queue or exchange), *write* (publish to an exchange,
bind to a queue, dead-letter into an exchange) and *read* (consume from a queue, bind from an
exchange). The patterns below allow exactly what the kit does for a service (ARCHITECTURE.md
§3), so no service can read another's queue — only notify reads `notify.commands`:

- every service declares the three exchanges at connect (configure), publishes its outbox to
  `portal.events` and `portal.commands` (write);
- a consuming service declares its quorum queue and `<queue>.dlq` (configure), binds them to
  `portal.events` / `portal.commands` and `portal.dlx` (read on the exchange, write on the
  queue), dead-letters into `portal.dlx` (write) and consumes its queue (read);
- an RPC server declares and consumes `<service>.requests`, and answers through the default
  exchange (`amq.default`, write);
- an RPC caller sends through the default exchange and reads its own server-named reply queue
  (`amq.gen-…`, exclusive: no other connection can touch it);
- every service declares the events archive (a stream) and binds it to `portal.events` before
  its first publish (configure and write on the stream, read on the exchange), and none reads
  it: reading the past is for internal subscribers (`subscriber_permissions`) and operators.
- every replica declares, binds to `portal.events` and consumes its own revocation queue
  `<service>.revocations.<replica>` (exclusive, auto-delete; shared/revocation.py).

What the patterns cannot express: a write on `amq.default` reaches any queue by name, so an
RPC caller or server could publish into another service's queue (never read from it).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared.bus.topology import REQUESTS, REVOCATIONS, BusNames

DEFAULT_EXCHANGE = "amq.default"
REPLY_QUEUES = "amq.gen-"


@dataclass(frozen=True)
class BrokerPermissions:
    configure: str
    write: str
    read: str


@dataclass(frozen=True)
class BrokerUse:
    """What a service does on the bus, read from its spec."""

    service: str
    consumes: tuple[str, ...]  # purposes of its work queues: "events", "commands"
    serves_rpc: bool
    calls_rpc: bool


def broker_permissions(use: BrokerUse, names: BusNames) -> BrokerPermissions:
    exchanges = [names.events, names.commands, names.dead_letters]
    archive = [names.archive]
    work = [names.queue(use.service, purpose) for purpose in use.consumes]
    work += [f"{queue}.dlq" for queue in work]
    requests = [names.queue(use.service, REQUESTS)] if use.serves_rpc else []
    bound = list(dict.fromkeys([names.events, *(_source(names, p) for p in use.consumes)]))
    bound += [names.dead_letters] if work else []
    replies = [DEFAULT_EXCHANGE] if use.serves_rpc or use.calls_rpc else []
    reply_queue = [rf"{re.escape(REPLY_QUEUES)}.*"] if use.calls_rpc else []
    revocations = [rf"{re.escape(names.queue(use.service, REVOCATIONS))}\.[0-9a-f]+"]
    published = [names.events, names.commands]
    dead_lettered = [names.dead_letters] if work else []
    return BrokerPermissions(
        configure=_any_of(
            _exact(exchanges + archive + work + requests) + reply_queue + revocations
        ),
        write=_any_of(_exact(published + dead_lettered + archive + work + replies) + revocations),
        read=_any_of(_exact(_unique([*bound, names.events]) + work + requests) + reply_queue
                     + revocations),
    )  # fmt: skip


def subscriber_permissions(prefix: str, names: BusNames) -> BrokerPermissions:
    """An internal system that reads the past from the archive and binds its own durable
    queues (`<prefix>.…`) to `portal.events` for live events: it declares, binds and reads
    only its own queues, reads the archive, and publishes nothing."""
    own = rf"{re.escape(prefix)}\..+"
    return BrokerPermissions(
        configure=_any_of([own]),
        write=_any_of([own]),
        read=_any_of([own, *_exact([names.events, names.archive])]),
    )


def _source(names: BusNames, purpose: str) -> str:
    """The exchange a work queue of this purpose is bound to."""
    return {"events": names.events, "commands": names.commands}[purpose]


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _exact(names: Iterable[str]) -> list[str]:
    return [re.escape(name) for name in names]


def _any_of(patterns: list[str]) -> str:
    """One anchored pattern; RabbitMQ does not anchor them itself. `^$` matches nothing the
    broker names (the default exchange is `amq.default` there)."""
    return f"^(?:{'|'.join(patterns)})$" if patterns else "^$"
