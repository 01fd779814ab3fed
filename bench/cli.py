"""CLI benchmark (issue 6): `modelyard models list --json` against a local server, against the bare
cost of `python -c "import httpx; from pydantic import BaseModel"`, in one run.

    .venv/bin/python bench/cli.py [--runs 21] [--results bench/RESULTS.md]

Target: the CLI's median wall time at most 2x the baseline's median. The two commands take turns
(interleaved), one warm-up each, so both see the same machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import run_server  # noqa: E402

BASELINE = [sys.executable, "-c", "import httpx; from pydantic import BaseModel"]


def wall(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--results", type=Path)
    args = parser.parse_args()
    workdir = ROOT / "bench" / "out" / "cli"
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'cli.db'}"
    Path(workdir / "cli.db").unlink(missing_ok=True)
    with run_server(url, workdir) as server:
        env = {
            **os.environ,
            "MODELYARD_SERVER_URL": server.base_url,
            "MODELYARD_API_KEY": server.admin_key,
        }
        cli = [str(Path(sys.executable).with_name("modelyard")), "models", "list", "--json"]
        for command in (BASELINE, cli):
            wall(command, env)
        base, mine = [], []
        for _ in range(args.runs):
            base.append(wall(BASELINE, env))
            mine.append(wall(cli, env))
    b, m = statistics.median(base) * 1000, statistics.median(mine) * 1000
    verdict = "met" if m <= 2 * b else "NOT met"
    text = (
        "\n## CLI: `modelyard models list --json` (bench/cli.py)\n\n"
        f"Median of {args.runs} interleaved runs against a local server (SQLite):\n\n"
        "| command | median wall time |\n|---|---|\n"
        f'| `python -c "import httpx; from pydantic import BaseModel"` | {b:.0f} ms |\n'
        f"| `modelyard models list --json` | {m:.0f} ms |\n\n"
        f"Ratio {m / b:.2f}x (target at most 2x: {verdict}).\n"
    )
    print(text)
    if args.results:
        with args.results.open("a") as results:
            results.write(text)


if __name__ == "__main__":
    main()
