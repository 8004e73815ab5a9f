"""Settings of the signing service (env prefix `SIGNING_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import S3Settings


class SigningSettings(S3Settings):
    model_config = SettingsConfigDict(env_prefix="SIGNING_")

    service: ClassVar[str] = "signing"
