"""Browser tests: headless Chromium (Debian's) driven by Playwright, through a real nginx
gateway serving web/dist in front of the five real services, reading the real mails.

One platform per test module (each test makes its own firm, so nothing is shared between
tests); one browser context per test. Screenshots go to test-results/screenshots/."""

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from deploy.local.mail import MailCatcher
from tests.deploy.gateway import ROOT
from tests.support.infra import Postgres, Rabbit
from tests.support.tokens import JwksServer
from tests.web.portal import Portal, portal_on

playwright_api = pytest.importorskip("playwright.async_api")
axe_api = pytest.importorskip("axe_playwright_python.async_playwright")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOTS = ROOT / "test-results" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
async def portal(
    postgres: Postgres, rabbit: Rabbit, s3: Any, jwks: JwksServer, smtp: MailCatcher
) -> AsyncIterator[Portal]:
    async with portal_on(postgres, rabbit, s3, jwks, smtp) as running:
        yield running


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per module)
        pytest.fail("Chromium is missing: scripts/bootstrap --browser installs it")
    async with playwright_api.async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        await launched.close()


class Browser:
    """One person's browser: a context at a language and size, with checks on every page."""

    def __init__(self, context: Any, page: Any, portal: Portal, phone: bool) -> None:
        self.context, self.page, self.portal, self.phone = context, page, portal, phone
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(message.text)

    async def open(self, link: str) -> None:
        """A link from a mail, or a path of the portal."""
        url = link if link.startswith("http") else self.portal.url + link
        await self.page.goto(url)

    async def check(self, name: str) -> None:
        """The page as it stands: no serious or critical axe violation, no CSP refusal, and a
        screenshot at this size and at the other one."""
        await self.page.wait_for_load_state("networkidle")
        results = await axe_api.Axe().run(self.page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in bad
        )
        assert not self.problems, self.problems
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        sizes = [("phone", PHONE), ("desktop", DESKTOP)]
        if not self.phone:
            sizes.reverse()
        for label, size in sizes:
            await self.page.set_viewport_size(size)
            await self.page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        await self.page.set_viewport_size(PHONE if self.phone else DESKTOP)
        # At phone size nothing may be wider than the screen.
        if self.phone:
            width = await self.page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} scrolls sideways at phone size ({width}px)"


@pytest.fixture
async def person(browser: Any, portal: Portal, request: pytest.FixtureRequest):
    """A person's browser; parametrize indirectly with {"locale": "sv-SE", "phone": True}."""
    options = getattr(request, "param", {}) or {}
    phone = bool(options.get("phone"))
    locale = options.get("locale", "en-GB")
    context = await browser.new_context(
        locale=locale, viewport=PHONE if phone else DESKTOP, accept_downloads=True,
        has_touch=phone, is_mobile=False,
    )  # fmt: skip
    page = await context.new_page()
    page.set_default_timeout(15_000)
    yield Browser(context, page, portal, phone)
    # The page as the test left it, to look at when it failed.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / f"last-{request.node.name}.png", full_page=True)
    await context.close()
