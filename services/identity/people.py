"""The person a session acts as in its current context (a staff user or a contact): their
language, which pages and mails use, read and changed by the person themselves."""

from services.identity.models import Language
from services.identity.store import contacts, firms
from shared.auth import Principal
from shared.bus.outbox import put
from shared.database import Connection
from shared.errors import NotFound
from shared.events.identity import ContactUpdated, StaffUpdated


async def language_of(conn: Connection, principal: Principal) -> Language:
    if principal.is_staff:
        staff = await firms.get_staff(conn, principal.firm_id, principal.user_id)
        language = staff.language if staff else None
    else:
        contact = await contacts.get_contact(conn, principal.firm_id, principal.user_id)
        language = contact.language if contact else None
    if language is None:
        raise NotFound("No such person.")
    return language


async def change_language(conn: Connection, principal: Principal, language: Language) -> None:
    """Told to the other services as the person's update, so mail follows the choice."""
    firm_id, person_id = principal.firm_id, principal.user_id
    if principal.is_staff:
        staff = await firms.lock_staff(conn, firm_id, person_id)
        if staff is None:
            raise NotFound("No such person.")
        await firms.update_staff_language(conn, firm_id, person_id, language)
        changed = StaffUpdated(**staff.model_copy(update={"language": language}).public())
        await put(conn, changed, firm_id=firm_id, actor=person_id)
        return
    if await contacts.lock_contact(conn, firm_id, person_id) is None:
        raise NotFound("No such person.")
    contact = await contacts.update_language(conn, firm_id, person_id, language)
    await put(conn, ContactUpdated(**contact.public()), firm_id=firm_id, actor=person_id)
