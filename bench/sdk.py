"""SDK benchmark (issue 5): cold start to the first `retrieve`, and `retrieve` throughput.

    python bench/sdk.py [--calls 2000] [--rounds 3] [--cold-runs 7] [--results bench/RESULTS.md]

Starts one Modelyard server (SQLite, the test catalog) and measures, against that same server:

- cold start: a fresh interpreter that imports the SDK, makes a client and completes one
  `retrieve` — Modelyard vs the official `mistralai` 3.7.0 (`from mistralai.client import Mistral`).
  Timed inside the process from its first statement (and, for scale, the whole process's wall
  time, which adds interpreter start-up and shutdown). Median of `--cold-runs`.
- throughput: `--calls` sequential `retrieve` calls on one warm client — raw `httpx.Client.get` on
  the same URL, Modelyard, mistralai. Best of `--rounds`, the clients taking turns.

The targets (issue 5): cold start at most 1/2 of mistralai's; throughput at least 0.8x raw httpx
and at least 3x mistralai.

Every client runs in one bench virtualenv (`--python`, or made on first use under `.cache/bench/`
with pip): mistralai 3.7.0 plus the SDK's own dependencies at the versions of the interpreter
running this script, with the SDK from `src/` — what `pip install modelyard` gives a user, without
the server extras (whose click/rich make `import httpx` ~60 ms slower). Bytecode is cached under
`.cache/bench/pycache` and every cold snippet runs once untimed, as an installed package would
already be compiled.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.server import run_server  # noqa: E402

MISTRALAI_VERSION = "3.7.0"
MODEL = "mistral-small-2506"

COLD = {
    "modelyard": """
import time; t0 = time.perf_counter()
import os
from modelyard import Modelyard
with Modelyard(api_key=os.environ["KEY"], server_url=os.environ["URL"]) as yard:
    yard.models.retrieve(model_id=os.environ["MODEL"])
print(time.perf_counter() - t0)
""",
    "mistralai": """
import time; t0 = time.perf_counter()
import os
from mistralai.client import Mistral
with Mistral(api_key=os.environ["KEY"], server_url=os.environ["URL"]) as mistral:
    mistral.models.retrieve(model_id=os.environ["MODEL"])
print(time.perf_counter() - t0)
""",
}

_LOOP = """
import os, time
n = int(os.environ["CALLS"])
{setup}
for _ in range(50):
    {call}
t0 = time.perf_counter()
for _ in range(n):
    {call}
print(n / (time.perf_counter() - t0))
"""

THROUGHPUT = {
    "httpx": _LOOP.format(
        setup="import httpx\n"
        "http = httpx.Client(headers={'Authorization': 'Bearer ' + os.environ['KEY']})\n"
        "url = os.environ['URL'] + '/v1/models/' + os.environ['MODEL']",
        call="http.get(url)",
    ),
    "modelyard": _LOOP.format(
        setup="from modelyard import Modelyard\n"
        "yard = Modelyard(api_key=os.environ['KEY'], server_url=os.environ['URL'])\n"
        "model = os.environ['MODEL']",
        call="yard.models.retrieve(model_id=model)",
    ),
    "mistralai": _LOOP.format(
        setup="from mistralai.client import Mistral\n"
        "mistral = Mistral(api_key=os.environ['KEY'], server_url=os.environ['URL'])\n"
        "model = os.environ['MODEL']",
        call="mistral.models.retrieve(model_id=model)",
    ),
}


CACHE = ROOT / ".cache" / "bench"


def bench_python(python: str | None) -> str:
    if python:
        return python
    import httpx
    import pydantic

    venv = CACHE / f"venv-mistralai-{MISTRALAI_VERSION}"
    interpreter = venv / "bin" / "python"
    if not interpreter.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        packages = [
            f"mistralai=={MISTRALAI_VERSION}",
            f"httpx=={httpx.__version__}",
            f"pydantic=={pydantic.VERSION}",
        ]
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", *packages], check=True)
    return str(interpreter)


def run(python: str, code: str, env: dict[str, str]) -> tuple[float, float]:
    """(the number the snippet prints, the process's wall time in seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{python} failed:\n{done.stderr}")
    return float(done.stdout.strip().splitlines()[-1]), wall


def version_in(python: str, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--python", default=os.environ.get("BENCH_PYTHON"))
    parser.add_argument("--results", type=Path, help="also append the report to this file")
    args = parser.parse_args()

    python = bench_python(args.python)
    with (
        tempfile.TemporaryDirectory() as workdir,
        run_server(f"sqlite:///{workdir}/bench.db", Path(workdir)) as server,
    ):
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONPYCACHEPREFIX": str(CACHE / "pycache"),
            "KEY": server.admin_key,
            "URL": server.base_url,
            "MODEL": MODEL,
            "CALLS": str(args.calls),
        }
        for code in COLD.values():
            run(python, code, env)  # compiles and caches the bytecode
        cold: dict[str, list[tuple[float, float]]] = {name: [] for name in COLD}
        for _ in range(args.cold_runs):
            for name, code in COLD.items():
                cold[name].append(run(python, code, env))
        rates: dict[str, list[float]] = {name: [] for name in THROUGHPUT}
        for _ in range(args.rounds):
            for name, code in THROUGHPUT.items():
                rates[name].append(run(python, code, env)[0])

    inside = {name: statistics.median(t for t, _ in runs) for name, runs in cold.items()}
    wall = {name: statistics.median(w for _, w in runs) for name, runs in cold.items()}
    best = {name: max(values) for name, values in rates.items()}
    cold_ratio = inside["modelyard"] / inside["mistralai"]
    vs_httpx = best["modelyard"] / best["httpx"]
    vs_mistralai = best["modelyard"] / best["mistralai"]

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    report = f"""# SDK benchmark

`python bench/sdk.py --calls {args.calls} --rounds {args.rounds} --cold-runs {args.cold_runs}`,
one run, one local server (SQLite, test catalog, 1 worker), `retrieve(model_id="{MODEL}")`.
Python {platform.python_version()} on {platform.machine()}, one virtualenv for every client:
httpx {version_in(python, "httpx")}, pydantic {version_in(python, "pydantic")},
mistralai {version_in(python, "mistralai")}; the SDK from `src/`.

## Cold start: fresh interpreter to the first completed retrieve (median of {args.cold_runs})

| client | import + client + one call | whole process (wall) |
|---|---|---|
| modelyard | {ms(inside["modelyard"])} | {ms(wall["modelyard"])} |
| mistralai {MISTRALAI_VERSION} | {ms(inside["mistralai"])} | {ms(wall["mistralai"])} |

modelyard / mistralai = {cold_ratio:.2f} (target at most 0.50: {verdict(cold_ratio <= 0.5)}).

## Throughput: {args.calls} sequential retrieve calls, warm client (best of {args.rounds})

| client | calls/s |
|---|---|
| raw `httpx.Client.get` | {best["httpx"]:.0f} |
| modelyard | {best["modelyard"]:.0f} |
| mistralai {MISTRALAI_VERSION} | {best["mistralai"]:.0f} |

modelyard / httpx = {vs_httpx:.2f} (target at least 0.80: {verdict(vs_httpx >= 0.8)});
modelyard / mistralai = {vs_mistralai:.2f} (target at least 3.0: {verdict(vs_mistralai >= 3.0)}).
"""
    print(report)
    if args.results:
        with args.results.open("a") as results:
            section = report.replace("\n## ", "\n### ")  # one level down in RESULTS.md
            section = section.replace("# SDK benchmark", "## SDK benchmark (bench/sdk.py)", 1)
            results.write("\n" + section)


if __name__ == "__main__":
    main()
