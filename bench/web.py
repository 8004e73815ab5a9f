"""Web portal benchmark: `python -m bench.web` (with `scripts/run` up; PORTAL_URL, default
http://127.0.0.1:8080, says where).

Measures, in the same run:
- the built app's JavaScript and CSS, gzip: what index.html loads first (the initial bundle,
  goal ≤ 200 KB) and what loads later (pdf.js and its worker, only when a preview opens);
- in Chromium, for a customer with 500 documents in a folder, the time from navigating to the
  folder's page to its documents list being shown, beside the time of the API calls that page
  makes (session refresh, folder, document list), made directly in the same run; also the time
  inside the running app, by the page's own clock, from a click on the folder list's link to
  the rows, beside the folder and list calls alone (goal: page ready at most 1.5 times the
  calls' own time). A new firm and customer are made through the
  public API, reading the local run's mails from .local/mail/new.
Last line: one JSON object.
"""

import asyncio
import email
import email.policy
import gzip
import json
import os
import re
import time
import uuid
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "web" / "dist"
MAILDIR = ROOT / ".local" / "mail"
PORTAL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8080")
PASSWORD = "benchmark-customer-password"
DOCUMENTS = 500
ROUNDS = 7


def sizes() -> dict[str, int]:
    index = (DIST / "index.html").read_text()
    initial = set(re.findall(r'(?:src|href)="/(assets/[^"]+)"', index))
    totals = {"initial_js": 0, "lazy_js": 0, "css": 0}
    for path in (DIST / "assets").iterdir():
        packed = len(gzip.compress(path.read_bytes(), 9))
        name = f"assets/{path.name}"
        if path.suffix == ".css":
            totals["css"] += packed
        elif path.suffix in (".js", ".mjs"):
            totals["initial_js" if name in initial else "lazy_js"] += packed
    return {f"{key}_gzip_bytes": value for key, value in totals.items()}


async def mailed_token(address: str, path: str) -> str:
    pattern = re.compile(rf"{re.escape(path)}#token=([\w-]+)")
    for _ in range(300):
        for file in sorted(MAILDIR.glob("*/*")):
            message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
            if address not in str(message.get("To", "")):
                continue
            body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
            found = pattern.search(body.get_content() if body else "")
            if found:
                return found.group(1)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"no {path} mail reached {address}")


async def call(http: aiohttp.ClientSession, method: str, path: str, token: str = "", **kw: Any):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers |= kw.pop("headers", {})
    for _ in range(50):
        async with http.request(method, PORTAL + path, headers=headers, **kw) as response:
            body = await response.read()
            if response.status < 300:
                return json.loads(body) if body else None
            if response.status not in (403, 404):
                raise RuntimeError(f"{method} {path}: {response.status} {body[:300]!r}")
        await asyncio.sleep(0.2)  # a service still learning the firm from identity's events
    raise RuntimeError(f"{method} {path} kept failing")


async def customer_with_documents(http: aiohttp.ClientSession) -> tuple[str, str]:
    tag = uuid.uuid4().hex[:8]
    owner, email = f"bench-owner-{tag}@firm.example", f"bench-{tag}@kund.example"
    await call(http, "POST", "/api/v1/firms", json={
        "name": f"Bench {tag}", "country": "SE", "plan": "partner", "owner_name": "Bench Owner",
        "default_language": "en",
        "owner_email": owner,
    })  # fmt: skip
    confirm = await mailed_token(owner, "/sign-up/confirm")
    firm = await call(http, "POST", "/api/v1/firms/confirm",
                      json={"token": confirm, "password": PASSWORD})  # fmt: skip
    staff = firm["tokens"]["access_token"]
    client = await call(http, "POST", "/api/v1/clients", staff, json={
        "kind": "company", "name": "Bench AB", "contacts": [{
            "first_name": "Bo", "last_name": "Bench", "email": email, "primary": True,
            "roles": ["operational"],
        }],
    })  # fmt: skip
    await call(http, "PUT", f"/api/v1/contacts/{client['contacts'][0]['id']}/portal-access",
               staff, json={"enabled": True})  # fmt: skip
    invitation = await mailed_token(email, "/register")
    await call(http, "POST", "/api/v1/auth/register",
               json={"token": invitation, "password": PASSWORD})  # fmt: skip
    folder = await call(http, "POST", f"/api/v1/clients/{client['id']}/folders", staff,
                        json={"name": "Archive", "level": "read", "audience": "all"})  # fmt: skip
    gate = asyncio.Semaphore(8)

    async def upload(number: int) -> None:
        async with gate:
            await call(http, "POST", f"/api/v1/folders/{folder['id']}/documents", staff,
                       params={"name": f"Document {number:03}.txt"}, data=b"x" * 64)  # fmt: skip

    await asyncio.gather(*(upload(n) for n in range(DOCUMENTS)))
    return email, folder["id"]


async def api_time(http: aiohttp.ClientSession, email: str, folder: str) -> tuple[float, float]:
    """The calls the folder page makes, in its order, straight to the gateway: on a page load
    (the session's refresh, then the folder and its list) and inside the running app (the
    folder and its list)."""
    origin = {"X-Session-Mode": "browser", "Origin": PORTAL}
    async with aiohttp.ClientSession() as fresh:
        async with fresh.post(PORTAL + "/api/v1/auth/sign-in", headers=origin,
                              json={"email": email, "password": PASSWORD}) as r:  # fmt: skip
            cookie = r.cookies["portal_refresh"].value
        started = time.perf_counter()
        async with fresh.post(PORTAL + "/api/v1/auth/browser/refresh", headers=origin,
                              cookies={"portal_refresh": cookie}) as r:  # fmt: skip
            token = (await r.json())["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        async def get(path: str) -> None:
            async with fresh.get(PORTAL + path, headers=auth) as response:
                await response.read()

        # As the page does: the folder and its document list at once.
        listed = time.perf_counter()
        await asyncio.gather(
            get(f"/api/v1/folders/{folder}"), get(f"/api/v1/folders/{folder}/documents?limit=200")
        )
        done = time.perf_counter()
        return done - started, done - listed


async def page_time(email: str, folder: str) -> tuple[float, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(PORTAL + "/sign-in")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.get_by_role("heading", name="Home", exact=True).wait_for()
        await page.goto(f"{PORTAL}/folders/{folder}")  # warm: the assets are cached now
        await page.locator("tbody tr").nth(199).wait_for()
        started = time.perf_counter()
        await page.goto(f"{PORTAL}/folders/{folder}")
        await page.locator("tbody tr").nth(199).wait_for()
        loaded = time.perf_counter() - started
        # Inside the running app, by the page's own clock (no driver round trips): from a click
        # on the folder list's link to the 200 rows in the document. The list page is loaded
        # anew first, so nothing of the folder is cached and the page calls the API.
        await page.goto(f"{PORTAL}/folders")
        await page.get_by_role("link", name="Archive").wait_for()
        in_app = await page.evaluate(IN_APP) / 1000
        await browser.close()
        return loaded, in_app


# Clicks the folder's link and resolves with the milliseconds until its rows are shown.
IN_APP = """() => new Promise((resolve) => {
  const started = performance.now();
  const shown = () => document.querySelectorAll("tbody tr").length >= 200;
  const watch = new MutationObserver(() => {
    if (shown()) { watch.disconnect(); resolve(performance.now() - started); }
  });
  watch.observe(document.body, { childList: true, subtree: true });
  [...document.querySelectorAll("a")].find((a) => a.textContent.includes("Archive")).click();
})"""


async def main() -> dict[str, Any]:
    result: dict[str, Any] = sizes()
    result["initial_js_goal_met"] = result["initial_js_gzip_bytes"] <= 200_000
    async with aiohttp.ClientSession() as http:
        email, folder = await customer_with_documents(http)
        apis = [await api_time(http, email, folder) for _ in range(ROUNDS)]
    pages = [await page_time(email, folder) for _ in range(ROUNDS)]
    result |= {
        "documents": DOCUMENTS,
        "api_calls_ms": round(median(a[0] for a in apis) * 1000, 1),
        "in_app_api_calls_ms": round(median(a[1] for a in apis) * 1000, 1),
        "page_ready_ms": round(median(p[0] for p in pages) * 1000, 1),
        "in_app_ready_ms": round(median(p[1] for p in pages) * 1000, 1),
    }
    result["page_over_api"] = round(result["page_ready_ms"] / result["api_calls_ms"], 2)
    result["in_app_over_api"] = round(result["in_app_ready_ms"] / result["in_app_api_calls_ms"], 2)
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
