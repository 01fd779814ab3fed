"""Thin routes: parse, call one registry service, render. No rules and no SQL here."""
