"""The published event catalog (docs/asyncapi.json) is generated from the code and current."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def generated() -> dict:  # type: ignore[type-arg]
    # A fresh interpreter: test-only messages registered in this process must not leak in.
    result = subprocess.run(
        [sys.executable, "-m", "shared.events", "asyncapi"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_checked_in_document_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shared.events", "asyncapi", "--check", "docs/asyncapi.json"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_message_has_a_channel_an_operation_and_a_payload_schema() -> None:
    document = generated()
    assert document["asyncapi"] == "3.0.0"
    for channel_id, channel in document["channels"].items():
        assert channel["address"]
        if channel_id == "archive":
            continue
        (reference,) = channel["messages"].values()
        name = reference["$ref"].rsplit("/", 1)[1]
        assert name in document["components"]["messages"]
        assert f"send.{channel_id}" in document["operations"]
        data_ref = document["components"]["messages"][name]["payload"]["allOf"][1]
        schema_name = data_ref["properties"]["data"]["$ref"].rsplit("/", 1)[1]
        assert schema_name in document["components"]["schemas"]


def test_the_archive_channel_carries_every_public_event() -> None:
    document = generated()
    archive = document["channels"]["archive"]
    assert archive["address"] == "portal.events.archive"
    assert archive["bindings"]["amqp"]["queue"]["durable"] is True
    published = {
        name
        for channel in document["channels"].values()
        if channel["bindings"]["amqp"].get("exchange", {}).get("name") == "portal.events"
        for name in channel["messages"]
    }
    assert set(archive["messages"]) == published
    assert document["operations"]["receive.archive"]["action"] == "receive"


def test_public_events_carry_no_secret_fields() -> None:
    document = generated()
    secret_words = ("token", "password", "code", "link", "personal_number", "secret")
    for channel in document["channels"].values():
        if channel["bindings"]["amqp"].get("exchange", {}).get("name") != "portal.events":
            continue
        (reference,) = channel["messages"].values()
        name = reference["$ref"].rsplit("/", 1)[1]
        fields = document["components"]["schemas"][name].get("properties", {})
        leaked = [f for f in fields if any(word in f for word in secret_words)]
        assert not leaked, f"{name} publishes {leaked}"
