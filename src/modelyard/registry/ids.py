"""Id and secret rules: fine-tuned model ids, jobs, workspace tags, API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

KEY_PREFIX = "myd_"


def fine_tuned_id(root: str, tag: str, created: int, job: str, model_type: str) -> str:
    """`ft:{root}:{tag}:{YYYYMMDD}:{first 8 hex of job}`; classifiers are `ft:classifier:...`."""
    day = dt.datetime.fromtimestamp(created, dt.UTC).strftime("%Y%m%d")
    kind = "classifier:" if model_type == "classifier" else ""
    return f"ft:{kind}{root}:{tag}:{day}:{job.replace('-', '')[:8]}"


def canonical_job(job: str | None) -> str:
    return str(uuid.UUID(job)) if job else str(uuid.uuid4())


def new_tag() -> str:
    return secrets.token_hex(4)


def new_id() -> str:
    return str(uuid.uuid4())


def new_key_secret() -> str:
    # token_urlsafe(30) gives exactly 40 url-safe characters.
    return KEY_PREFIX + secrets.token_urlsafe(30)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()
