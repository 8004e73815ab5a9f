"""The firm's pages: `python -m bench.web_firm` (issue 14; beside bench.web, which measures the
customer's side against `scripts/run`). This one starts its own platform, as the browser tests
do (PostgreSQL and RabbitMQ of the machine; S3, mail catcher and the five services started
here; nginx serving this checkout's web/dist), so it needs no local run.

Measures, in the same run, for a firm with 2,000 clients and a client with 50 folders:
- the client list (/firm/clients, its first page of 50 rows) and the client's page with its
  folder view (/firm/clients/{id}, all 50 folder rows), from navigation to the rows shown in
  Chromium, beside the time of the API calls that page makes (session refresh, then its reads
  at once), made directly in the same run. Goal: page ready at most 1.5 times the calls' own time.
Last line: one JSON object.
"""

import asyncio
import json
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from statistics import median
from typing import Any

import aiohttp

from deploy.local.mail import MailCatcher
from deploy.local.ports import free_port
from deploy.local.s3 import S3Server
from tests.support.infra import Postgres, Rabbit
from tests.support.names import unique
from tests.support.services import Environment
from tests.support.tokens import JwksServer
from tests.web.portal import PASSWORD, Portal, firm_with_customer, running_portal

CLIENTS = 2000
FOLDERS = 50
ROUNDS = 7
CHROMIUM = "/usr/bin/chromium"


@asynccontextmanager
async def platform() -> AsyncIterator[Portal]:
    postgres, rabbit = Postgres(), Rabbit.create()
    with tempfile.TemporaryDirectory(prefix="bench-firm-") as work:
        s3 = S3Server.start(Path(work) / "s3", access_key="bench-access",
                            secret_key="bench-secret-key", log=Path(work) / "s3.log")  # fmt: skip
        mail, jwks = MailCatcher(free_port()), JwksServer()
        mail.start()
        await jwks.start()
        env = Environment(
            amqp_url=rabbit.url, namespace=unique("bench") + ".", jwks_url=jwks.url,
            s3_endpoint=s3.endpoint, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
            new_database=postgres.create_database,
        )  # fmt: skip
        try:
            async with running_portal(env, mail) as portal:
                yield portal
        finally:
            await jwks.stop()
            mail.stop()
            s3.stop()
            rabbit.delete()
            await postgres.drop_all()


async def office(portal: Portal) -> tuple[str, str]:
    """A firm of CLIENTS clients, one of them (with a registered contact) with FOLDERS folders;
    the owner's email and that client's id."""
    firm = await firm_with_customer(portal, name="Bench AB")
    gate = asyncio.Semaphore(8)

    async def client(number: int) -> None:
        async with gate:
            await portal.call("POST", "/api/v1/clients", firm.staff_token, expect=201,
                              json={"kind": "company", "name": f"Client {number:04}"})  # fmt: skip

    async def folder(number: int) -> None:
        async with gate:
            await portal.eventually(
                "POST", f"/api/v1/clients/{firm.client_id}/folders", firm.staff_token,
                expect=201, json={"name": f"Folder {number:02}", "level": "read"},
            )  # fmt: skip

    await asyncio.gather(*(client(n) for n in range(CLIENTS - 1)))
    await asyncio.gather(*(folder(n) for n in range(FOLDERS)))
    return firm.owner, firm.client_id


async def api_time(portal: Portal, email: str, reads: list[str]) -> float:
    """What the page asks, in its order: the session refresh, then its reads at once."""
    origin = {"X-Session-Mode": "browser", "Origin": portal.url}
    async with aiohttp.ClientSession() as fresh:
        async with fresh.post(portal.url + "/api/v1/auth/sign-in", headers=origin,
                              json={"email": email, "password": PASSWORD}) as r:  # fmt: skip
            cookie = r.cookies["portal_refresh"].value
        started = time.perf_counter()
        async with fresh.post(portal.url + "/api/v1/auth/browser/refresh", headers=origin,
                              cookies={"portal_refresh": cookie}) as r:  # fmt: skip
            auth = {"Authorization": f"Bearer {(await r.json())['access_token']}"}

        async def get(path: str) -> None:
            async with fresh.get(portal.url + path, headers=auth) as response:
                await response.read()

        await asyncio.gather(*(get(path) for path in reads))
        return time.perf_counter() - started


# Taken by the page's own clock, from the click's event to the rows in the document, so that
# the driver's own work around a click (on a busy machine, a good part of it) is not counted.
ROWS_AFTER_CLICK = """(rows) => new Promise((resolve) => {
  document.addEventListener("click", () => {
    const started = performance.now();
    const done = () => {
      if (document.querySelectorAll("tbody tr").length < rows) return false;
      observer.disconnect();
      resolve((performance.now() - started) / 1000);
      return true;
    };
    const observer = new MutationObserver(done);
    observer.observe(document.body, { childList: true, subtree: true });
  }, { capture: true, once: true });
})"""


async def in_app(page: Any, link: Any, rows: int) -> float:
    """From a click on `link` inside the running app to `rows` rows shown (the page before
    it has fewer)."""
    timing = asyncio.ensure_future(page.evaluate(ROWS_AFTER_CLICK, rows))
    await asyncio.sleep(0.05)  # the listener is in place before the click
    await link.click()
    return await timing


async def page_times(
    portal: Portal, email: str, client: str, pages: dict[str, tuple[str, int]]
) -> dict[str, float]:
    """For each page (path, rows to wait for): navigation to the rows shown, a warm browser;
    and inside the running app, from the link's click to the rows (no app start, which on a
    busy machine is most of a navigation)."""
    from playwright.async_api import async_playwright

    found: dict[str, list[float]] = {
        name: [] for name in [*pages, "in_app_clients", "in_app_folders"]
    }
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = await (await browser.new_context(locale="en-GB")).new_page()
        await page.goto(portal.url + "/sign-in")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.get_by_role("heading", name="Needs attention", exact=True).wait_for()
        for _ in range(ROUNDS + 1):  # the first round warms the cache and is not counted
            for name, (path, rows) in pages.items():
                started = time.perf_counter()
                await page.goto(portal.url + path)
                await page.locator("tbody tr").nth(rows - 1).wait_for()
                found[name].append(time.perf_counter() - started)
            await page.goto(portal.url + "/firm")
            clients = page.get_by_role("link", name="Clients", exact=True)
            found["in_app_clients"].append(await in_app(page, clients, 50))
            await page.get_by_label("Search clients").fill(client)
            link = page.get_by_role("link", name=client, exact=True)
            await link.wait_for()
            found["in_app_folders"].append(await in_app(page, link, FOLDERS))
        await browser.close()
    return {name: median(times[1:]) for name, times in found.items()}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


async def main() -> dict[str, Any]:
    async with platform() as portal:
        email, client_id = await office(portal)
        lists = ["/api/v1/clients?archived=false&limit=50&offset=0"]
        folders = [f"/api/v1/clients/{client_id}", f"/api/v1/clients/{client_id}/folders",
                   f"/api/v1/clients/{client_id}/contacts"]  # fmt: skip
        list_api = median([await api_time(portal, email, lists) for _ in range(ROUNDS)])
        folder_api = median([await api_time(portal, email, folders) for _ in range(ROUNDS)])
        pages = await page_times(portal, email, "Bench AB", {
            "clients": ("/firm/clients", 50), "folders": (f"/firm/clients/{client_id}", FOLDERS),
        })  # fmt: skip
    return {
        "clients": CLIENTS, "folders": FOLDERS,
        "client_list_api_ms": ms(list_api), "client_list_page_ms": ms(pages["clients"]),
        "client_list_over_api": round(pages["clients"] / list_api, 2),
        "folder_view_api_ms": ms(folder_api), "folder_view_page_ms": ms(pages["folders"]),
        "folder_view_over_api": round(pages["folders"] / folder_api, 2),
        "client_list_in_app_ms": ms(pages["in_app_clients"]),
        "client_list_in_app_over_api": round(pages["in_app_clients"] / list_api, 2),
        "folder_view_in_app_ms": ms(pages["in_app_folders"]),
        "folder_view_in_app_over_api": round(pages["in_app_folders"] / folder_api, 2),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
