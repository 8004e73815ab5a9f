"""Settings of the identity service (env prefix `IDENTITY_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IDENTITY_")

    service: ClassVar[str] = "identity"
