"""The base-model catalog: a YAML file of base models, synced into the store at start-up."""

from .loader import DEFAULT_CATALOG, CatalogEntry, CatalogError, load_catalog

__all__ = ["DEFAULT_CATALOG", "CatalogEntry", "CatalogError", "load_catalog"]
