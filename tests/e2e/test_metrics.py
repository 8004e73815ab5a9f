"""Each service's /metrics after real traffic through the five services: the values count what
was done (requests by route template, events, RPC, bytes, mails), not just that names exist."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.local.mail import MailCatcher
from tests.support.infra import wait_until
from tests.support.journey import (
    call,
    eventually,
    firm_with_a_shared_folder,
    mails_to,
    upload,
)
from tests.support.platform import five_services
from tests.support.services import Environment, Running

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def services(env: Environment, smtp: MailCatcher) -> AsyncIterator[dict[str, Running]]:
    async with AsyncExitStack() as stack:
        yield await five_services(env, stack, smtp_port=smtp.port)


async def scrape(service: Running) -> Samples:
    async with service.http.get("/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum over the series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_every_service_counts_what_it_did(
    services: dict[str, Running], smtp: MailCatcher
) -> None:
    smtp.clear()
    firm = await firm_with_a_shared_folder(services, smtp)
    data = b"%PDF-1.4\n" + b"x" * 20_000
    uploaded = await upload(services["documents"], firm, "Avtal.pdf", data)
    for _ in range(2):
        await call(services["documents"], "GET", f"/api/v1/documents/{uploaded['id']}/content",
                   firm.staff)  # fmt: skip
    await call(services["documents"], "GET", "/api/v1/documents/not-a-uuid", firm.staff,
               expect=404)  # fmt: skip
    await wait_until(lambda: len(mails_to(smtp, firm.customer_email)) >= 2, timeout=20)

    documents = await scrape(services["documents"])
    route = "/api/v1/folders/{folder_id}/documents"
    assert value(documents, "portal_http_requests_total", route=route, status="201") == 1
    assert value(documents, "portal_http_request_duration_seconds_count", route=route) == 1
    content = "/api/v1/documents/{document_id}/content"
    assert value(documents, "portal_http_requests_total", route=content, status="200") == 2
    # Route templates only: the malformed id is not a series of its own.
    assert not [k for k in documents if "not-a-uuid" in str(k)]
    assert value(documents, "portal_uploaded_bytes_total") == len(data)
    assert value(documents, "portal_downloaded_bytes_total", via="service") == 2 * len(data)
    reserve = "billing.reserve_storage"
    assert value(documents, "portal_rpc_client_calls_total", type=reserve, outcome="ok") == 1
    assert value(documents, "portal_rpc_client_duration_seconds_count", type=reserve) == 1
    assert value(documents, "portal_events_published_total",
                 type="documents.document.uploaded") == 1  # fmt: skip

    async def drained() -> bool:
        """The gauges read the outbox when scraped: the downloads' events, committed with the
        answers, may be a moment from being relayed."""
        scraped = await scrape(services["documents"])
        pending = value(scraped, "portal_outbox_pending_messages")
        return pending == 0 and value(scraped, "portal_outbox_lag_seconds") == 0

    await wait_until(drained, timeout=10)

    billing = await scrape(services["billing"])
    assert value(billing, "portal_rpc_server_requests_total", type=reserve, outcome="ok") == 1
    assert value(billing, "portal_events_consumed_total", type="identity.firm.created") == 1

    identity = await scrape(services["identity"])
    assert value(identity, "portal_events_published_total", type="identity.firm.created") == 1
    assert value(identity, "portal_http_requests_total", route="/api/v1/firms",
                 status="202") == 1  # fmt: skip

    notify = await scrape(services["notify"])
    uploaded_type = "documents.document.uploaded"
    assert value(notify, "portal_events_consumed_total", type=uploaded_type) == 1
    assert value(notify, "portal_mails_sent_total") == len(smtp.messages)
    assert value(notify, "portal_mails_failed_total") == 0

    await eventually(services["signing"], "GET", "/api/v1/signings", firm.staff,
                     params={"client_id": firm.client_id})  # fmt: skip
    signing = await scrape(services["signing"])
    linked = "identity.contact.linked"
    assert value(signing, "portal_events_consumed_total", type=linked) == 1
    assert value(signing, "portal_http_requests_total", route="/api/v1/signings",
                 status="200") >= 1  # fmt: skip
    assert value(signing, "portal_events_failed_total") == 0
