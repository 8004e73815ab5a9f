"""What the firm-side browser tests share: a staff user signing in, and a second staff user
invited and registered through the real mails."""

import uuid
from typing import Any

from tests.web.conftest import Browser
from tests.web.portal import PASSWORD, Portal

LABELS = {
    "en": ("Email", "Password", "Sign in", "Needs attention"),
    "sv": ("E-post", "Lösenord", "Logga in", "Att hantera"),
}


async def staff_signs_in(
    person: Browser, email: str, language: str = "en", password: str = PASSWORD
) -> None:
    """Signs in by password and lands on the firm's home (a staff context goes to /firm)."""
    email_label, password_label, submit, home = LABELS[language]
    page = person.page
    await person.open("/sign-in")
    await page.get_by_label(email_label).fill(email)
    await page.get_by_label(password_label, exact=True).fill(password)
    await page.get_by_role("button", name=submit, exact=True).click()
    await page.get_by_role("heading", name=home, exact=True).wait_for()


async def colleague(portal: Portal, owner_token: str, role: str) -> dict[str, Any]:
    """A staff user of the owner's firm with `role`, registered from the invitation mail."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@firm.example"
    invite = {"name": f"Kollega {role}", "email": email, "role": role}
    staff = await portal.call("POST", "/api/v1/staff", owner_token, expect=201, json=invite)
    token = (await portal.link(email, "/register")).rsplit("#token=", 1)[1]
    tokens = await portal.call("POST", "/api/v1/auth/register",
                               json={"token": token, "password": PASSWORD})  # fmt: skip
    return {"id": staff["id"], "email": email, "token": tokens["access_token"]}
