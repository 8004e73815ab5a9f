"""Mails with and without the firm's branding, in every language: the name always in text,
the logo with the name as alt text, the colours only as decoration, the portal address."""

import re

import pytest

from services.notify.branding import mail_values
from services.notify.domain import LANGUAGES
from services.notify.models import Brand
from services.notify.render import Renderer
from tests.notify.unit.test_render import COMMON, SAMPLES

PUBLIC = "https://portal.example"
BRAND = Brand(
    display_name="Bokföring & Söner",
    primary_color="#0B5394",
    accent_color="#8a3d00",
    logo_url="https://portal.example/api/v1/branding/bokforing/logo?v=0123456789abcdef",
    portal_url="https://portal.example/p/bokforing",
)
KINDS = ("document_uploaded", "customer_invitation", "signing_invitation", "daily_digest")


def render(kind: str, language: str, brand: Brand) -> tuple[str, str]:
    values = {**COMMON, **SAMPLES[kind], **mail_values(brand, "Bokföring AB", PUBLIC)}
    out = Renderer().render(kind, language, values)
    return out.text, out.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_a_branded_mail_shows_name_logo_colours_and_portal_address(
    kind: str, language: str
) -> None:
    text, html = render(kind, language, BRAND)
    assert "Bokföring & Söner" in text
    assert "https://portal.example/p/bokforing" in text
    assert "Bokföring &amp; Söner" in html
    logo = re.search(r'<img src="([^"]+)" alt="([^"]+)"', html)
    assert logo is not None
    assert logo.groups() == (BRAND.logo_url.replace("&", "&amp;"), "Bokföring &amp; Söner")
    # The name is text beside the logo too, so a mail with images blocked still names the firm.
    assert re.search(r"<span[^>]*>Bokföring &amp; Söner</span>", html)
    assert "background-color: #0b5394; color: #ffffff" in html
    assert "border-bottom: 4px solid #8a3d00" in html
    assert 'href="https://portal.example/p/bokforing"' in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_an_unbranded_mail_has_the_firm_name_and_the_platform_address(
    kind: str, language: str
) -> None:
    text, html = render(kind, language, Brand())
    assert "Bokföring AB" in text
    assert "Bokföring AB" in html
    assert "<img" not in html
    assert "background-color" not in html
    assert f'href="{PUBLIC}"' in html


def test_only_rrggbb_colours_and_web_logo_urls_reach_the_markup() -> None:
    hostile = Brand(
        primary_color="red; background-image: url(https://evil.example/t.png)",
        accent_color='#000000" onmouseover="x',
        logo_url="javascript:alert(1)",
    )
    values = mail_values(hostile, "Firm", PUBLIC)
    assert (values["primary_color"], values["accent_color"], values["logo_url"]) == (None,) * 3
    _, html = render("document_uploaded", "sv", hostile)
    assert "evil.example" not in html
    assert "javascript:" not in html
