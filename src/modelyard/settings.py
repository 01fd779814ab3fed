"""Server and operator settings, read from `MODELYARD_*` environment variables in one place.

Nothing here runs at import time: `Settings()` is built at the edge (CLI, app factory) and passed
down, so tests construct their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./modelyard.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    admin_key: SecretStr | None = None
    catalog: Path | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Bytes of answers the read cache keeps per process (0 turns it off).
    read_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    rate_limit: str | None = None
    redis_url: str | None = None
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    metrics_token: SecretStr | None = None
    # The web console (console/): a session ends after this many hours without a request.
    console_session_hours: float = Field(default=12, gt=0)
    # Origins besides the request's own Host that may post the console's forms, comma-separated
    # (e.g. `https://registry.example.com` behind a proxy that rewrites Host).
    console_origins: str = ""
