"""File names people give (documents, folders, anything that becomes a download's name): one
rule for every service, so that a name never shows as something it is not.

Unicode's bidirectional controls (UAX #9) reorder what a viewer shows: after U+202E
(right-to-left override) "invoice<U+202E>fdp.exe" shows as "invoiceexe.pdf", an executable dressed
as a PDF. Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) do that outright;
the invisible marks (LRM U+200E, RLM U+200F, ALM U+061C) move neutral characters such as the
dot before an extension. A file name needs none of them: a viewer lays out a name in Hebrew,
Arabic or mixed scripts by the algorithm's own rules.
"""

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def refuse_bidi_controls(name: str) -> str:
    """A pydantic validator (`AfterValidator(refuse_bidi_controls)`), after the field's own
    length and pattern, so that those stay in the schema."""
    for char in name:
        if char in BIDI_CONTROLS:
            raise ValueError(
                f"a name may not contain the bidirectional control character U+{ord(char):04X}"
            )
    return name


def without_bidi_controls(name: str) -> str:
    """The name safe to show, for one stored before names were checked."""
    return "".join(char for char in name if char not in BIDI_CONTROLS)
