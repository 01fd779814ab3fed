"""Server and operator settings, read from `MODELYARD_*` environment variables in one place.

Nothing here runs at import time: `Settings()` is built at the edge (CLI, app factory) and passed
down, so tests construct their own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./modelyard.db"
# A URL path prefix such as `/registry` (or `/`, or empty: none).
ROOT_PATH = re.compile(r"(/[^/?#\s]+)*/?")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    admin_key: SecretStr | None = None
    catalog: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    rate_limit: str | None = None
    redis_url: str | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    access_log: bool = True
    metrics_token: SecretStr | None = None
    # Behind a reverse proxy: the path prefix the proxy serves the API under (e.g. `/registry`),
    # and the proxies whose X-Forwarded-For/-Proto headers are trusted (uvicorn's setting).
    root_path: str = Field(default="", pattern=f"^{ROOT_PATH.pattern}$")
    forwarded_allow_ips: str = "127.0.0.1"

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value
