"""The firm's branding reaches its mails: identity's branding event kept in notify's replica
(a late, older event changes nothing), and the mail that arrives over SMTP shows it."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import identity
from tests.notify.integration.conftest import Notify
from tests.notify.integration.test_fanout import uploaded
from tests.notify.integration.test_security_mails import html
from tests.support.infra import wait_until


def branding(firm_id: uuid.UUID, **changes: Any) -> identity.FirmBrandingChanged:
    values: dict[str, Any] = {
        "firm_id": firm_id, "display_name": "Byrån i Stan", "primary_color": "#0b5394",
        "accent_color": "#8a3d00", "slug": "byran-i-stan",
        "logo_url": "https://portal.example/api/v1/branding/byran-i-stan/logo?v=00ff",
        "portal_url": "https://portal.example/p/byran-i-stan",
    } | changes  # fmt: skip
    return identity.FirmBrandingChanged(**values)


async def test_a_customers_mail_shows_the_firms_branding_and_portal_address(
    notify: Notify,
) -> None:
    firm = await notify.open_firm(firm_id=notify.firm_id)
    now = datetime.now(UTC)
    await notify.publish(branding(firm), now=now)
    older = branding(firm, display_name="Old Name", primary_color="#000000")
    late = await notify.publish(older, now=now - timedelta(minutes=1))
    client = await notify.client()
    contact = await notify.contact(client, ["operational"], language="de")
    await notify.settled(people=1)
    await notify.delivered(late)

    event = await notify.publish(uploaded(client, [contact]), actor=None)
    await wait_until(lambda: len(notify.mails_to(f"{contact}@client.test")) == 1)
    await notify.delivered(event)
    (mail,) = notify.mails_to(f"{contact}@client.test")
    body = html(mail)
    assert 'alt="Byrån i Stan"' in body
    assert "background-color: #0b5394" in body
    assert 'src="https://portal.example/api/v1/branding/byran-i-stan/logo?v=00ff"' in body
    assert "Old Name" not in body
    text = str(mail.get_body(("plain",)).get_content())
    assert "Byrån i Stan" in text
    assert "https://portal.example/p/byran-i-stan" in text
    assert "Dokument" in mail["Subject"]  # in the contact's language
