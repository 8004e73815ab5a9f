"""The billing HTTP API as a firm's owner or admin uses it, and as nobody else can."""

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from shared.events.billing import CommitStorage, ReserveStorage
from shared.events.identity import FirmCreated
from tests.billing.integration.conftest import Billing


async def test_a_new_account_shows_plan_storage_and_two_free_credits(billing: Billing) -> None:
    firm = await billing.open_firm("bureau")
    async with billing.http.get("/api/v1/billing/account", headers=billing.token(firm)) as answer:
        body = await answer.json()
    assert answer.status == 200
    assert body["plan"] == "bureau"
    assert body["storage"] == {
        "used": 0, "reserved": 0, "limit": 50_000, "blocks": 0, "block_bytes": 10**10,
    }  # fmt: skip
    assert body["balance"] == {"credits": 2, "reserved": 0}


@pytest.mark.parametrize(
    ("kind", "role", "status"),
    [("staff", "member", 403), ("contact", None, 403), ("staff", "admin", 200)],
)
async def test_only_owner_and_admin_may_see_billing(
    billing: Billing, kind: str, role: str | None, status: int
) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm, kind=kind, role=role)
    for path in (
        "/api/v1/billing/account",
        "/api/v1/billing/ledger",
        "/api/v1/billing/statements/2025-01",
    ):
        async with billing.http.get(path, headers=headers) as answer:
            assert answer.status == status, path
    async with billing.http.post(
        "/api/v1/billing/credit-purchases", json={"pack": "10"}, headers=headers
    ) as answer:
        assert answer.status == (201 if status == 200 else status)


async def test_a_firm_not_learnt_yet_is_503_to_retry_never_404(billing: Billing) -> None:
    """The firm comes from the token, which proves identity made it: an account billing has
    not opened yet is its FirmCreated still on the way (waited for, then 503), not missing."""
    mine, unheard_of = await billing.open_firm(), uuid.uuid4()
    await billing.call(ReserveStorage(idempotency_key="x", bytes=700), mine)
    for path in ("/api/v1/billing/account", "/api/v1/billing/ledger"):
        async with billing.http.get(path, headers=billing.token(unheard_of)) as answer:
            assert answer.status == 503
            assert answer.headers["Retry-After"] == "1"
            assert answer.content_type == "application/problem+json"
    async with billing.http.get("/api/v1/billing/account") as answer:
        assert answer.status == 401


async def test_a_request_right_after_sign_up_waits_for_the_account(billing: Billing) -> None:
    firm_id = uuid.uuid4()
    created = FirmCreated(firm_id=firm_id, name="Ny Byrå", country="SE", plan="partner",
                          default_language="sv", owner_id=uuid.uuid4())  # fmt: skip
    asking = asyncio.create_task(
        billing.http.get("/api/v1/billing/account", headers=billing.token(firm_id))
    )
    await asyncio.sleep(0.3)  # the request is waiting before the event is even published
    await billing.publish(created, firm_id)
    async with await asking as answer:
        assert answer.status == 200
        assert (await answer.json())["plan"] == "partner"


async def test_blocks_raise_the_limit_and_cancelling_below_usage_is_refused(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm, role="admin")
    async with billing.http.post(
        "/api/v1/billing/storage-blocks", json={"quantity": 2}, headers=headers
    ) as answer:
        assert (await answer.json())["storage"]["limit"] == 10_000 + 2 * 10**10
    await billing.call(ReserveStorage(idempotency_key="big", bytes=10**10), firm)
    await billing.call(CommitStorage(idempotency_key="big"), firm)
    cancel = "/api/v1/billing/storage-blocks/cancellations"
    async with billing.http.post(cancel, json={"quantity": 2}, headers=headers) as refused:
        assert refused.status == 409
    async with billing.http.post(cancel, json={"quantity": 1}, headers=headers) as answer:
        storage = (await answer.json())["storage"]
    assert (storage["used"], storage["limit"], storage["blocks"]) == (10**10, 10_000 + 10**10, 1)


async def test_plan_change_moves_the_limit_unless_usage_would_not_fit(billing: Billing) -> None:
    firm = await billing.open_firm("bureau")
    headers = billing.token(firm)
    async with billing.http.put(
        "/api/v1/billing/plan", json={"plan": "partner"}, headers=headers
    ) as answer:
        assert (await answer.json())["storage"]["limit"] == 10_000
    await billing.call(ReserveStorage(idempotency_key="r", bytes=9_000), firm)
    async with billing.http.put(
        "/api/v1/billing/plan", json={"plan": "bureau"}, headers=headers
    ) as answer:
        assert (await answer.json())["plan"] == "bureau"
    await billing.call(ReserveStorage(idempotency_key="r2", bytes=20_000), firm)
    async with billing.http.put(
        "/api/v1/billing/plan", json={"plan": "partner"}, headers=headers
    ) as refused:
        assert refused.status == 409
    async with billing.http.put(
        "/api/v1/billing/plan", json={"plan": "gold"}, headers=headers
    ) as bad:
        assert bad.status == 422


async def test_credit_purchase_tops_up_and_appears_on_the_statement_with_vat(
    billing: Billing,
) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm)
    async with billing.http.post(
        "/api/v1/billing/credit-purchases", json={"pack": "10"}, headers=headers
    ) as bought:
        purchase = await bought.json()
    async with billing.http.post(
        "/api/v1/billing/storage-blocks", json={"quantity": 3}, headers=headers
    ):
        pass
    async with billing.http.post(
        "/api/v1/billing/credit-purchases", json={"pack": "nope"}, headers=headers
    ) as bad:
        assert bad.status == 422
    month = datetime.now(UTC).strftime("%Y-%m")
    async with billing.http.get(f"/api/v1/billing/statements/{month}", headers=headers) as answer:
        statement = await answer.json()
    assert (bought.status, purchase["credits"], purchase["balance"]) == (201, 10, 12)
    assert [(line["quantity"], line["amount_ore"]) for line in statement["lines"]] == [
        (3, 23_700),
        (1, 39_000),
    ]
    assert (statement["subtotal_ore"], statement["vat_ore"], statement["total_ore"]) == (
        62_700,
        15_675,
        78_375,
    )
    assert (statement["vat_sek"], statement["total_sek"]) == ("156.75", "783.75")


async def test_a_purchase_sent_twice_with_one_key_is_bought_once(billing: Billing) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm)

    async def buy(pack: str, key: str | None) -> tuple[int, dict]:
        body = {"pack": pack} if key is None else {"pack": pack, "idempotency_key": key}
        async with billing.http.post(
            "/api/v1/billing/credit-purchases", json=body, headers=headers
        ) as answer:
            return answer.status, await answer.json()

    double_click = await asyncio.gather(buy("10", "click-1"), buy("10", "click-1"))
    assert [status for status, _ in double_click] == [201, 201]
    assert double_click[0][1]["id"] == double_click[1][1]["id"]
    status, misuse = await buy("50", "click-1")
    assert (status, misuse["field"]) == (409, "idempotency_key")
    assert (await buy("10", None))[1]["balance"] == 2 + 10 + 10
    async with billing.http.get("/api/v1/billing/account", headers=headers) as answer:
        assert (await answer.json())["balance"]["credits"] == 22
    bought = await billing.row(
        "SELECT count(*) AS n FROM credit_purchases WHERE firm_id = $1", firm
    )
    assert bought["n"] == 2


async def test_blocks_bought_or_cancelled_twice_with_one_key_change_once(billing: Billing) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm)

    async def send(path: str, quantity: int, key: str) -> tuple[int, dict]:
        body = {"quantity": quantity, "idempotency_key": key}
        async with billing.http.post(
            f"/api/v1/billing/storage-blocks{path}", json=body, headers=headers
        ) as answer:
            return answer.status, await answer.json()

    double_click = await asyncio.gather(send("", 2, "buy-1"), send("", 2, "buy-1"))
    assert [(status, body["storage"]["blocks"]) for status, body in double_click] == [
        (200, 2),
        (200, 2),
    ]
    status, misuse = await send("/cancellations", 1, "buy-1")
    assert (status, misuse["field"]) == (409, "idempotency_key")
    assert "buying 2 storage blocks" in misuse["detail"]
    for _ in range(3):  # a retried cancellation, even once no block would be left to cancel
        status, answer = await send("/cancellations", 2, "cancel-1")
        assert (status, answer["storage"]["blocks"]) == (200, 0)
    assert (await send("", 1, "buy-2"))[1]["storage"]["blocks"] == 1
    held = await billing.row(
        """SELECT count(*) AS bought, count(ended_at) AS ended
           FROM storage_blocks WHERE firm_id = $1""",
        firm,
    )
    assert (held["bought"], held["ended"]) == (3, 2)
    ledger = await billing.row(
        "SELECT count(*) AS n FROM ledger WHERE firm_id = $1 AND kind LIKE 'blocks.%'", firm
    )
    assert ledger["n"] == 3


async def test_a_month_with_nothing_bought_is_an_empty_statement(billing: Billing) -> None:
    firm = await billing.open_firm()
    async with billing.http.get(
        "/api/v1/billing/statements/2020-02", headers=billing.token(firm)
    ) as answer:
        statement = await answer.json()
    async with billing.http.get(
        "/api/v1/billing/statements/2020-13", headers=billing.token(firm)
    ) as bad:
        assert bad.status == 422
    assert (statement["lines"], statement["total_ore"]) == ([], 0)


async def test_ledger_pages_newest_first(billing: Billing) -> None:
    firm = await billing.open_firm()
    for n in range(5):
        await billing.call(ReserveStorage(idempotency_key=f"p{n}", bytes=10), firm)
    headers, seen, before = billing.token(firm), [], None
    while True:
        query = {"limit": "2"} | ({"before": str(before)} if before else {})
        async with billing.http.get(
            "/api/v1/billing/ledger", params=query, headers=headers
        ) as answer:
            page = await answer.json()
        seen += page["entries"]
        before = page["next_before"]
        if before is None:
            break
    assert [e["key"] for e in seen[:5]] == ["p4", "p3", "p2", "p1", "p0"]
    assert [e["kind"] for e in seen] == ["storage.reserved"] * 5 + ["credit.granted"]


async def test_openapi_documents_every_billing_route(billing: Billing) -> None:
    async with billing.http.get("/openapi.json") as answer:
        paths = (await answer.json())["paths"]
    assert {p for p in paths if p.startswith("/api/v1/billing")} == {
        "/api/v1/billing/account", "/api/v1/billing/plan", "/api/v1/billing/storage-blocks",
        "/api/v1/billing/storage-blocks/cancellations", "/api/v1/billing/credit-purchases",
        "/api/v1/billing/ledger", "/api/v1/billing/statements/{month}",
        "/api/v1/billing/prices", "/api/v1/billing/balance",
    }  # fmt: skip


async def test_the_prices_on_sale_are_public_and_come_from_the_settings(billing: Billing) -> None:
    async with billing.http.get("/api/v1/billing/prices") as answer:
        body = await answer.json()
    assert answer.status == 200
    # The fixture's billing has small plans (conftest), so these are its settings, not defaults.
    assert {p["plan"]: p["included_bytes"] for p in body["plans"]} == {
        "partner": 10_000, "bureau": 50_000,
    }  # fmt: skip
    assert (body["block_bytes"], body["block_price_ore"]) == (10**10, 7900)
    assert {"pack": "10", "credits": 10, "price_ore": 39000} in body["credit_packs"]
    assert body["vat_percent"] == 25


@pytest.mark.parametrize(
    ("kind", "role", "status"),
    [("staff", "member", 200), ("staff", "owner", 200), ("contact", None, 403)],
)
async def test_every_staff_role_sees_the_signing_balance_and_no_customer_does(
    billing: Billing, kind: str, role: str | None, status: int
) -> None:
    firm = await billing.open_firm()
    headers = billing.token(firm, kind=kind, role=role)
    async with billing.http.get("/api/v1/billing/balance", headers=headers) as answer:
        body = await answer.json()
    assert answer.status == status
    if status == 200:
        assert body == {"credits": 2}
    # A firm billing has not heard of yet: its account is being opened (never "no such firm").
    async with billing.http.get(
        "/api/v1/billing/balance", headers=billing.token(uuid.uuid4())
    ) as answer:
        assert answer.status == 503
        assert answer.headers["Retry-After"]
