"""Catalog files: the packaged one loads; broken ones fail with a message that says where."""

from pathlib import Path

import pytest

from modelyard.catalog import CatalogError, load_catalog
from modelyard.types import CAPABILITY_FLAGS


def test_the_packaged_mistral_catalog_loads_and_its_names_are_unique():
    entries = load_catalog()
    assert len(entries) >= 15
    names = [name for entry in entries for name in entry.names]
    assert len(names) == len(set(names))
    assert all(entry.provider == "mistralai" for entry in entries)
    assert all(list(entry.capabilities) == list(CAPABILITY_FLAGS) for entry in entries)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    return path


def test_dates_become_unix_seconds_and_versions_text(tmp_path):
    path = write(
        tmp_path,
        "models:\n  - {id: a, provider: p, created: 2024-01-02, max_context_length: 1,"
        " version: 2501}\n",
    )
    (entry,) = load_catalog(path)
    assert entry.created == 1704153600
    assert entry.version == "2501"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: 3\n", "expected a mapping"),
        ("models:\n  - {id: a, provider: p, created: 1}\n", r"models\[0\]"),
        (
            "models:\n  - {id: a, provider: p, created: 1, max_context_length: 1, aliases: [b]}\n"
            "  - {id: b, provider: p, created: 1, max_context_length: 1}\n",
            "'b' is used by",
        ),
        (
            "models:\n  - {id: a, provider: p, created: 1, max_context_length: 1,"
            " capabilities: {telepathy: true}}\n",
            "unknown capability",
        ),
        (
            "models:\n  - {id: a, provider: p, created: 1, max_context_length: 1,"
            " deprecation_replacement_model: zz}\n",
            "unknown replacement",
        ),
        ("models: [\n", "cannot read"),
    ],
)
def test_broken_catalogs_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(CatalogError, match=message):
        load_catalog(write(tmp_path, text))


def test_the_shipped_example_catalog_loads_with_its_labels_and_artifacts():
    from modelyard.catalog import DEFAULT_CATALOG

    entries = {entry.id: entry for entry in load_catalog(DEFAULT_CATALOG.with_name("example.yaml"))}
    llama = entries["meta-llama/Llama-3.1-8B-Instruct"]
    assert llama.labels == {"family": "llama", "license": "llama3.1", "serving": "vllm"}
    assert llama.artifact is not None
    assert llama.artifact.uri == "hf://meta-llama/Llama-3.1-8B-Instruct"


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("labels: {Bad: x}", "labels"),
        ("artifact: {format: gguf}", "artifact.uri"),
        ("artifact: {uri: 's3://k:s@b/w'}", "credentials"),
    ],
)
def test_catalog_labels_and_artifacts_follow_the_api_rules(tmp_path, record, problem):
    fields = f"id: a, provider: p, created: 1, max_context_length: 1, {record}"
    path = write(tmp_path, f"models:\n  - {{{fields}}}\n")
    with pytest.raises(CatalogError, match=problem):
        load_catalog(path)
