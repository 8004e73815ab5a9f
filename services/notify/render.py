"""Emails from templates: one Jinja file per message kind and language, two layouts.

Each `templates/<language>/<kind>.j2` extends the layout it is given and fills the blocks
`subject`, `body` (paragraphs separated by blank lines) and, when the message has a button,
`action`. The same file renders twice: through the text layout with no escaping, and through
the HTML layout with autoescaping, so a client called `<script>` is text in both. A kind not
translated into a language renders in English. Undefined variables raise, so no placeholder
can leak into a sent email.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from services.notify.domain import FALLBACK_LANGUAGE

TEMPLATES = Path(__file__).parent / "templates"
_BLANK_LINE = re.compile(r"\n\s*\n")
# A mail of no firm, or of a firm that chose no branding (services/notify/branding.py).
UNBRANDED = {"logo_url": None, "primary_color": None, "accent_color": None}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def paragraphs(body: Markup) -> Markup:
    """Escaped body text as HTML paragraphs; a single newline is a line break."""
    parts = [p.strip() for p in _BLANK_LINE.split(str(body)) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup(p.replace("\n", "<br>\n"))) for p in parts
    )


def when(moment: datetime | None) -> str | None:
    """Times in emails: unambiguous and language-neutral."""
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


class Renderer:
    def __init__(self, folder: Path = TEMPLATES) -> None:
        common: dict[str, Any] = {
            "loader": FileSystemLoader(folder),
            # The templates ship with the code and change only with a new process; Jinja's
            # default looked at each file's mtime on every render (two stats per email).
            "auto_reload": False,
            "undefined": StrictUndefined,
            "trim_blocks": True,
            "lstrip_blocks": True,
        }
        self._text = Environment(autoescape=False, **common)
        self._html = Environment(autoescape=True, **common)
        self._html.filters["paragraphs"] = paragraphs
        self._html.filters["escape"] = escape

    def render(self, kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
        names = [f"{language}/{kind}.j2", f"{FALLBACK_LANGUAGE}/{kind}.j2"]
        values = {"action_url": None, "entries": (), "more": 0, **UNBRANDED, **context}
        text = self._text.select_template(names)
        html = self._html.select_template(names)
        subject_parts = text.blocks["subject"](text.new_context(values))
        return Rendered(
            subject=" ".join("".join(subject_parts).split()),
            text=text.render(values, layout="layout.txt.j2").strip() + "\n",
            html=html.render(values, layout="layout.html.j2"),
        )
