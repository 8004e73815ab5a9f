"""What a firm's logo may be, judged from its bytes alone (never its name or claimed type).

A logo is shown to every customer of the firm, in the portal and in mails, from the platform's
own origin: so an SVG is refused, not cleaned, when it holds anything that runs or fetches:
`<script>`, `<foreignObject>`, any `on…` event attribute, a `javascript:` URL anywhere, a
reference that is not to the same document (`href`/`xlink:href` other than `#id`, CSS
`url()` other than `url(#id)`, `@import`), and animations that would set an `href`. It is
parsed with defusedxml, which refuses DTDs, entities and external references before we look.
No I/O here; the API hands the bytes in.
"""

import re
import struct
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from shared.errors import Invalid, TooLarge

MAX_LOGO_BYTES = 512 * 1024
PNG = "image/png"
SVG = "image/svg+xml"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_NS = "http://www.w3.org/2000/svg"
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler",
                       "listener"}  # fmt: skip
_ANIMATIONS = {"set", "animate", "animatemotion", "animatetransform"}
_JAVASCRIPT = re.compile(r"(?i)j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:")
_CSS_URL = re.compile(r"(?i)url\s*\(\s*['\"]?\s*([^'\")\s]*)")
FIELD = "logo"


@dataclass(frozen=True)
class Logo:
    media_type: str
    content: bytes


def check_logo(content: bytes) -> Logo:
    """The logo and its real type, or a refusal naming why."""
    if len(content) > MAX_LOGO_BYTES:
        raise TooLarge(f"A logo may be at most {MAX_LOGO_BYTES // 1024} KB.", field=FIELD)
    if not content:
        raise Invalid("The logo is empty.", field=FIELD)
    if content.startswith(_PNG_SIGNATURE):
        _check_png(content)
        return Logo(PNG, content)
    _check_svg(content)
    return Logo(SVG, content)


def _check_png(content: bytes) -> None:
    """The signature, then an IHDR chunk of sane size: a script renamed .png has neither."""
    if len(content) < 33 or content[12:16] != b"IHDR":
        raise Invalid("The PNG file is damaged.", field=FIELD)
    width, height = struct.unpack(">II", content[16:24])
    if not (0 < width <= 8192 and 0 < height <= 8192):
        raise Invalid("The PNG's size is not a logo's (1 to 8192 pixels a side).", field=FIELD)


def _check_svg(content: bytes) -> None:
    root = _parse_svg(content)
    for element in root.iter():
        _check_element(element)


def _parse_svg(content: bytes) -> Element:
    try:
        root = fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        raise Invalid(
            "A logo is a PNG or an SVG image; this file is neither.", field=FIELD
        ) from None
    if root.tag != f"{{{_SVG_NS}}}svg":
        raise Invalid("A logo is a PNG or an SVG image; this file is neither.", field=FIELD)
    return root


def _check_element(element: Element) -> None:
    name = _local(element.tag).lower()
    if name in _FORBIDDEN_ELEMENTS:
        raise Invalid(f"The SVG holds a <{_local(element.tag)}> element, which may run code.",
                      field=FIELD)  # fmt: skip
    for attribute, value in element.attrib.items():
        _check_attribute(name, _local(attribute).lower(), value)
    if name == "style" and element.text:
        _check_css(element.text)


def _check_attribute(element: str, attribute: str, value: str) -> None:
    if attribute.startswith("on"):
        raise Invalid(f"The SVG has an event attribute ({attribute}), which runs code.",
                      field=FIELD)  # fmt: skip
    if _JAVASCRIPT.search(value):
        raise Invalid("The SVG holds a javascript: URL.", field=FIELD)
    if attribute == "href" and not value.strip().startswith("#"):
        raise Invalid("The SVG refers to something outside itself (an href); only #id "
                      "references are allowed.", field=FIELD)  # fmt: skip
    if element in _ANIMATIONS and attribute == "attributename" and "href" in value.lower():
        raise Invalid("The SVG animates a link.", field=FIELD)
    if attribute == "style" or "url(" in value.replace(" ", "").lower():
        _check_css(value)


def _check_css(css: str) -> None:
    if "@import" in css.lower():
        raise Invalid("The SVG's style imports another stylesheet.", field=FIELD)
    for target in _CSS_URL.findall(css):
        if not target.startswith("#"):
            raise Invalid("The SVG's style refers to something outside itself (url()).",
                          field=FIELD)  # fmt: skip


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
