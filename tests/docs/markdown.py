"""The fenced blocks of a Markdown page, and what the harness is told to do with each.

A marker is an HTML comment on the lines right before a fence (invisible once rendered, plain in
the source):

    <!-- docs: skip: why it cannot run here -->      never run (counted in the inventory)
    <!-- docs: server -->                            the block starts a server in the foreground:
                                                    run it in the background, compare what it
                                                    printed once it answers /readyz
    <!-- docs: server: modelyard serve -->           the same, running this command instead
    <!-- docs: server demo -->                       a second server next to the page's, stopped
                                                    once compared
    <!-- docs: tick -->                              each command starts in a second of its own
                                                    (what was created in one second ties)
    <!-- docs: postgresql NAME -->                   a fresh PostgreSQL database stands for NAME
    <!-- docs: setup bash|python                     run this first, unseen (output ignored)
    ...
    -->
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SHELL = {"console", "bash", "shell", "sh"}
PYTHON = {"python", "pycon"}
# A fence with no prompt right after a Python block is that block's output.
OUTPUT = {"", "text", "console"}

_FENCE = re.compile(r"^```([\w-]*)\s*$")
_MARKER = re.compile(r"<!--\s*docs:\s*(.*?)\s*-->", re.DOTALL)


@dataclass
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    body: str  # the lines between the fences, each ending with "\n"
    body_start: int  # offset of `body` in the page's text
    markers: list[str] = field(default_factory=list)
    output: Block | None = None  # the output block that follows a Python block
    is_output: bool = False

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"

    @property
    def skip_reason(self) -> str | None:
        for marker in self.markers:
            if marker.startswith("skip"):
                return marker.partition(":")[2].strip() or "no reason given"
        return None

    @property
    def server_command(self) -> str | None:
        """`""` for a plain server marker, the command of `server: COMMAND`, else None."""
        for marker in self.markers:
            if marker in ("server", "server demo") or marker.startswith("server:"):
                return marker.partition(":")[2].strip()
        return None

    @property
    def starts_the_page_server(self) -> bool:
        return self.server_command is not None and "server demo" not in self.markers

    def marker_args(self, name: str) -> list[str]:
        return [m.split(None, 1)[1] for m in self.markers if m.split(None, 1)[0] == name]

    @property
    def has_prompt(self) -> bool:
        return any(line.startswith("$ ") for line in self.body.splitlines())

    @property
    def kind(self) -> str:
        """What the harness does: run, output, skip, or unknown (the inventory fails on it)."""
        if self.is_output:
            return "output"
        if self.skip_reason is not None:
            return "skip"
        if self.lang in PYTHON:
            return "run"
        if self.lang in SHELL:
            return "run" if self.has_prompt or self.lang != "console" else "unknown"
        if self.has_prompt:  # commands in an untagged block: tag them, or mark them skipped
            return "unknown"
        return "prose"


def parse(path: Path) -> list[Block]:
    text = path.read_text()
    blocks: list[Block] = []
    lines = text.splitlines(keepends=True)
    offset = 0
    i = 0
    previous_end = 0  # line index after the previous block's closing fence
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            offset += len(lines[i])
            i += 1
            continue
        start = i
        body_start = offset + len(lines[i])
        j = i + 1
        body_len = 0
        while j < len(lines) and lines[j].rstrip("\n") != "```":
            body_len += len(lines[j])
            j += 1
        between = "".join(lines[previous_end:start])
        block = Block(
            path=path,
            line=start + 1,
            lang=opening.group(1),
            body=text[body_start : body_start + body_len],
            body_start=body_start,
            markers=_markers_before(between),
        )
        previous = blocks[-1] if blocks else None
        if (
            previous is not None
            and previous.lang in PYTHON
            and previous.skip_reason is None
            and not between.strip()
            and block.lang in OUTPUT
            and not block.has_prompt
        ):
            previous.output = block
            block.is_output = True
        blocks.append(block)
        offset = body_start + body_len + (len(lines[j]) if j < len(lines) else 0)
        i = j + 1
        previous_end = i
    return blocks


def _markers_before(between: str) -> list[str]:
    """The markers in the comments that end the text before a fence (blank lines allowed)."""
    markers: list[str] = []
    rest = between.rstrip()
    while rest.endswith("-->"):
        start = rest.rfind("<!--")
        found = _MARKER.fullmatch(rest[start:])
        if start < 0 or not found:
            break
        markers.insert(0, found.group(1))
        rest = rest[:start].rstrip()
    return markers


@dataclass
class Command:
    text: str  # what bash runs (continuation lines joined as typed)
    expected: str  # the lines the page shows after it
    span: tuple[int, int]  # where `expected` is in the page's text (update mode rewrites it)


def commands(block: Block) -> list[Command]:
    """A console block's `$ ` commands with their outputs; a bash block is one command."""
    end = block.body_start + len(block.body)
    if block.lang != "console":
        return [Command(block.body, "", (end, end))]
    found: list[Command] = []
    lines = block.body.splitlines(keepends=True)
    starts = [block.body_start]
    for line in lines:
        starts.append(starts[-1] + len(line))
    i = 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1  # text before the first prompt: not expected in a runnable block
            continue
        command = [lines[i][2:].rstrip("\n")]
        while command[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            command.append(lines[i].rstrip("\n"))
        i += 1
        first = i
        while i < len(lines) and not lines[i].startswith("$ "):
            i += 1
        last = i
        while last > first and not lines[last - 1].strip():
            last -= 1
        expected = "".join(lines[first:last])
        span = (starts[first], starts[last])
        found.append(Command("\n".join(command), expected.rstrip("\n"), span))
    return found


def pycon_split(body: str) -> tuple[str, str]:
    """A pycon block's code (`>>> `/`... ` lines) and the output it shows."""
    code, output = [], []
    for line in body.splitlines():
        if line.startswith((">>> ", "... ")) or line in (">>>", "..."):
            code.append(line[4:])
        else:
            output.append(line)
    return "\n".join(code) + "\n", "\n".join(output)
