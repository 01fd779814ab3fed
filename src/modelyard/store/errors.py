"""What the store says when it cannot do its work, whatever the database: the server answers
each with a 503 and `Retry-After`, and `/readyz` says not ready while writes fail.

StoreError
├── StoreBusy           another writer holds the store's write lock past the wait allowed
└── StoreUnavailable    the database refuses the write (disk full, read-only, gone)
"""

from __future__ import annotations


class StoreError(Exception):
    code = "store_unavailable"
    retry_after = 1  # seconds

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StoreBusy(StoreError):
    code = "store_busy"


class StoreUnavailable(StoreError):
    code = "store_unavailable"
    retry_after = 5
