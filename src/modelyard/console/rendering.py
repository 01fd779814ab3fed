"""Jinja2 filters of the console's templates."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment


def when(seconds: int | None) -> str:
    """Unix seconds as a UTC date and time, minutes precision."""
    if seconds is None:
        return ""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def iso(seconds: int | None) -> str:
    if seconds is None:
        return ""
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def install(environment: Environment) -> None:
    environment.filters["when"] = when
    environment.filters["iso"] = iso
