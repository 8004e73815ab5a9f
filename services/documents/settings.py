"""Settings of the documents service (env prefix `DOCUMENTS_`)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from shared.settings import S3Settings


class DocumentsSettings(S3Settings):
    model_config = SettingsConfigDict(env_prefix="DOCUMENTS_")

    service: ClassVar[str] = "documents"
