"""The platform with tracing on, in a process of its own: a tracer provider and the
instrumentations are process-wide and cannot be taken back, so the test process stays
untraced. Prints the finished spans as one JSON list on its last line.

`python -m tests.support.traced MODE CONFIG_JSON`
- `upload`: the five services at ratio 1; a firm shares a folder, then staff upload one file
  as a caller sending a `traceparent` that says "not sampled" and an `X-Request-Id`.
- `sampling`: billing alone at ratio 0; a caller's request says "sampled".
CONFIG_JSON names the test's broker, namespace and S3 (`Environment`'s fields, without
databases, which this process makes and drops itself).
"""

import asyncio
import json
import sys
from contextlib import AsyncExitStack
from typing import Any

from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from services.billing.app import create_app as billing_app
from services.billing.settings import BillingSettings
from shared.telemetry import setup_tracing
from tests.support.infra import Postgres, wait_until
from tests.support.journey import call, firm_with_a_shared_folder, mails_to, upload
from tests.support.platform import five_services
from tests.support.services import Environment, serve

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
UPLOAD_REQUEST_ID = "gateway-request-7f3a"


async def traced_upload(env: Environment) -> None:
    mail = MailCatcher(free_port())
    mail.start()
    try:
        async with AsyncExitStack() as stack:
            services = await five_services(env, stack, smtp_port=mail.port)
            firm = await firm_with_a_shared_folder(services, mail)
            before = len(mails_to(mail, firm.customer_email))
            headers = {
                "traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-00",
                "X-Request-Id": UPLOAD_REQUEST_ID,
            }
            with suppress_http_instrumentation():  # the caller is not one of ours
                await upload(services["documents"], firm, "Avtal.pdf", b"%PDF-1.4\n" + b"x" * 9,
                             headers=headers)  # fmt: skip
            await wait_until(lambda: len(mails_to(mail, firm.customer_email)) > before, 20)
    finally:
        mail.stop()


async def untrusted_sampled_caller(env: Environment) -> None:
    async with serve(billing_app(await env.settings(BillingSettings))) as billing:
        headers = {"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"}
        with suppress_http_instrumentation():
            for _ in range(20):
                await call(billing, "GET", "/api/v1/billing/account", expect=401, headers=headers)


def described(span: ReadableSpan) -> dict[str, Any]:
    parent = span.parent
    return {
        "name": span.name,
        "kind": span.kind.name,
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_id": format(parent.span_id, "016x") if parent else None,
        "attributes": {k: str(v) for k, v in (span.attributes or {}).items()},
    }


async def main(mode: str, config: dict[str, Any]) -> None:
    exporter = InMemorySpanExporter()
    ratio = 1.0 if mode == "upload" else 0.0
    provider = setup_tracing("tests", "none", ratio, span_exporter=exporter)
    assert provider is not None
    databases = Postgres()
    env = Environment(**config, new_database=databases.create_database)
    try:
        if mode == "upload":
            await traced_upload(env)
        else:
            await untrusted_sampled_caller(env)
    finally:
        await databases.drop_all()
    provider.force_flush()
    print(json.dumps([described(span) for span in exporter.get_finished_spans()]))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
