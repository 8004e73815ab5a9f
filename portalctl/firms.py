"""A firm opened by an operator (identity's use case, on identity's database)."""

from dataclasses import dataclass
from uuid import UUID

from portalctl.targets import settings_of
from services.identity.domain import language_for
from services.identity.models import NewFirm
from services.identity.opening import open_for_operator
from services.identity.settings import IdentitySettings
from shared.database import Database


@dataclass(frozen=True)
class Opened:
    firm_id: UUID
    owner_id: UUID


async def create_firm(
    name: str, country: str, plan: str, language: str | None, owner_name: str, owner_email: str
) -> Opened:
    """The firm and its owner's invitation commit together; a running identity replica's
    relay publishes the events and the invitation within a moment."""
    settings = settings_of("identity")
    assert isinstance(settings, IdentitySettings)
    new = NewFirm.model_validate({
        "name": name.strip(), "country": country, "plan": plan,
        "default_language": language or language_for(country),
    })  # fmt: skip
    db = await Database.connect(settings.dsn, min_size=1, max_size=1)
    try:
        async with db.transaction() as conn:
            firm, owner_id = await open_for_operator(settings, conn, new, owner_email, owner_name)
    finally:
        await db.close()
    return Opened(firm.id, owner_id)
