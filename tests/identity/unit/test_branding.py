"""Branding rules, literals in and answers out: colour contrast, portal addresses, logos."""

from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain import (
    check_colour,
    check_slug,
    contrast_with_white,
    slug_free_at,
)
from services.identity.logos import MAX_LOGO_BYTES, PNG, SVG, check_logo
from shared.errors import Invalid, TooLarge
from tests.support.images import png, svg


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)


def test_a_colour_white_text_is_readable_on_passes_in_lower_case() -> None:
    assert check_colour("#1A5FB4", "primary_color") == "#1a5fb4"


@pytest.mark.parametrize("colour", ["#777777", "#ffcc00", "#ffffff", "#3a9bdc"])
def test_a_light_colour_is_refused_with_its_field_and_ratio(colour: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_colour(colour, "accent_color")
    assert refused.value.field == "accent_color"
    ratio = refused.value.extra["ratio"]
    assert ratio < 4.5
    assert f"{ratio:.2f}:1" in refused.value.detail
    assert ratio == int(contrast_with_white(colour) * 100) / 100


@pytest.mark.parametrize("colour", ["1a5fb4", "#1a5fb", "#1a5fb4ff", "blue", "#gggggg"])
def test_a_colour_not_written_rrggbb_is_refused(colour: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_colour(colour, "primary_color")
    assert refused.value.field == "primary_color"


@pytest.mark.parametrize("slug", ["abc", "bokforing-ab", "a1-b2-c3", "x" * 40, "123"])
def test_good_portal_addresses(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    ["ab", "x" * 41, "Bokforing", "bok_foring", "bok foring", "-abc", "abc-", "a--b",
     "bokföring", "abc/def", "", "api", "admin", "sign-in", "www"],
)  # fmt: skip
def test_bad_or_reserved_portal_addresses_are_refused(slug: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_slug(slug)
    assert refused.value.field == "slug"


def test_an_old_address_is_kept_ninety_days() -> None:
    moved = datetime(2026, 1, 1, tzinfo=UTC)
    assert slug_free_at(moved) == moved + timedelta(days=90)


def test_a_png_and_a_clean_svg_are_taken_by_content() -> None:
    assert check_logo(png()).media_type == PNG
    clean = svg('<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="9" '
                'height="9"/><use href="#g"/><style>rect { fill: url(#g) }</style>')  # fmt: skip
    assert check_logo(clean).media_type == SVG


@pytest.mark.parametrize(
    "content",
    [
        b"#!/bin/sh\nrm -rf /\n",  # a script named logo.png
        b"\x89PNG\r\n\x1a\n<script>alert(1)</script>",  # the signature alone
        b"<html><script>alert(1)</script></html>",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg '
        b'xmlns="http://www.w3.org/2000/svg">&x;</svg>',
        svg("<script>alert(1)</script>"),
        svg("<SCRIPT>alert(1)</SCRIPT>"),
        svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'),
        svg("", 'onload="alert(1)"'),
        svg('<rect onclick="alert(1)"/>'),
        svg('<a href="javascript:alert(1)"><rect/></a>'),
        svg('<a xlink:href="jav&#x09;ascript:alert(1)"><rect/></a>'),
        svg('<image xlink:href="https://tracker.example/pixel.png"/>'),
        svg('<use href="https://evil.example/sprite.svg#a"/>'),
        svg('<image href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>'),
        svg('<rect style="fill: url(https://evil.example/x)"/>'),
        svg("<style>@import url(#a); rect { fill: red }</style>"),
        svg('<set attributeName="href" to="javascript:alert(1)"/>'),
        svg('<rect fill="url(//evil.example/p)"/>'),
    ],
)
def test_a_file_that_is_no_logo_or_could_run_is_refused(content: bytes) -> None:
    with pytest.raises(Invalid) as refused:
        check_logo(content)
    assert refused.value.field == "logo"


def test_an_oversize_logo_is_refused() -> None:
    assert check_logo(png() + b"\0" * (MAX_LOGO_BYTES - len(png()))).media_type == PNG
    with pytest.raises(TooLarge) as refused:
        check_logo(png() + b"\0" * (MAX_LOGO_BYTES + 1 - len(png())))
    assert refused.value.field == "logo"
