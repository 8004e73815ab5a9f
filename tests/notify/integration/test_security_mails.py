"""Identity's sign-up and invitation commands, as the mails that reach a real SMTP server:
each language, and the wording for an email that already has an account."""

import itertools
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.notify.render import when
from shared.events import notify as commands
from tests.notify.integration.conftest import Notify
from tests.support.infra import wait_until

SOON = datetime.now(UTC) + timedelta(days=2)
LANGUAGES = ("sv", "en", "de", "es")

# language: (subject, words only for an existing account, words only for a new one)
SIGN_UP = {
    "sv": ("Bekräfta din registrering i kundportalen", "bekräfta med kontots lösenord",
           "välja ett lösenord"),
    "en": ("Confirm your sign-up to the client portal", "confirm with that account's password",
           "choose a password"),
    "de": ("Bestätigen Sie Ihre Registrierung im Kundenportal",
           "bestätigen Sie mit dem Passwort dieses Kontos", "ein Passwort für Ihr Konto"),
    "es": ("Confirme su registro en el portal de clientes",
           "confirme con la contraseña de esa cuenta", "elegir una contraseña"),
}  # fmt: skip

ALREADY = {
    "sv": "Du har redan ett konto med {email}: öppna länken nedan för att tacka ja till "
          "inbjudan och logga in med det kontot.",
    "en": "You already have an account with {email}: open the link below to accept the "
          "invitation and sign in with that account.",
    "de": "Sie haben bereits ein Konto mit {email}: Öffnen Sie den folgenden Link, um die "
          "Einladung anzunehmen, und melden Sie sich mit diesem Konto an.",
    "es": "Ya tiene una cuenta con {email}: abra el siguiente enlace para aceptar la "
          "invitación e iniciar sesión con esa cuenta.",
}  # fmt: skip


def plain(mail: Any) -> str:
    return str(mail.get_body(("plain",)).get_content()).replace("\r\n", "\n")


def html(mail: Any) -> str:
    return str(mail.get_body(("html",)).get_content())


def new_link(path: str) -> str:
    return f"https://portal.example/{path}#token={secrets.token_urlsafe(16)}"


async def all_arrived(notify: Notify, addresses: list[str]) -> None:
    await wait_until(lambda: all(notify.mails_to(a) for a in addresses), timeout=20)


async def erased(notify: Notify, count: int) -> bool:
    rows = await notify.sql(
        "SELECT state, text_body, html_body FROM deliveries WHERE kind = 'sign_up_link'"
    )
    return [tuple(r) for r in rows] == [("sent", None, None)] * count


async def test_sign_up_link_in_each_language_for_a_new_and_an_existing_account(
    notify: Notify,
) -> None:
    sent = {}
    for language, existing in itertools.product(LANGUAGES, (False, True)):
        email, link = f"owner-{language}-{existing}@example.test".lower(), new_link("sign-up")
        await notify.command(commands.SendSignUpLink(
            email=email, language=language, firm_name="Ny Byrå AB", link=link,
            expires_at=SOON, existing_account=existing,
        ))  # fmt: skip
        sent[email] = (language, existing, link)
    await all_arrived(notify, list(sent))
    for email, (language, existing, link) in sent.items():
        (mail,) = notify.mails_to(email)
        subject, if_existing, if_new = SIGN_UP[language]
        text = plain(mail)
        assert mail["Subject"] == subject
        assert link in text
        assert f'href="{link}"' in html(mail)
        assert '"Ny Byrå AB"' in text
        assert when(SOON) in text
        assert (if_existing in text, if_new in text) == (existing, not existing)
        # Anyone can sign up with any name: the mail comes from the product, not the firm.
        assert text.startswith(notify.settings.product_name + "\n")
    # The SMTP server holds a mail before notify records it sent and erases the link: wait.
    await wait_until(lambda: erased(notify, len(sent)))


async def test_an_invitation_to_an_existing_account_asks_to_accept_and_sign_in_with_it(
    notify: Notify,
) -> None:
    sent = {}
    kinds = ("staff", "contact")
    for language, kind, existing in itertools.product(LANGUAGES, kinds, (True, False)):
        email, link = f"{kind}-{language}-{existing}@example.test".lower(), new_link("register")
        await notify.command(commands.SendInvitation(
            firm_id=notify.firm_id, firm_name="Bokföring AB", recipient_id=uuid.uuid4(),
            recipient_kind=kind, email=email, name="Ann Kund", language=language, link=link,
            sign_in_url="https://portal.example/sign-in", expires_at=SOON,
            existing_account=existing,
        ), firm_id=notify.firm_id)  # fmt: skip
        sent[email] = (language, existing, link)
    await all_arrived(notify, list(sent))
    for email, (language, existing, link) in sent.items():
        (mail,) = notify.mails_to(email)
        text = plain(mail)
        assert link in text
        assert (ALREADY[language].format(email=email) in text) == existing
