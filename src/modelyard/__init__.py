"""Modelyard: a self-hosted model registry that speaks Mistral's Models API.

This package's top level is the Python SDK; the server lives in `modelyard.server` and needs the
`server` extra.
"""

from ._version import __version__

__all__ = ["__version__"]
