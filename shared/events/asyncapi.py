"""An AsyncAPI 3.0 document generated from the catalog: the published contract of the bus."""

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.bus.topology import EVERY_EVENT, REQUESTS, BusNames
from shared.events.base import Command, Envelope, Event, Message, Request, catalog

REF = "#/components/schemas/{model}"
EVENTS_EXCHANGE = {"name": "portal.events", "type": "topic", "durable": True, "vhost": "/"}
COMMANDS_EXCHANGE = {"name": "portal.commands", "type": "direct", "durable": True, "vhost": "/"}


def document() -> dict[str, Any]:
    models = list(catalog())
    names = [m.__name__ for m in models]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"catalog model names must be unique: {sorted(duplicated)}")
    schemas = _schemas(models)
    doc: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Client portal bus",
            "version": "1.0.0",
            "description": (
                "Events on the `portal.events` topic exchange (routing key = type), commands "
                "on `portal.commands` (routing key = target service) and RPC requests to "
                "`<service>.requests` queues. Every message is an envelope whose `data` is the "
                "model named by `type` and `version`; the envelope `id` is the idempotency key; "
                "W3C `traceparent` travels in AMQP headers.\n\n"
                "Versioning. Within one `version` a type only grows: adding a field is "
                "compatible, and every consumer ignores fields it does not know (the schemas "
                "here leave `additionalProperties` open for that reason; producers never send "
                "a field the catalog does not list). Removing or renaming a field, changing its "
                "type or its meaning, makes a new `version` of the type, which the producer "
                "publishes beside the old one (both in the outbox, same transaction) until "
                "every consumer reads the new one; only then does the old one stop. A "
                "consumer that receives a version it does not know leaves it to its queue's "
                "dead-letter queue, to be re-driven once it has been upgraded."
            ),
        },
        "defaultContentType": "application/json",
        "channels": {},
        "operations": {},
        "components": {"schemas": schemas, "messages": {}},
    }
    for model in models:
        _add(doc, model)
    _add_archive(doc, [m for m in models if issubclass(m, Event)])
    return doc


ARCHIVE_ID = "archive"
ARCHIVE = (
    "Every public event, kept in the RabbitMQ stream `portal.events.archive` (bound to "
    f"`portal.events` with `{EVERY_EVENT}`) for `ARCHIVE_MAX_AGE` (default 30 days) and at most "
    "`ARCHIVE_MAX_LENGTH_BYTES` (default 20 GB), the oldest going first, a segment at a time. "
    "Read it over AMQP 0.9.1 with a prefetch (`basic.qos`) and the consumer argument "
    "`x-stream-offset`: `first`, `last`, `next`, an offset, or a timestamp (the stream starts at "
    "the chunk holding that time, so filter on each envelope's `occurred_at` too); acknowledge "
    "to keep messages flowing (nothing is removed). Messages are in publish order, each as "
    "published on `portal.events` (same id and headers). deploy/README.md shows how a new "
    "subscriber reads the past and then its own queue."
)


def _add_archive(doc: dict[str, Any], events: list[type[Message]]) -> None:
    name = BusNames().archive
    doc["channels"][ARCHIVE_ID] = {
        "address": name,
        "description": ARCHIVE,
        "messages": {m.__name__: {"$ref": f"#/components/messages/{m.__name__}"} for m in events},
        "bindings": {"amqp": {"is": "queue", "queue": {
            "name": name, "durable": True, "exclusive": False, "autoDelete": False,
        }}},
    }  # fmt: skip
    doc["operations"][f"receive.{ARCHIVE_ID}"] = {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{ARCHIVE_ID}"},
        "summary": "Read past events from a point in time (x-stream-offset).",
    }


def _schemas(models: list[type[Message]]) -> dict[str, Any]:
    wanted: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in models]
    wanted += [(m.reply, "validation") for m in models if issubclass(m, Request)]
    wanted.append((Envelope, "validation"))
    _, top = models_json_schema(wanted, ref_template=REF)
    return {name: _open(schema) for name, schema in sorted(top.get("$defs", {}).items())}


def _open(schema: Any) -> Any:
    """The schema without `additionalProperties: false`: consumers must accept fields added
    later (the models forbid them only for what we write)."""
    if isinstance(schema, dict):
        return {k: _open(v) for k, v in schema.items() if (k, v) != ("additionalProperties", False)}
    if isinstance(schema, list):
        return [_open(item) for item in schema]
    return schema


def _add(doc: dict[str, Any], model: type[Message]) -> None:
    name = model.__name__
    channel_id = f"{model.type}.v{model.version}"
    doc["components"]["messages"][name] = _message(model)
    channel: dict[str, Any] = {
        "address": _address(model),
        "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        "bindings": {"amqp": _binding(model)},
    }
    if model.__doc__:
        channel["description"] = " ".join(model.__doc__.split())
    doc["channels"][channel_id] = channel
    operation: dict[str, Any] = {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel_id}"},
    }
    if issubclass(model, Request):
        reply_name = model.reply.__name__
        doc["components"]["messages"][reply_name] = {
            "name": reply_name,
            "payload": {"$ref": REF.format(model=reply_name)},
        }
        operation["reply"] = {
            "address": {"location": "$message.header#/reply_to"},
            "messages": [{"$ref": f"#/components/messages/{reply_name}"}],
        }
    doc["operations"][f"send.{channel_id}"] = operation


def _address(model: type[Message]) -> str:
    if issubclass(model, Event):
        return model.type
    return f"{model.target}.{REQUESTS}" if issubclass(model, Request) else model.target  # type: ignore[attr-defined]


def _binding(model: type[Message]) -> dict[str, Any]:
    if issubclass(model, Event):
        return {"is": "routingKey", "exchange": EVENTS_EXCHANGE}
    if issubclass(model, Command):
        return {"is": "routingKey", "exchange": COMMANDS_EXCHANGE}
    return {"is": "queue", "queue": {"name": _address(model), "durable": True}}


def _message(model: type[Message]) -> dict[str, Any]:
    envelope = {
        "allOf": [
            {"$ref": REF.format(model="Envelope")},
            {
                "type": "object",
                "properties": {
                    "type": {"const": model.type},
                    "version": {"const": model.version},
                    "data": {"$ref": REF.format(model=model.__name__)},
                },
            },
        ]
    }
    return {
        "name": model.__name__,
        "title": model.type,
        "contentType": "application/json",
        "payload": envelope,
    }
