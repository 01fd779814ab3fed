"""One command, one run: the bare baseline and Modelyard (SQLite, PostgreSQL) under the same load.

    .venv/bin/python bench/run.py            # ~5 minutes; writes bench/RESULTS.md
    .venv/bin/python bench/run.py --quick    # shorter runs, for a smoke check

Every figure is reported with its ratio to a baseline measured in the same run (these machines
are noisy). Load: wrk (Debian's package; installed when missing), on 127.0.0.1 only, bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = os.environ.get(
    "MODELYARD_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
KEY = "myd_bench_admin_key_" + "0" * 24
SERVER_ARGS = ("--http", "httptools", "--loop", "uvloop")


@dataclass
class Load:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {url}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + path, timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server not ready: {url}")


@contextlib.contextmanager
def serve(command: list[str], env: dict[str, str], ready_path: str) -> Iterator[Server]:
    port = free_port()
    log = (OUT / f"server-{port}.log").open("wb")
    process = subprocess.Popen(
        [*command, "--port", str(port)], env={**os.environ, **env}, stdout=log, stderr=log, cwd=OUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, ready_path)
        yield Server(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def modelyard(
    database_url: str, workers: int = 1, extra_env: dict[str, str] | None = None
) -> contextlib.AbstractContextManager[Server]:
    # Served as deployed: metrics and the access log on (its lines go to the server's log file).
    env = {"MODELYARD_DATABASE_URL": database_url, "MODELYARD_ADMIN_KEY": KEY, **(extra_env or {})}
    command = [sys.executable, "-m", "modelyard", "serve", "--workers", str(workers)]
    return serve(command, env, "/readyz")


def baseline(
    card: Path, listing: Path, workers: int = 1
) -> contextlib.AbstractContextManager[Server]:
    env = {"BENCH_KEY": KEY, "BENCH_CARD_FILE": str(card), "BENCH_LIST_FILE": str(listing)}
    command = [
        sys.executable, "-m", "uvicorn", "bench.baseline:app", "--app-dir", str(ROOT),
        "--workers", str(workers), "--log-level", "warning", "--no-access-log", *SERVER_ARGS,
    ]  # fmt: skip
    return serve(command, {**env, "PYTHONPATH": str(ROOT)}, "/v1/models")


def wrk(name: str, url: str, *, seconds: int, connections: int, script: Path | None = None) -> Load:
    command = [
        "wrk", "-t", "1" if connections < 4 else "2", "-c", str(connections), "-d", f"{seconds}s",
        "--latency", "-H", f"Authorization: Bearer {KEY}",
    ]  # fmt: skip
    if script is not None:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{name}: {errors.group(1)} non-2xx responses\n{output}")
    return Load(name, rps, _percentile(output, "50%"), _percentile(output, "99%"))


def _percentile(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def seed(server: Server, count: int) -> list[str]:
    """Register `count` fine-tuned models in the admin's workspace, through the API."""
    ids = []
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}) as http:
        for index in range(count):
            body = {"root": "mistral-small-latest", "job": str(uuid.uuid4()), "suffix": f"b{index}"}
            response = http.post("/v1/fine_tuning/models", json=body)
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def fresh_postgres() -> str | None:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS "modelyard_bench" WITH (FORCE)'))
            conn.execute(sa.text('CREATE DATABASE "modelyard_bench"'))
        engine.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable, skipped: {exc}", file=sys.stderr)
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + "/modelyard_bench"


def patch_script(name: str) -> Path:
    path = OUT / f"patch-{name}.lua"
    path.write_text(
        'wrk.method = "PATCH"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  return wrk.format(nil, nil, nil, '{\"name\": \"n' .. counter .. '\"}')\n"
        "end\n"
    )
    return path


def random_patch_script(name: str, ids: list[str]) -> Path:
    """PATCH a random one of `ids` per request: writers contend for the store, not one row."""
    path = OUT / f"rpatch-{name}.lua"
    quoted = ",".join(f'"{model_id}"' for model_id in ids)
    path.write_text(
        f"ids = {{{quoted}}}\n"
        'wrk.method = "PATCH"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        "  local id = ids[math.random(#ids)]\n"
        "  return wrk.format(nil, '/v1/fine_tuning/models/' .. id, nil,"
        " '{\"name\": \"n' .. counter .. '\"}')\n"
        "end\n"
    )
    return path


def measure(args: argparse.Namespace) -> dict[str, object]:
    seconds, connections = args.seconds, args.connections
    rows: list[tuple[str, Load, Load]] = []
    notes: list[str] = []
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)

    def load(name: str, url: str, **kw: object) -> Load:
        result = wrk(name, url, seconds=seconds, connections=connections, **kw)  # type: ignore[arg-type]
        print(
            f"  {name:<46} {result.rps:9.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms",
            flush=True,
        )
        return result

    backends = [("SQLite", f"sqlite:///{OUT / 'bench.db'}")]
    pg = None if args.skip_postgres else fresh_postgres()
    if pg:
        backends.append(("PostgreSQL", pg))

    def pair(
        name: str, mine: str, bare: str, scripts: tuple[Path, Path] | None = None
    ) -> tuple[Load, Load]:
        """The baseline's row right after Modelyard's, both servers up: the machine's speed
        drifts by tens of percent within an hour, so a ratio is only as good as the two loads
        are close in time. A second's pause first lets the previous row's work finish.
        `scripts`: wrk's Lua scripts for Modelyard and for the baseline."""
        time.sleep(1.0)
        my_script, bare_script = scripts or (None, None)
        return (
            load(name, mine, script=my_script),
            load(f"baseline: {name}", bare, script=bare_script),
        )

    def patches() -> tuple[Path, Path]:
        return patch_script("my"), patch_script("bare")

    def random_patches() -> tuple[Path, Path]:
        return random_patch_script("my", ids), random_patch_script("bare", ids)

    for label, url in backends:
        with modelyard(url) as server:
            ids = seed(server, args.models)
            target = ids[len(ids) // 2]
            card_file, list_file = OUT / f"card-{label}.json", OUT / f"list-{label}.json"
            headers = {"Authorization": f"Bearer {KEY}"}
            card_file.write_bytes(
                httpx.get(f"{server.url}/v1/models/{target}", headers=headers).content
            )
            list_file.write_bytes(httpx.get(f"{server.url}/v1/models", headers=headers).content)
            listed = len(json.loads(list_file.read_bytes())["data"])
            if label == "SQLite":
                notes.append(
                    f"list: {listed} entries, {list_file.stat().st_size:,} bytes; card {card_file.stat().st_size} bytes"
                )
            print(f"Modelyard on {label}, each row followed by the baseline's", flush=True)
            with baseline(card_file, list_file) as bare:
                rows.append(
                    (
                        f"{label}: retrieve fine-tuned",
                        *pair(
                            f"{label}: GET /v1/models/{{ft id}}",
                            f"{server.url}/v1/models/{target}",
                            f"{bare.url}/v1/models/{target}",
                        ),
                    )
                )
                rows.append(
                    (
                        f"{label}: list ({listed} entries)",
                        *pair(
                            f"{label}: GET /v1/models ({listed} entries)",
                            f"{server.url}/v1/models",
                            f"{bare.url}/v1/models",
                        ),
                    )
                )
                rows.append(
                    (
                        f"{label}: PATCH (commit + audit)",
                        *pair(
                            f"{label}: PATCH /v1/fine_tuning/models/{{id}}",
                            f"{server.url}/v1/fine_tuning/models/{target}",
                            f"{bare.url}/v1/fine_tuning/models/{target}",
                            patches(),
                        ),
                    )
                )
                time.sleep(1.0)
                path = f"/v1/models/{target}"
                rows.append(
                    (
                        f"{label}: single-connection retrieve",
                        wrk("single", server.url + path, seconds=seconds, connections=1),
                        wrk("single", bare.url + path, seconds=seconds, connections=1),
                    )
                )
                if label == "SQLite":
                    random_rows = pair(
                        "SQLite: PATCH random models",
                        f"{server.url}/",
                        f"{bare.url}/",
                        random_patches(),
                    )
                    rows.append(("SQLite: PATCH random models", *random_rows))

        if label == "SQLite" and not args.skip_workers:
            # Right after SQLite's rows, before PostgreSQL's: its server keeps working for a
            # while after its PATCH load (autovacuum) and took CPU from the rows run after it.
            print("Two workers", flush=True)
            with (
                modelyard(url) as one,
                modelyard(url, workers=2) as server,
                baseline(card_file, list_file, workers=2) as bare,
            ):
                my_two, base_two = pair(
                    "SQLite 2 workers: GET /v1/models/{ft id}",
                    f"{server.url}/v1/models/{target}",
                    f"{bare.url}/v1/models/{target}",
                )
                # One worker again, right before two, on the same store: the target compares
                # their rates, which a few minutes of the machine's drift would blur.
                time.sleep(1.0)
                one_random = load(
                    "SQLite 1 worker: PATCH random models",
                    f"{one.url}/",
                    script=random_patches()[0],
                )
                my_two_random, base_two_random = pair(
                    "SQLite 2 workers: PATCH random models",
                    f"{server.url}/",
                    f"{bare.url}/",
                    random_patches(),
                )
            rows.append(("SQLite, 2 workers: retrieve fine-tuned", my_two, base_two))
            rows.append(("SQLite, 2 workers: PATCH random models", my_two_random, base_two_random))
            notes.append(
                f"PATCH of random models: 2 workers {my_two_random.rps:,.0f} req/s (p99 "
                f"{my_two_random.p99_ms:.1f} ms) against 1 worker {one_random.rps:,.0f} req/s "
                f"(p99 {one_random.p99_ms:.1f} ms): {my_two_random.rps / one_random.rps:.2f}x"
            )
    return {"rows": rows, "notes": notes, "seconds": seconds, "connections": connections}


def report(result: dict[str, object], command: str) -> str:
    rows: list[tuple[str, Load, Load]] = result["rows"]  # type: ignore[assignment]
    versions = {
        name: _version(name)
        for name in ("fastapi", "starlette", "uvicorn", "sqlalchemy", "psycopg")
    }
    lines = [
        "# Benchmark results",
        "",
        f"Run: `{command}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items())
        + ".",
        f"Load: wrk, {result['connections']} connections (1 for single-connection rows), "
        f"{result['seconds']} s per row, 127.0.0.1; server and load generator share the cores.",
        "Baseline: a bare Starlette app on the same uvicorn settings, with the same bearer check, "
        "returning the same bytes (PATCH: an in-memory dict), up beside Modelyard's server: each "
        "of its rows runs right after Modelyard's (the machine's speed drifts within minutes).",
        "",
        "| scenario | Modelyard req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms | ratio req/s | ratio p99 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, mine, base in rows:
        lines.append(
            f"| {name} | {mine.rps:,.0f} | {mine.p50_ms:.2f} | {mine.p99_ms:.2f} | {base.rps:,.0f} | "
            f"{base.p50_ms:.2f} | {base.p99_ms:.2f} | **{mine.rps / base.rps:.2f}x** | "
            f"{mine.p99_ms / base.p99_ms:.2f}x |"
        )
    lines += ["", *(f"- {note}" for note in result["notes"])]  # type: ignore[union-attr]
    return "\n".join(lines) + "\n"


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 s per row, 200 models")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--models", type=int, default=1000, help="fine-tuned models in the listed workspace"
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.models = 3, 200
    ensure_wrk()
    result = measure(args)
    text = report(result, "python bench/run.py " + " ".join(sys.argv[1:]))
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
