"""Which database URLs a store can open, and what to do about one it cannot, in one sentence.

Checked before an engine is made: SQLAlchemy would otherwise fail deep inside a driver import
(`mysql://...`: `No module named 'MySQLdb'`) or with a parser's message (`foo`).
"""

from __future__ import annotations

import importlib.util

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

FORMS = (
    "sqlite:///relative/path.db, sqlite:////absolute/path.db or "
    "postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
)
POSTGRES_EXTRA = "pip install 'modelyard[postgres]'"
# The drivers `engine.normalize_url` leaves alone or picks: sqlite3, and psycopg 3 for PostgreSQL.
_POSTGRES_DRIVERS = ("postgres", "postgresql", "postgresql+psycopg")
_SQLITE_DRIVERS = ("sqlite", "sqlite+pysqlite")


class UnsupportedUrl(ValueError):
    """A database URL no store can open; the message says which forms work."""


def checked_url(url: str) -> URL:
    """The parsed URL, or `UnsupportedUrl` saying what to use instead."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedUrl(f"{url!r} is not a database URL: use {FORMS}") from None
    if parsed.drivername in _SQLITE_DRIVERS:
        return parsed
    shown = parsed.render_as_string(hide_password=True)
    if parsed.drivername in _POSTGRES_DRIVERS:
        if importlib.util.find_spec("psycopg") is None:
            raise UnsupportedUrl(
                f"{shown} needs the PostgreSQL driver (psycopg), which is not installed: "
                f"{POSTGRES_EXTRA}"
            )
        return parsed
    if parsed.get_backend_name() == "postgresql":
        raise UnsupportedUrl(
            f"{shown}: Modelyard talks to PostgreSQL through psycopg 3; "
            "write the URL as postgresql://USER@HOST/DATABASE"
        )
    raise UnsupportedUrl(
        f"{parsed.get_backend_name()} is not supported ({shown}): Modelyard stores its registry "
        f"in SQLite or PostgreSQL; use {FORMS} (for PostgreSQL: {POSTGRES_EXTRA})"
    )
