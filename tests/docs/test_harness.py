"""The docs harness's own pure parts: reading a page, normalising and matching outputs."""

from __future__ import annotations

from pathlib import Path

from .markdown import commands, parse
from .outputs import matches, normalise
from .test_docs import merged

PAGE = """# A page

<!-- docs: skip: a crontab line -->
```console
15 3 * * *  modelyard db backup
```

<!-- docs: tick -->
```console
$ modelyard workspaces create support
Created workspace support (id 6d890903-3092-4eb2-9bcf-d0cbbc2bb9bd, tag 609a19d6).

$ curl -s http://127.0.0.1:8000/v1/models \\
       -d '{}'
$ echo done
done
```

```python
print(1)
```
```
1
```

```
$ an untagged command
```
"""


def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.md"
    path.write_text(PAGE)
    return path


def test_blocks_are_classified_by_language_markers_and_position(tmp_path: Path) -> None:
    blocks = parse(page(tmp_path))
    assert [b.kind for b in blocks] == ["skip", "run", "run", "output", "unknown"]
    assert blocks[0].skip_reason == "a crontab line"
    assert blocks[1].markers == ["tick"]
    assert blocks[2].output is blocks[3]


def test_a_console_block_is_split_into_commands_and_the_spans_of_their_outputs(
    tmp_path: Path,
) -> None:
    path = page(tmp_path)
    found = commands(parse(path)[1])
    assert [c.text for c in found] == [
        "modelyard workspaces create support",
        "curl -s http://127.0.0.1:8000/v1/models \\\n       -d '{}'",
        "echo done",
    ]
    assert [c.expected for c in found][1:] == ["", "done"]
    start, end = found[0].span
    assert path.read_text()[start:end].startswith("Created workspace support")


def test_values_of_a_run_are_normalised_and_counts_are_not() -> None:
    shown = "Created workspace support (id 6d890903-3092-4eb2-9bcf-d0cbbc2bb9bd, tag 609a19d6)."
    run = "Created workspace support (id 0e1f2a3b-3092-4eb2-9bcf-d0cbbc2bb9bd, tag 1a2b3c4d)."
    assert matches(shown, run)
    assert not matches("52 entries", "51 entries")
    assert normalise("2026-12-01 18:04:13Z on 2026-03-16") == "<time> on 2026-03-16"
    assert normalise("myd_Rh2R4DXoR6XX6e11_rja58iCl3jXCCJEnCqpdTc3") == "myd_<secret>"


def test_an_ellipsis_stands_for_lines_or_text_and_a_trailing_one_for_a_wrapped_line() -> None:
    assert matches("first\n…\nlast", "first\na\nb\nlast")
    assert matches("first\n...\nlast", "first\nlast")
    assert matches('{"id":"x",…,"type":"base"}', '{"id":"x","name":"y","type":"base"}')
    assert matches('{"id":"x",…\n"type":"base"}', '{"id":"x","name":"y","type":"base"}')
    assert not matches("first\n…\nlast", "first\nmiddle")


def test_an_update_keeps_the_pages_lines_that_match_and_takes_the_rest_from_the_run() -> None:
    shown = "tag 609a19d6\n52 entries"
    assert merged(shown, "tag 1a2b3c4d\n51 entries\n") == "tag 609a19d6\n51 entries"
