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
    # Bytes of answers the read cache keeps per process (0 turns it off).
    read_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    rate_limit: str | None = None
    redis_url: str | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    access_log: bool = True
    metrics_token: SecretStr | None = None

    # What one client can make the server hold (docs/reliability.md, "Bounds").
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)  # request line + headers
    max_headers: int = Field(default=100, ge=8)
    header_timeout: float = Field(default=10.0, gt=0)  # to receive a head, from accept
    body_timeout: float = Field(default=30.0, gt=0)  # to receive a whole body
    keep_alive_timeout: float = Field(default=5.0, gt=0)  # idle between requests
    max_connections: int = Field(default=4096, ge=16)  # per worker; the longest waiting go
    shutdown_timeout: float = Field(default=20.0, gt=0)  # graceful stop, then connections close
    # Failed authentications per client address before 429 (a `limits` string; "" turns it off).
    failed_auth_limit: str = "50/minute"
    # How long a change may wait for the store's write lock before a 503 with Retry-After.
    store_timeout: float = Field(default=5.0, gt=0)
    # Behind a reverse proxy: the path prefix the proxy serves the API under (e.g. `/registry`),
    # and the proxies whose X-Forwarded-For/-Proto headers are trusted (uvicorn's setting).
    root_path: str = Field(default="", pattern=f"^{ROOT_PATH.pattern}$")
    forwarded_allow_ips: str = "127.0.0.1"

    @field_validator("log_level", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    # The web console (console/): a session ends after this many hours without a request.
    console_session_hours: float = Field(default=12, gt=0)
    # Origins besides the request's own Host that may post the console's forms, comma-separated
    # (e.g. `https://registry.example.com` behind a proxy that rewrites Host).
    console_origins: str = ""

    # Webhooks (docs/webhooks.md). Targets on loopback/private/link-local/multicast/reserved
    # addresses are refused unless this is true (a receiver on this machine or network).
    webhook_allow_private: bool = False
    # The first wait after a failed attempt; later waits are multiples of it (6x, 24x, 120x,
    # ... up to ~22 h in all at the default 5 s). Tests shorten it.
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)  # per attempt, connect to answer
    # An endpoint whose every attempt failed for this long is disabled (its circuit opens).
    webhook_circuit_seconds: float = Field(default=86_400.0, gt=0)
    webhook_concurrency: int = Field(default=8, ge=1, le=256)  # attempts in flight per process
    # How often a dispatcher looks for due deliveries without being woken by a local commit
    # (another replica's changes, retries, a restart).
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    # Delivered and failed deliveries are deleted this long after they were made (the delivery
    # log); pending ones are kept until they end.
    webhook_delivery_retention_days: float = Field(default=30.0, gt=0)
