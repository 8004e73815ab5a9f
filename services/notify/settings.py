"""Settings of the notify service (env prefix `NOTIFY_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_")

    service: ClassVar[str] = "notify"
