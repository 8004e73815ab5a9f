"""Templates: every kind in every language renders with sample data, nothing leaks, HTML is
escaped, and a kind missing in a language falls back to English."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from services.notify.domain import KINDS, LANGUAGES
from services.notify.render import TEMPLATES, Renderer, when

EXPIRES = when(datetime(2030, 1, 2, 3, 4, tzinfo=UTC))
COMMON = {
    "firm_name": "Bokföring AB", "portal_url": "https://portal.example",
    "recipient_name": "Ann Kund", "action_url": "https://portal.example/x/1",
}  # fmt: skip
SAMPLES: dict[str, dict[str, object]] = {
    "staff_invitation": {"email": "a@b.se", "link": "https://l/1", "expires_at": EXPIRES,
                         "existing_account": False},
    "customer_invitation": {"email": "a@b.se", "link": "https://l/1", "expires_at": EXPIRES,
                            "existing_account": False},
    "magic_link": {"expires_at": EXPIRES},
    "sign_up_link": {"expires_at": EXPIRES, "new_firm_name": "Ny Byrå AB",
                     "existing_account": False},
    "password_reset": {"expires_at": EXPIRES},
    "one_time_code": {"code": "123456", "document_name": "Avtal.pdf", "expires_at": EXPIRES},
    "signing_invitation": {"document_name": "Avtal.pdf", "sender_name": "Bo",
                           "message": "Please", "expires_at": EXPIRES},
    "signing_reminder": {"document_name": "Avtal.pdf", "expires_at": EXPIRES},
    "signed_copy": {"document_name": "Avtal.pdf", "expires_at": EXPIRES},
    "signing_cancelled": {"document_name": "Avtal.pdf", "sender_name": "Bo",
                          "reason": "Wrong version"},
    "document_uploaded": {"actor_name": "Bo", "document_name": "Q1.pdf",
                          "folder_name": "Bokslut", "client_name": "Kund AB"},
    "comment_added": {"actor_name": "Bo", "document_name": "Q1.pdf", "client_name": "Kund AB",
                      "comment": "Looks good"},
    "approval_requested": {"actor_name": "Bo", "document_name": "Q1.pdf",
                           "client_name": "Kund AB", "message": "Please accept"},
    "approval_answered": {"actor_name": "Ann", "document_name": "Q1.pdf",
                          "client_name": "Kund AB", "accepted": False, "comment": "No"},
    "signing_completed": {"document_name": "Avtal.pdf", "client_name": "Kund AB"},
    "signing_declined": {"document_name": "Avtal.pdf", "client_name": "Kund AB",
                         "party_name": "Cy", "reason": "Wrong date"},
    "signing_expired": {"document_name": "Avtal.pdf", "client_name": "Kund AB"},
    "signing_waiting": {"document_name": "Avtal.pdf", "client_name": "Kund AB",
                        "party_name": "Cy"},
    "contact_registered": {"contact_name": "Ann Kund", "client_name": "Kund AB"},
    "storage_threshold_reached": {"threshold": 100, "used": "1.0 GB", "limit": "1.0 GB"},
    "balance_depleted": {},
    "webhook_disabled": {"endpoint_url": "https://erp.example/hook", "reason": "gone"},
    "request_created": {"actor_name": "Bo", "client_name": "Kund AB", "request_title": "Bokslut",
                        "message": "Tack", "items": [{"title": "Kontoutdrag",
                                                      "due_date": "2026-12-10"}]},
    "request_item_submitted": {"actor_name": "Ann", "client_name": "Kund AB",
                               "request_title": "Bokslut", "item_title": "Kontoutdrag",
                               "document_name": "dec.pdf"},
    "request_item_accepted": {"actor_name": "Bo", "request_title": "Bokslut",
                              "item_title": "Kontoutdrag"},
    "request_item_returned": {"actor_name": "Bo", "request_title": "Bokslut",
                              "item_title": "Kontoutdrag", "reason": "Sida 2 saknas"},
    "request_reminder": {"request_title": "Bokslut", "item_title": "Kontoutdrag",
                         "due_date": "2026-12-10", "overdue": True},
    "message_posted": {"actor_name": "Bo", "client_name": "Kund AB", "subject": "Bokslut",
                       "message": "Har ni fått underlaget?", "attachments": ["k.pdf"]},
    "daily_digest": {"count": 2, "entries": [{"title": "T1", "link": "https://l/1"}],
                     "more": 1},
}  # fmt: skip


def test_samples_cover_every_kind() -> None:
    assert set(SAMPLES) == set(KINDS)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_in_every_language(kind: str, language: str) -> None:
    assert (TEMPLATES / language / f"{kind}.j2").exists(), "translation missing"
    out = Renderer().render(kind, language, {**COMMON, **SAMPLES[kind]})
    for part in (out.subject, out.text, out.html):
        assert part.strip()
        for leak in ("{{", "}}", "{%", "%}", "None", "Undefined"):
            assert leak not in part, f"{leak!r} leaked into {kind}/{language}"
    assert "\n" not in out.subject
    for part in (out.text, out.html):
        assert "Bokföring AB" in part
        assert "https://portal.example" in part


def test_every_variable_a_template_uses_must_be_given() -> None:
    with pytest.raises(UndefinedError):
        Renderer().render("document_uploaded", "en", COMMON)


def test_names_are_text_in_html_and_verbatim_in_plain_text() -> None:
    context = {**COMMON, **SAMPLES["document_uploaded"], "client_name": "<script>x()</script>"}
    out = Renderer().render("document_uploaded", "sv", context)
    assert "<script>" not in out.html
    assert "&lt;script&gt;x()&lt;/script&gt;" in out.html
    assert "<script>x()</script>" in out.text
    assert out.subject == "Nytt dokument för <script>x()</script>: Q1.pdf"


def test_a_kind_missing_in_a_language_falls_back_to_english(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(TEMPLATES, folder)
    (folder / "de" / "balance_depleted.j2").unlink()
    renderer = Renderer(folder)
    context = {**COMMON}
    german = renderer.render("balance_depleted", "de", context)
    english = Renderer().render("balance_depleted", "en", context)
    assert german == english
    assert renderer.render("signing_expired", "de", {**COMMON, **SAMPLES["signing_expired"]}
                           ).subject.startswith("Signatur abgelaufen")  # fmt: skip


def test_an_unknown_language_renders_in_english() -> None:
    out = Renderer().render("magic_link", "fi", {**COMMON, **SAMPLES["magic_link"]})
    assert out.subject == "Your sign-in link"


def test_subject_newlines_cannot_inject_headers() -> None:
    context = {**COMMON, **SAMPLES["signing_completed"], "document_name": "a\r\nBcc: x@y"}
    assert "\n" not in Renderer().render("signing_completed", "en", context).subject
