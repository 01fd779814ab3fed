"""Every console and Python example of README.md and docs/*.md, run against a real server, its
output compared with the page's (docs/architecture.md, "Docs examples are tests").

`MODELYARD_DOCS_UPDATE=1 pytest tests/docs` writes what the run printed into the pages instead
of failing (lines that already match, once normalised, are kept as they are).
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from pathlib import Path

import pytest

from .markdown import Block, parse
from .outputs import has_elision, matches, normalise
from .runner import REPO_ROOT, PageRun, Result

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
UPDATE = os.environ.get("MODELYARD_DOCS_UPDATE") == "1"


def runnable(page: Path) -> list[Block]:
    return [block for block in parse(page) if block.kind == "run"]


def merged(expected: str, actual: str) -> str:
    """`actual`, keeping the page's own lines wherever they match once normalised."""
    ours, theirs = expected.split("\n") if expected else [], actual.rstrip("\n").split("\n")
    if theirs == [""]:
        theirs = []
    matcher = difflib.SequenceMatcher(
        a=[normalise(line) for line in ours], b=[normalise(line) for line in theirs]
    )
    lines: list[str] = []
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        lines += ours[a1:a2] if tag == "equal" else theirs[b1:b2]
    return "\n".join(line.rstrip() for line in lines)


def report(result: Result) -> str:
    where = f"{result.block.where}: {result.command.text.splitlines()[0][:100]}"
    if result.error:
        return f"{where}\n{result.error}"
    diff = difflib.unified_diff(
        normalise(result.command.expected).split("\n"),
        normalise(result.actual).split("\n"),
        "the page (normalised)",
        "the run (normalised)",
        lineterm="",
    )
    return where + "\n" + "\n".join(diff)


def update(page: Path, results: list[Result]) -> list[Result]:
    """Write the runs' outputs into the page; the results that could not be written."""
    text = page.read_text()
    left: list[Result] = []
    for result in sorted(results, key=lambda r: r.command.span, reverse=True):
        if result.error or has_elision(result.command.expected):
            left.append(result)
            continue
        start, end = result.command.span
        new = merged(result.command.expected, result.actual)
        text = text[:start] + (new + "\n" if new else "") + text[end:]
    page.write_text(text)
    return left


@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=lambda p: p.name)
def test_the_examples_of_a_page_print_what_it_shows(page: Path, tmp_path: Path) -> None:
    blocks = runnable(page)
    needs_server = not any(block.starts_the_page_server for block in blocks)
    run = PageRun(page, tmp_path / "page")
    try:
        for block in blocks:
            run.run(block, needs_server)
    finally:
        run.close()
    wrong = [r for r in run.results if r.error or not matches(r.command.expected, r.actual)]
    if UPDATE and wrong:
        wrong = update(page, wrong)
    assert not wrong, f"{len(wrong)} examples differ from a real run:\n\n" + "\n\n".join(
        report(result) for result in wrong
    )
    for block, why in run.skipped_at_runtime:
        pytest.skip(f"{block.where} not run: {why}")


def test_every_example_is_run_or_skipped_with_a_reason(capsys: pytest.CaptureFixture[str]) -> None:
    lines, unknown = [], []
    for page in PAGES:
        kinds = Counter(block.kind for block in parse(page))
        unknown += [b.where for b in parse(page) if b.kind == "unknown"]
        if kinds["run"] or kinds["skip"] or kinds["unknown"]:
            lines.append(
                f"{page.name:<28} run {kinds['run']:>3}  output {kinds['output']:>3}  "
                f"skipped {kinds['skip']:>2}"
            )
    skips = [f"  {b.where}: {b.skip_reason}" for p in PAGES for b in parse(p) if b.kind == "skip"]
    with capsys.disabled():
        print("\nDocs examples:\n" + "\n".join(lines) + "\nSkipped:\n" + "\n".join(skips))
    assert not unknown, (
        "console blocks without `$ ` prompts (or untagged blocks with them) are neither run nor "
        f"skipped: tag them, or mark them <!-- docs: skip: why -->: {unknown}"
    )
