"""Steps a party takes through their link."""

from typing import Any

from tests.signing.integration.conftest import World


async def act(
    world: World, token: str, action: str = "sign", body: Any = None, session: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:  # fmt: skip
    headers = {"X-Signing-Session": session} if session else {}
    payload = body if body is not None else ({} if action == "sign" else {"reason": "No."})
    response = await world.http.post(
        f"/api/v1/sign/{token}/{action}", json=payload, headers=headers
    )
    assert response.status == expect, await response.text()
    return await response.json()


async def otp_session(world: World, token: str, email: str, count: int = 1) -> str:
    response = await world.http.post(f"/api/v1/sign/{token}/code")
    assert response.status == 201, await response.text()
    code = await world.code(email, count)
    verified = await world.http.post(f"/api/v1/sign/{token}/code/verify", json={"code": code})
    assert verified.status == 200, await verified.text()
    return (await verified.json())["session"]
