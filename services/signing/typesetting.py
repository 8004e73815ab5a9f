"""Text in any script on the certificate page. Reportlab draws one TrueType font per string
and neither shapes Arabic nor orders right-to-left text, so each line is shaped (Arabic letters
take their joined forms), put in visual order (the page reads left to right, as all four
process languages do; a Hebrew or Arabic name inside it reads right to left), and drawn as runs,
each in the first font that has its characters. Reportlab embeds only the glyphs used (subset).

The fonts come from Debian's packages (`fonts-dejavu-core`: Latin, Greek, Cyrillic, Hebrew,
Arabic; `fonts-wqy-microhei`: CJK), installed by `scripts/bootstrap` and the Dockerfile."""

import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# Hebrew, Arabic and their presentation forms: only lines with these need shaping and ordering
# (the reshaper is slow, and most lines are Latin).
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True)
class FontFile:
    name: str
    path: Path
    subfont: int = 0


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
CJK = FontFile("WenQuanYi", Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))
# In the order tried for each character: the first that has it draws it.
REGULAR = (FontFile("DejaVuSans", DEJAVU / "DejaVuSans.ttf"), CJK)
BOLD = (FontFile("DejaVuSans-Bold", DEJAVU / "DejaVuSans-Bold.ttf"), CJK)


class Face:
    """A list of fonts that together cover the scripts the page must show."""

    def __init__(self, files: tuple[FontFile, ...]) -> None:
        self.fonts = [_registered(f) for f in files]
        self._chosen: dict[str, str] = {}  # char → font name, as found once

    def font_for(self, char: str) -> str:
        chosen = self._chosen.get(char)
        if chosen is None:
            chosen = self._chosen[char] = self._first_with(ord(char))
        return chosen

    def _first_with(self, code: int) -> str:
        for font in self.fonts:
            if code in font.face.charToGlyph:
                return font.fontName
        return self.fonts[0].fontName  # drawn as the font's "missing" box: nothing covers it

    def runs(self, visual: str) -> Iterator[tuple[str, str]]:
        """(font name, text) pieces of a line already in visual order."""
        for font, chars in itertools.groupby(visual, self.font_for):
            yield font, "".join(chars)

    def width(self, text: str, size: float) -> float:
        """Order does not change a line's width; shaping does."""
        return sum(pdfmetrics.stringWidth(t, f, size) for f, t in self.runs(shaped(text)))

    def draw(self, canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
        for font, piece in self.runs(visual_order(text)):
            canvas.setFont(font, size)
            canvas.drawString(x, y, piece)
            x += pdfmetrics.stringWidth(piece, font, size)


@functools.cache
def _registered(file: FontFile) -> TTFont:
    """Each font is parsed once per process (reportlab keeps a registry of its own)."""
    font = TTFont(file.name, str(file.path), subfontIndex=file.subfont)
    pdfmetrics.registerFont(font)
    return font


@functools.cache
def faces() -> tuple[Face, Face]:
    """(regular, bold)."""
    return Face(REGULAR), Face(BOLD)


def shaped(text: str) -> str:
    """Arabic letters in their joined forms."""
    return arabic_reshaper.reshape(text) if RIGHT_TO_LEFT.search(text) else text


def visual_order(text: str) -> str:
    """Shaped, then the line in the order it is drawn (the paragraph runs left to right)."""
    if not RIGHT_TO_LEFT.search(text):
        return text
    return get_display(arabic_reshaper.reshape(text), base_dir="L")


def wrap(face: Face, text: str, size: float, width: float) -> list[str]:
    """Lines no wider than `width`, broken at spaces (a word too long alone, as in CJK names
    or user agents, is broken between characters). Each word is measured once: a space ends
    Arabic joining, so a line is as wide as its words and spaces."""
    space = face.width(" ", size)
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split(" "):
        wide = face.width(word, size)
        if used + wide + (space if line else 0) <= width:
            used += wide + (space if line else 0)
            line.append(word)
            continue
        if line:
            lines.append(" ".join(line))
        while wide > width and len(word) > 1:
            cut = _fitting(face, word, size, width)
            lines.append(word[:cut])
            word = word[cut:]
            wide = face.width(word, size)
        line, used = [word], wide
    lines.append(" ".join(line))
    return lines


def _fitting(face: Face, word: str, size: float, width: float) -> int:
    cut = len(word) - 1
    while cut > 1 and face.width(word[:cut], size) > width:
        cut -= 1
    return cut
