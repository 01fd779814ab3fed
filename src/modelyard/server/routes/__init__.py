"""Thin routes: parse, call one registry service, render. No rules and no SQL here."""

from modelyard.types import _base

_base.build_input_types()
