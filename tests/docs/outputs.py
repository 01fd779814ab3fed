"""Comparing what a page shows with what a run printed.

Both sides go through the same normalisation, so a page keeps realistic values (a key, a uuid,
the day it was written) and still matches a run that made others. Only what legitimately
differs per run is normalised; counts, names, sizes and the catalog's own dates are compared
exactly. In the page, a line holding only `…` (or `...`) stands for any number of lines, and
`…` inside a line for any text (at the end of a line, the text may go on
in the next line: a long line can be shown wrapped).
"""

from __future__ import annotations

import re

_CLOCK = r"(?:[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)?"

# Applied in order: secrets before the hex rules that would match inside them.
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"myd_[A-Za-z0-9_-]{20,}"), "myd_<secret>"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]{20,}"), "whsec_<secret>"),  # webhook signing secrets
    (re.compile(r"\b(wh|msg)_[0-9a-f]{24,32}\b"), r"\1_<id>"),  # webhooks and their deliveries
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<hex32>"),  # request ids
    (re.compile(r"\b[0-9a-f]{16}\b"), "<hex16>"),  # checksums of rows holding ids and times
    # Workspace tags and the tag, date and job parts of a fine-tuned id.
    (re.compile(r"\b[0-9a-f]{8}\b"), "<hex8>"),
    # Times of this run. The packaged catalog's newest model is from 2026-03: a later date is
    # the day a page was written or run, an earlier one is the catalog's and stays exact.
    (re.compile(rf"\b(?:20(?:2[7-9]|[3-9]\d)-\d\d|2026-(?:0[6-9]|1[0-2]))-\d\d{_CLOCK}"), "<time>"),
    (re.compile(r"(?<![\d.])1[789]\d{8}(?![\d.])"), "<epoch>"),  # 2023-09 to 2033-05
    (re.compile(r"\b\d+(?:\.\d+)?(?: ?ms| s)\b"), "<duration>"),
    (re.compile(r"\b(127\.0\.0\.1|localhost):\d{2,5}\b"), r"\1:<port>"),
    (re.compile(r"\[\d+\]"), "[<pid>]"),
]


def normalise(text: str) -> str:
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


_ELISION_LINE = re.compile(r"^(?:…|\.\.\.)$", re.MULTILINE)


def has_elision(expected: str) -> bool:
    return "…" in expected or bool(_ELISION_LINE.search(expected))


def matches(expected: str, actual: str) -> bool:
    want, got = normalise(expected), normalise(actual)
    if not has_elision(want):
        return want == got
    pattern = ""
    for line in want.split("\n"):
        if _ELISION_LINE.fullmatch(line):
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += ".*?".join(re.escape(part) for part in line.split("…"))
            # A line ending in `…` goes on with the next one: a long line shown wrapped.
            pattern += "" if line.endswith("…") else r"\n"
    return re.fullmatch(pattern, got + "\n", re.DOTALL) is not None
