"""The web portal's session mode: the refresh token only in an HttpOnly, SameSite=Strict cookie
scoped to the browser auth routes, the access token in the body; rotation from the cookie,
sign-out revoking the session and clearing the cookie; cross-site requests refused. API
clients keep the JSON tokens."""

from typing import Any

from tests.identity.integration.conftest import PASSWORD, Identity

ORIGIN = "http://127.0.0.1:8080"  # the settings' default PORTAL_PUBLIC_URL
BROWSER = {"X-Session-Mode": "browser", "Origin": ORIGIN}


async def post(
    identity: Identity, path: str, body: Any = None, **headers: str
) -> tuple[int, Any, Any]:
    async with identity.http.post(path, json=body, headers=headers) as response:
        text = await response.text()
        return response.status, (await response.json() if text else None), response


async def test_a_browser_gets_the_refresh_token_only_as_an_httponly_cookie(
    identity: Identity,
) -> None:
    owner = await identity.sign_up()
    credentials = {"email": owner["email"], "password": PASSWORD}
    status, body, response = await post(identity, "/api/v1/auth/sign-in", credentials, **BROWSER)
    assert status == 200
    assert "refresh_token" not in body
    assert body["access_token"]
    cookie = response.cookies["portal_refresh"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/v1/auth/browser"
    assert not cookie["secure"]  # the local portal is plain http; https sets Secure

    # The cookie alone renews the access token, and is rotated each time.
    jar = {"portal_refresh": cookie.value}
    async with identity.http.post(
        "/api/v1/auth/browser/refresh", headers=BROWSER, cookies=jar
    ) as renewed:
        assert renewed.status == 200
        again = await renewed.json()
        assert "refresh_token" not in again
        rotated = renewed.cookies["portal_refresh"].value
        assert rotated != cookie.value
    me = await identity.as_(again["access_token"]).get("/api/v1/me")
    assert me.status == 200

    # Signing out revokes the session and clears the cookie; the old cookie buys nothing.
    async with identity.http.post(
        "/api/v1/auth/browser/sign-out", headers=BROWSER, cookies={"portal_refresh": rotated}
    ) as out:
        assert out.status == 204
        assert out.cookies["portal_refresh"].value == ""
    async with identity.http.post(
        "/api/v1/auth/browser/refresh", headers=BROWSER, cookies={"portal_refresh": rotated}
    ) as refused:
        assert refused.status == 401


async def test_cross_site_browser_calls_are_refused(identity: Identity) -> None:
    owner = await identity.sign_up()
    credentials = {"email": owner["email"], "password": PASSWORD}
    for origin in ("http://evil.example", None):
        headers = {"X-Session-Mode": "browser"} | ({"Origin": origin} if origin else {})
        status, body, _ = await post(identity, "/api/v1/auth/sign-in", credentials, **headers)
        assert status == 403, body
        status, _, _ = await post(identity, "/api/v1/auth/browser/refresh", **headers)
        assert status == 403


async def test_api_clients_keep_the_json_tokens(identity: Identity) -> None:
    owner = await identity.sign_up()
    credentials = {"email": owner["email"], "password": PASSWORD}
    status, body, response = await post(identity, "/api/v1/auth/sign-in", credentials)
    assert status == 200
    assert body["refresh_token"]
    assert "portal_refresh" not in response.cookies
