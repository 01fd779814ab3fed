"""Serve Modelyard with every logger at its most verbose: the secrets test's debug-level server.

`modelyard serve` has no log-level setting (the app logs at INFO, uvicorn at "info"), so this
runs the same app factory, `app_from_env`, then lowers the root logger to uvicorn's TRACE (below
DEBUG) and turns on SQLAlchemy's statement and parameter logging: everything any operator could
ever switch on. Run as a script: `python verbose_server.py PORT` (settings from MODELYARD_*).
"""

from __future__ import annotations

import logging
import sys

import uvicorn
from uvicorn.logging import TRACE_LOG_LEVEL

from modelyard.server.app import App, app_from_env
from modelyard.server.startup import prepare
from modelyard.settings import Settings


def verbose_app() -> App:
    app = app_from_env()  # configures logging (MODELYARD_LOG_FORMAT) at INFO
    logging.getLogger().setLevel(TRACE_LOG_LEVEL)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.DEBUG)
    return app


if __name__ == "__main__":
    prepare(Settings())
    uvicorn.run(
        verbose_app,
        factory=True,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_level="trace",
        log_config=None,
    )
