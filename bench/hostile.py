"""Hostile-client probe: each finding of the hardening issue as a named check with a budget.

    .venv/bin/python bench/hostile.py --quick                 # today's server, ~2 minutes
    .venv/bin/python bench/hostile.py                         # full sizes (the issue's), ~5 minutes
    .venv/bin/python bench/hostile.py --server granian --server-args '--http1-header-read-timeout 10000'
    .venv/bin/python bench/hostile.py --url http://127.0.0.1:8000 --pid 1234 --admin-key myd_...
    .venv/bin/python bench/hostile.py --throughput --servers today,granian --repeat 2

Without --url it starts the server itself (`--server`: today's, as `modelyard serve` runs it, or
uvicorn-httptools, uvicorn-h11, granian, hypercorn; `--server-args` adds that server's own
options) on a fresh SQLite store in a temporary folder, with RLIMIT_NOFILE set to
--server-nofile. Such a server gets one extra route, /__hostile__/500, whose handler raises
(Starlette's error middleware then sends the 500 and raises again): the only way to probe
keep-alive after a 500 from outside. With --url the check is skipped.

Every request goes to 127.0.0.1 only; every probe is bounded in count and time and closes its
sockets. RSS is read from /proc (the sum over the server's process tree). Exit status: 0 when
every check that ran passed, 1 otherwise. --json writes the results for a report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shlex
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "myd_hostile_admin_key_" + "0" * 22
FACTORY = "modelyard.server.app:app_from_env"
PROBE_FACTORY = "bench.hostile:probe_app"
MIB = 1024 * 1024


# --------------------------------------------------------------------------------------------
# The app the probe serves when it starts the server itself: ours, plus one route that fails.


def probe_app() -> Any:
    """`app_from_env()` plus a route, /__hostile__/500, whose handler raises: FastAPI's error
    middleware sends the 500 and then raises again, as it does for any fault in a handler."""
    from modelyard.server.app import app_from_env

    app = app_from_env()

    async def fail() -> None:
        raise RuntimeError("hostile probe: a fault in a handler")

    app.api.add_api_route("/__hostile__/500", fail, include_in_schema=False)
    return app


# --------------------------------------------------------------------------------------------
# Servers


def short_name(name: str) -> str:
    """A label (and file name) for a server: `cmd:` commands by their second word's base name."""
    if not name.startswith("cmd:"):
        return name
    words = shlex.split(name[4:])
    return "cmd-" + Path(words[1] if len(words) > 1 else words[0]).name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(name: str, port: int, factory: str, workers: int, extra: list[str]) -> list[str]:
    py = sys.executable
    if name == "today":
        # As `modelyard serve` runs it: uvicorn with the bounded protocol and the settings' limits.
        launch = (
            "import sys, uvicorn\n"
            "from modelyard.server.http_protocol import uvicorn_options\n"
            "from modelyard.settings import Settings\n"
            "uvicorn.run(sys.argv[1], factory=True, host='127.0.0.1', port=int(sys.argv[2]),"
            " workers=int(sys.argv[3]), log_level='warning', access_log=False,"
            " **uvicorn_options(Settings()))\n"
        )
        return [py, "-c", launch, factory, str(port), str(workers), *extra]
    if name in ("uvicorn-httptools", "uvicorn-h11"):
        http = "h11" if name == "uvicorn-h11" else "httptools"
        return [
            py, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1", "--port", str(port),
            "--http", http, "--loop", "uvloop", "--workers", str(workers), "--no-access-log",
            "--log-level", "warning", *extra,
        ]  # fmt: skip
    if name == "granian":
        return [
            py, "-m", "granian", "--interface", "asgi", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--loop", "uvloop", "--workers", str(workers),
            "--log-level", "warning", *extra, factory,
        ]  # fmt: skip
    if name == "hypercorn":
        return [
            py, "-m", "hypercorn", "-k", "uvloop", "-b", f"127.0.0.1:{port}", "-w", str(workers),
            "--log-level", "warning", *extra, factory + "()",
        ]  # fmt: skip
    if name.startswith("cmd:"):
        # Any other server or launcher: {python}, {port}, {factory} and {workers} filled in.
        text = name[4:].format(python=py, port=port, factory=factory, workers=workers)
        return [*shlex.split(text), *extra]
    raise SystemExit(f"unknown server {name!r}")


@dataclass
class Server:
    url: str
    pid: int
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    admin_key: str = ADMIN_KEY

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def _limit_nofile(nofile: int) -> Callable[[], None]:
    def apply() -> None:
        # Hard limit too: some servers (granian) raise their soft limit to the hard one.
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(nofile, hard), min(nofile, hard)))
        os.setsid()  # its own process group: the probe can signal the whole tree

    return apply


@contextlib.contextmanager
def start_server(
    name: str,
    extra: list[str],
    *,
    workdir: Path,
    database: Path | None = None,
    workers: int = 1,
    nofile: int = 4096,
    inject_500: bool = True,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    database = database or workdir / "modelyard.db"
    environment = {
        **os.environ,
        "MODELYARD_DATABASE_URL": f"sqlite:///{database}",
        "MODELYARD_ADMIN_KEY": ADMIN_KEY,
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        **(env or {}),
    }
    if workers > 1:
        environment["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="hostile-metrics-")
    # What `modelyard serve` does before it starts uvicorn: migrate, sync the catalog, first key.
    subprocess.run(
        [sys.executable, "-m", "modelyard", "init"], env=environment, check=True,
        capture_output=True, cwd=workdir,
    )  # fmt: skip
    port = free_port()
    log = workdir / f"server-{short_name(name)}-{port}.log"
    factory = PROBE_FACTORY if inject_500 else FACTORY
    command = server_command(name, port, factory, workers, extra)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=environment, stdout=out, stderr=out, cwd=ROOT,
            preexec_fn=_limit_nofile(nofile),
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process.pid, process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(server.url + "/readyz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not ready:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 15) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --------------------------------------------------------------------------------------------
# Measuring


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss_mib(root: int) -> float:
    """VmRSS summed over the process and its descendants (workers), in MiB."""
    total = 0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def nofile_limit(pid: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


class RssWatch:
    """Samples the tree's RSS every 50 ms in a thread; `peak` and `start`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start = rss_mib(pid)
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mib(self.pid))

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib(self.pid))

    @property
    def growth(self) -> float:
        return self.peak - self.start


class LatencyWatch:
    """A normal client during an attack: a GET of a model on a new connection every `every` s,
    5 s timeout. Records the latency, or None for a failure."""

    def __init__(self, url: str, key: str, path: str, every: float = 0.25) -> None:
        self.url, self.key, self.path, self.every = url, key, path, every
        self.samples: list[float | None] = []
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                response = httpx.get(
                    self.url + self.path,
                    headers={"Authorization": f"Bearer {self.key}"},
                    timeout=5,
                )
                ok = response.status_code == 200
                if not ok:
                    self.errors.append(str(response.status_code))
            except httpx.HTTPError as error:
                ok = False
                self.errors.append(type(error).__name__)
            self.samples.append(time.perf_counter() - started if ok else None)
            self._stop.wait(self.every)

    def __enter__(self) -> LatencyWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> tuple[int, int, float]:
        """(served, failed, max latency in ms of the served ones)."""
        served = [s for s in self.samples if s is not None]
        return len(served), len(self.samples) - len(served), max(served, default=0) * 1000

    def text(self) -> str:
        served, failed, worst = self.summary()
        kinds = ", ".join(sorted(set(self.errors)))
        return f"normal GETs {served} ok / {failed} failed{f' ({kinds})' if kinds else ''}, max {worst:.0f} ms"


# --------------------------------------------------------------------------------------------
# Raw HTTP/1.1 on a socket


@dataclass
class Raw:
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    closed: bool = False

    def describe(self) -> str:
        if self.status is None:
            return f"no response ({self.error})"
        kind = self.headers.get("content-type", "-").split(";")[0]
        return f"{self.status} {kind}"


def connect(url: str, timeout: float = 5) -> socket.socket:
    port = int(url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return sock


def send_all(sock: socket.socket, data: bytes | memoryview) -> str | None:
    try:
        sock.sendall(data)
    except OSError as error:
        return type(error).__name__
    return None


def read_response(sock: socket.socket, timeout: float = 10) -> Raw:
    """One response: status, headers, a Content-Length body (or up to the close)."""
    sock.settimeout(timeout)
    buffer = b""
    try:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                return Raw(None, error="closed before a response", closed=True)
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "-1"))
        closed = False
        while length < 0 or len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            rest += chunk
        return Raw(status, headers, rest[: length if length >= 0 else None], closed=closed)
    except OSError as error:
        return Raw(None, error=type(error).__name__, closed=True)


def raw_request(url: str, data: bytes | memoryview, timeout: float = 30) -> Raw:
    try:
        sock = connect(url)
    except OSError as error:
        return Raw(None, error=f"connect: {type(error).__name__}")
    with sock:
        sock.settimeout(timeout)
        sent_error = send_all(sock, data)
        response = read_response(sock, timeout)
        if response.status is None and sent_error:
            response.error = f"send: {sent_error}; read: {response.error}"
        return response


def is_closed(sock: socket.socket) -> bool:
    """True when the server closed (FIN or RST); data it sent first (a 408) is drained."""
    while True:
        try:
            data = sock.recv(65536, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return False
        except OSError:
            return True
        if not data:
            return True


# --------------------------------------------------------------------------------------------
# The checks


@dataclass
class Result:
    check: str
    budget: str
    measured: str
    passed: bool | None  # None: skipped
    note: str = ""
    seconds: float = 0.0


@dataclass
class Context:
    server: Server
    args: argparse.Namespace
    read_key_a: str = ""
    read_key_b: str = ""
    model_path: str = "/v1/models/mistral-small-latest"
    owned: bool = True

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.server.admin_key}"}


def prepare(ctx: Context) -> None:
    """Two read keys in the admin's workspace; a model path to read."""
    with httpx.Client(base_url=ctx.server.url, headers=ctx.admin(), timeout=30) as http:
        me = http.get("/v1/me")
        me.raise_for_status()
        workspace = me.json()["workspace_id"]
        keys = []
        for name in ("hostile-a", "hostile-b"):
            created = http.post(
                "/v1/api_keys", json={"workspace": workspace, "scope": "read", "name": name}
            )
            created.raise_for_status()
            keys.append(created.json()["key"])
        ctx.read_key_a, ctx.read_key_b = keys
        listed = http.get("/v1/models").json()["data"]
        if listed:
            ctx.model_path = "/v1/models/" + listed[0]["id"]


def check_read_cache_memory(ctx: Context) -> Result:
    count, threads = ctx.args.cache_requests, 4
    headers = {"Authorization": f"Bearer {ctx.read_key_a}"}
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def run(part: int) -> None:
        with httpx.Client(base_url=ctx.server.url, headers=headers, timeout=30) as http:
            for index in range(part, count, threads):
                status = http.get("/v1/models", params={"x": str(index)}).status_code
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with RssWatch(ctx.server.pid) as watch, ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    took = time.perf_counter() - started
    return Result(
        "read-cache-memory",
        "RSS growth <= 64 MiB",
        f"+{watch.growth:.0f} MiB ({watch.start:.0f} -> {watch.peak:.0f} MiB) after {count:,} "
        f"GET /v1/models?x=<N> ({count / took:,.0f}/s; statuses {statuses})",
        watch.growth <= 64,
    )


def check_read_cache_replay(ctx: Context) -> Result:
    target = ctx.model_path
    mark_a = f"hostile-a-{uuid.uuid4().hex}"
    replayed = []
    with httpx.Client(base_url=ctx.server.url, timeout=30) as http:
        for path in (target, "/v1/models"):
            first = http.get(
                path, headers={"Authorization": f"Bearer {ctx.read_key_a}", "X-Request-Id": mark_a}
            )
            second = http.get(path, headers={"Authorization": f"Bearer {ctx.read_key_b}"})
            ids = second.headers.get_list("x-request-id")
            limits = second.headers.get_list("x-ratelimit-remaining-req-minute")
            if mark_a in ids:
                replayed.append(f"{path}: key A's X-Request-Id in B's answer ({len(ids)} ids)")
            if len(limits) > 1:
                replayed.append(f"{path}: {len(limits)} rate-limit headers ({limits})")
            if first.status_code != 200 or second.status_code != 200:
                replayed.append(f"{path}: statuses {first.status_code}/{second.status_code}")
    return Result(
        "read-cache-header-replay",
        "no caller's headers in another's answer",
        "; ".join(replayed) or "none replayed",
        not replayed,
    )


def _big_header_request(
    size: int, count: int = 1, key: str | None = None, path: str = "/v1/models"
) -> bytes:
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}".encode()
    if count > 1:
        per = max(1, size // count)
        fields = b"".join(b"X-H%d: %s\r\n" % (i, b"a" * per) for i in range(count))
    else:
        fields = b"X-Big: " + b"a" * size + b"\r\n"
    return head + fields + b"Connection: close\r\n\r\n"


def check_header_size(ctx: Context) -> list[Result]:
    results = []
    for size in ctx.args.header_sizes:
        started = time.perf_counter()
        response = raw_request(ctx.server.url, _big_header_request(size, key=ctx.read_key_a))
        took = time.perf_counter() - started
        rejected = response.status is None or response.status in (400, 413, 431, 494)
        results.append(
            Result(
                f"header-size-{_size(size)}",
                "refused (431/400 or closed)",
                f"{response.describe()} in {took * 1000:.0f} ms",
                rejected,
            )
        )
    return results


def check_header_count(ctx: Context) -> Result:
    count = ctx.args.header_count
    started = time.perf_counter()
    response = raw_request(
        ctx.server.url, _big_header_request(count * 2, count=count, key=ctx.read_key_a)
    )
    took = time.perf_counter() - started
    return Result(
        f"header-count-{count}",
        "refused (431/400 or closed)",
        f"{response.describe()} in {took * 1000:.0f} ms",
        response.status is None or response.status in (400, 413, 431, 494),
    )


def check_header_flood(ctx: Context) -> Result:
    count, size = ctx.args.flood_headers, ctx.args.flood_header_size
    payload = memoryview(_big_header_request(size))  # no key: anyone can send this
    outcomes: list[str] = []

    def one(_: int) -> None:
        outcomes.append(raw_request(ctx.server.url, payload, timeout=60).describe())

    with (
        RssWatch(ctx.server.pid) as watch,
        LatencyWatch(ctx.server.url, ctx.read_key_a, ctx.model_path, every=0.1) as normal,
        ThreadPoolExecutor(count) as pool,
    ):
        time.sleep(0.3)
        list(pool.map(one, range(count)))
        time.sleep(0.3)
    _served, failed, worst = normal.summary()
    kinds = sorted(set(outcomes))
    ok = watch.growth <= 64 and failed == 0 and worst <= ctx.args.latency_budget_ms
    return Result(
        f"header-flood-{count}x{_size(size)}",
        f"RSS growth <= 64 MiB; normal GETs all ok, max <= {ctx.args.latency_budget_ms} ms",
        f"+{watch.growth:.0f} MiB (peak {watch.peak:.0f} MiB); answers {kinds}; {normal.text()}",
        ok,
    )


def check_slow_clients(ctx: Context) -> list[Result]:
    """Silent sockets, header dribblers (slowloris) and body dribblers, all at once; each kind
    must be closed by the server within the budget while normal requests keep being served."""
    args, url = ctx.args, ctx.server.url
    budget = args.slow_budget
    groups: dict[str, list[socket.socket]] = {
        "idle": [],
        "keepalive-idle": [],
        "slowloris": [],
        "body-dribble": [],
    }
    refused = 0

    def opened() -> socket.socket | None:
        nonlocal refused
        try:
            sock = connect(url, timeout=3)
        except OSError:
            refused += 1
            return None
        sock.setblocking(False)
        return sock

    with LatencyWatch(url, ctx.read_key_a, ctx.model_path, every=0.5) as normal:
        for kind, count in (
            ("body-dribble", args.body_dribblers),
            ("slowloris", args.slowloris),
            ("idle", args.idle),
            ("keepalive-idle", args.keepalive_idle),
        ):
            for _ in range(count):
                sock = opened()
                if sock is None:
                    continue
                if kind == "keepalive-idle":
                    with contextlib.suppress(OSError):
                        sock.send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                elif kind == "slowloris":
                    with contextlib.suppress(OSError):
                        sock.send(b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                elif kind == "body-dribble":
                    with contextlib.suppress(OSError):
                        sock.send(
                            b"POST /v1/fine_tuning/models HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            b"Authorization: Bearer " + ctx.server.admin_key.encode() + b"\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
                        )
                groups[kind].append(sock)
        started = time.monotonic()
        closed_at: dict[str, list[float]] = {kind: [] for kind in groups}
        live = {kind: list(socks) for kind, socks in groups.items()}
        tick = 0
        while time.monotonic() - started < budget + 2 and any(live.values()):
            time.sleep(1)
            tick += 1
            for kind, socks in live.items():
                still = []
                for sock in socks:
                    dead = is_closed(sock)
                    if not dead and tick % 5 == 0 and kind in ("slowloris", "body-dribble"):
                        data = b"X-Slow: a\r\n" if kind == "slowloris" else b" "
                        try:
                            sock.send(data)
                        except OSError:
                            dead = True
                    if dead:
                        closed_at[kind].append(time.monotonic() - started)
                        sock.close()
                    else:
                        still.append(sock)
                live[kind] = still
        for socks in live.values():
            for sock in socks:
                sock.close()
    results = []
    for kind, socks in groups.items():
        if not socks:
            continue
        times = closed_at[kind]
        left = len(socks) - len(times)
        when = f"last after {max(times):.0f} s" if times else "none closed"
        results.append(
            Result(
                f"{kind}-connections",
                f"all {len(socks)} closed within {budget:.0f} s",
                f"{len(times)} closed ({when}), {left} still open at {budget + 2:.0f} s",
                left == 0 and (not times or max(times) <= budget),
            )
        )
    _served, failed, worst = normal.summary()
    results.append(
        Result(
            "latency-during-slow-clients",
            f"normal GETs all ok, max <= {args.latency_budget_ms} ms",
            normal.text() + (f"; {refused} attack connects refused" if refused else ""),
            failed == 0 and worst <= args.latency_budget_ms,
        )
    )
    return results


def check_fd_exhaustion(ctx: Context) -> Result:
    limit = nofile_limit(ctx.server.pid)
    count = ctx.args.fd_flood or ((limit or 1024) + 256)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 512:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 512), hard))
    socks: list[socket.socket] = []
    failures = 0
    recovered_after: float | None = None
    try:
        for _ in range(count):
            try:
                sock = socket.socket()
                sock.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    sock.connect(("127.0.0.1", ctx.server.port))
                socks.append(sock)
            except OSError:
                failures += 1
                break
        time.sleep(2)  # let the server accept what it can
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {ctx.read_key_a}"}
        attempts: list[str] = []
        while time.monotonic() - started < ctx.args.slow_budget + 2:
            try:
                status = httpx.get(
                    ctx.server.url + ctx.model_path, headers=headers, timeout=3
                ).status_code
                attempts.append(str(status))
                if status == 200:
                    recovered_after = time.monotonic() - started
                    break
            except httpx.HTTPError as error:
                attempts.append(type(error).__name__)
            time.sleep(1)
    finally:
        for sock in socks:
            sock.close()
    first = attempts[0] if attempts else "-"
    measured = (
        f"{len(socks)} silent connections (server nofile {limit}); first normal GET: {first}; "
        + (
            f"served after {recovered_after:.0f} s"
            if recovered_after is not None
            else f"none served in {ctx.args.slow_budget + 2:.0f} s"
        )
    )
    return Result(
        "fd-exhaustion",
        f"normal GETs served within {ctx.args.slow_budget:.0f} s",
        measured,
        recovered_after is not None and recovered_after <= ctx.args.slow_budget,
    )


def _series(text: str) -> int:
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def check_metrics(ctx: Context) -> Result:
    count = ctx.args.metrics_paths
    with httpx.Client(base_url=ctx.server.url, timeout=30) as http:
        http.get("/metrics")

        def random_paths(n: int) -> None:
            for _ in range(n):
                http.get("/" + "".join(random.choices(string.ascii_lowercase, k=12)))

        random_paths(50)  # a bounded "unknown" series may appear once: warm it up
        before = http.get("/metrics")
        random_paths(count)
        after = http.get("/metrics")
    grown = _series(after.text) - _series(before.text)
    return Result(
        "metrics-unknown-paths",
        "0 new series",
        f"+{grown:,} series after {count:,} random paths (page {len(before.content) / 1024:.0f} KiB -> "
        f"{len(after.content) / 1024:.0f} KiB)",
        grown == 0,
    )


def check_413_close(ctx: Context) -> Result:
    attempts, size = ctx.args.close_413_attempts, ctx.args.body_size
    body = b"{" + b" " * (size - 2) + b"}"
    outcomes: dict[str, int] = {}
    for _ in range(attempts):
        request = urllib.request.Request(
            ctx.server.url + "/v1/fine_tuning/models",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {ctx.server.admin_key}",
                "Content-Type": "application/json",
                "Connection": "close",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                outcome = str(response.status)
        except urllib.error.HTTPError as error:
            outcome = str(error.code)
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            outcome = type(reason).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return Result(
        "413-connection-close",
        f"{attempts}/{attempts} urllib POSTs of {_size(size)} get the 413",
        ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())),
        outcomes.get("413", 0) == attempts,
    )


def check_414(ctx: Context) -> list[Result]:
    results = []
    for size in ctx.args.request_line_sizes:
        path = "/v1/models?q=" + "a" * size
        data = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ctx.read_key_a}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        response = raw_request(ctx.server.url, data)
        try:
            is_json = json.loads(response.body).get("object") == "error"
        except (ValueError, AttributeError):
            is_json = False
        results.append(
            Result(
                f"request-line-{_size(size)}",
                'JSON 414 {"object":"error",...}',
                f"{response.describe()}{' (JSON error)' if is_json else ''}: {response.body[:60]!r}",
                response.status == 414 and is_json,
            )
        )
    return results


def check_keepalive_after_500(ctx: Context) -> Result:
    if not ctx.owned or not ctx.args.inject_500:
        return Result(
            "keep-alive-after-500",
            "next request on the connection answered",
            "skipped: no 500 can be triggered from outside (start the server with this probe)",
            None,
        )
    sock = connect(ctx.server.url, timeout=10)
    with sock:
        send_all(sock, b"GET /__hostile__/500 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = read_response(sock)
        time.sleep(0.2)  # the server's reaction to the exception has happened by now
        request = f"GET {ctx.model_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ctx.read_key_a}\r\n\r\n"
        error = send_all(sock, request.encode())
        second = read_response(sock) if error is None else Raw(None, error=error)
    said_close = first.headers.get("connection", "").lower() == "close"
    return Result(
        "keep-alive-after-500",
        "next request on the connection answered",
        f"500 answer: {first.describe()}{' with Connection: close' if said_close else ''}; "
        f"next request: {second.describe()}",
        second.status == 200,
        note="an injected route's handler raises",
    )


def check_auth_throttle(ctx: Context) -> Result:
    count = ctx.args.auth_attempts
    statuses: dict[int, int] = {}
    first_429: int | None = None
    valid_failures = 0
    started = time.perf_counter()
    with httpx.Client(base_url=ctx.server.url, timeout=30) as http:
        for index in range(count):
            key = "myd_" + "".join(random.choices(string.ascii_letters + string.digits, k=40))
            status = http.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code
            statuses[status] = statuses.get(status, 0) + 1
            if status == 429 and first_429 is None:
                first_429 = index + 1
            if index % 100 == 99:
                good = http.get(
                    ctx.model_path, headers={"Authorization": f"Bearer {ctx.read_key_a}"}
                )
                valid_failures += good.status_code != 200
    took = time.perf_counter() - started
    return Result(
        "failed-auth-throttle",
        "429 after some bad keys; the valid key keeps working",
        f"{count:,} bad keys at {count / took:,.0f}/s: {statuses}; first 429 at "
        f"{first_429 or '-'}; valid-key failures {valid_failures}/{count // 100}",
        first_429 is not None and valid_failures == 0,
    )


def check_shutdown(ctx: Context) -> Result:
    server = ctx.server
    if not ctx.owned and not ctx.args.allow_kill:
        return Result(
            "shutdown-with-dribblers",
            "SIGTERM -> exit within 30 s",
            "skipped: not our server (pass --allow-kill with --pid)",
            None,
        )
    dribblers = []
    for _ in range(ctx.args.shutdown_dribblers):
        sock = connect(server.url)
        sock.send(
            b"POST /v1/fine_tuning/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
            + server.admin_key.encode()
            + b"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
        dribblers.append(sock)
    idle = [connect(server.url) for _ in range(5)]
    stop_dribbling = threading.Event()

    def dribble() -> None:
        while not stop_dribbling.wait(1):
            for sock in dribblers:
                with contextlib.suppress(OSError):
                    sock.send(b" ")

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    time.sleep(2)
    cap = ctx.args.shutdown_budget + 2
    started = time.monotonic()
    os.kill(server.pid, signal.SIGTERM)
    exited: float | None = None
    while time.monotonic() - started < cap:
        if not _alive(server):
            exited = time.monotonic() - started
            break
        time.sleep(0.1)
    stop_dribbling.set()
    thread.join()
    for sock in dribblers + idle:
        sock.close()
    if exited is None and server.process is not None:
        stop(server.process, grace=0)
    measured = (
        f"exited {exited:.1f} s after SIGTERM"
        if exited is not None
        else f"still running after {cap:.0f} s (killed)"
    )
    return Result(
        "shutdown-with-dribblers",
        f"SIGTERM -> exit within {ctx.args.shutdown_budget:.0f} s",
        f"{measured}; {len(dribblers)} body dribblers, {len(idle)} idle connections",
        exited is not None and exited <= ctx.args.shutdown_budget,
    )


def _alive(server: Server) -> bool:
    if server.process is not None:
        return server.process.poll() is None
    try:
        os.kill(server.pid, 0)
    except ProcessLookupError:
        return False
    return True


def _size(n: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1000)):
        if n >= scale:
            return f"{n / scale:g}{unit}"
    return f"{n}B"


CHECKS: dict[str, Callable[[Context], Result | list[Result]]] = {
    "read-cache-memory": check_read_cache_memory,
    "read-cache-replay": check_read_cache_replay,
    "header-size": check_header_size,
    "header-count": check_header_count,
    "header-flood": check_header_flood,
    "slow-clients": check_slow_clients,
    "fd-exhaustion": check_fd_exhaustion,
    "metrics": check_metrics,
    "413-close": check_413_close,
    "414": check_414,
    "keepalive-500": check_keepalive_after_500,
    "auth-throttle": check_auth_throttle,
    "shutdown": check_shutdown,  # last: it stops the server
}


def run_checks(ctx: Context) -> list[Result]:
    args = ctx.args
    selected = [
        name for name in CHECKS if (not args.only or name in args.only) and name not in args.skip
    ]
    quick_skips = args.quick and not args.only and "fd-exhaustion" not in args.include
    if quick_skips and "fd-exhaustion" in selected:
        selected.remove("fd-exhaustion")
    prepare(ctx)
    results: list[Result] = []
    for name in selected:
        print(f"... {name}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            outcome = CHECKS[name](ctx)
        except Exception as error:  # a probe that breaks is reported, not fatal
            traceback.print_exc()
            outcome = Result(name, "-", f"probe error: {type(error).__name__}: {error}", False)
        took = time.perf_counter() - started
        for result in outcome if isinstance(outcome, list) else [outcome]:
            result.seconds = took
            results.append(result)
            print(f"    {_row(result)}", file=sys.stderr, flush=True)
        if (
            name != "shutdown"
            and ctx.server.process is not None
            and ctx.server.process.poll() is not None
        ):
            results.append(Result("server-alive", "-", f"server died during {name}", False))
            break
    return results


def _row(result: Result) -> str:
    verdict = {True: "pass", False: "FAIL", None: "skip"}[result.passed]
    return f"{result.check:<32} {verdict:<5} {result.measured}"


def table(results: list[Result]) -> str:
    lines = ["| check | budget | measured | result |", "|---|---|---|---|"]
    for r in results:
        verdict = {True: "pass", False: "**FAIL**", None: "skip"}[r.passed]
        lines.append(f"| {r.check} | {r.budget} | {r.measured.replace('|', '/')} | {verdict} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Throughput: the same app on each server, wrk rows as bench/run.py runs them


def throughput(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    from bench import run as bench  # wrk(), seed(), patch_script()

    bench.ensure_wrk()
    bench.OUT.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="hostile-tp-"))
    database = workdir / "modelyard.db"
    bench.KEY = ADMIN_KEY  # wrk sends this bearer key
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    extra = {
        s: shlex.split(getattr(args, "args_" + s.replace("-", "_"), "") or "") for s in servers
    }
    with start_server(
        servers[0], extra[servers[0]], workdir=workdir, database=database, inject_500=False
    ) as first:
        ids = bench.seed(bench.Server(first.url, first.process), args.models)  # type: ignore[arg-type]
    target = ids[len(ids) // 2]
    rows: dict[tuple[str, str], list[Any]] = {}
    seconds, connections = args.seconds, args.connections
    for repeat in range(args.repeat):
        for name in servers:
            print(f"run {repeat + 1}: {name}", file=sys.stderr, flush=True)
            with start_server(
                name, extra[name], workdir=workdir, database=database, inject_500=False
            ) as server:
                plan = [
                    ("retrieve", f"/v1/models/{target}", connections, None),
                    ("list", "/v1/models", connections, None),
                    (
                        "PATCH",
                        f"/v1/fine_tuning/models/{target}",
                        connections,
                        bench.patch_script(short_name(name)),
                    ),
                    ("single-connection retrieve", f"/v1/models/{target}", 1, None),
                ]
                for row, path, conns, script in plan:
                    load = bench.wrk(
                        row, server.url + path, seconds=seconds, connections=conns, script=script
                    )
                    rows.setdefault((short_name(name), row), []).append(load)
                    print(
                        f"  {short_name(name):<12} {row:<28} {load.rps:9.0f} req/s p50 {load.p50_ms:6.2f} p99 {load.p99_ms:7.2f}",
                        file=sys.stderr,
                        flush=True,
                    )
            if args.workers_rows:
                with start_server(
                    name,
                    extra[name],
                    workdir=workdir,
                    database=database,
                    workers=2,
                    inject_500=False,
                ) as server:
                    for row, path, script in (
                        ("2 workers: retrieve", f"/v1/models/{target}", None),
                        (
                            "2 workers: PATCH",
                            f"/v1/fine_tuning/models/{target}",
                            bench.patch_script(short_name(name) + "2"),
                        ),
                        ("2 workers: single-connection retrieve", f"/v1/models/{target}", None),
                    ):
                        conns = 1 if "single" in row else connections
                        load = bench.wrk(
                            row,
                            server.url + path,
                            seconds=seconds,
                            connections=conns,
                            script=script,
                        )
                        rows.setdefault((short_name(name), row), []).append(load)
                        print(
                            f"  {short_name(name):<12} {row:<28} {load.rps:9.0f} req/s p50 {load.p50_ms:6.2f} p99 {load.p99_ms:7.2f}",
                            file=sys.stderr,
                            flush=True,
                        )
    lines = [
        f"wrk {connections} connections (1 for single-connection rows), {seconds} s per row, "
        f"{args.repeat} interleaved runs; {args.models} fine-tuned models; values: median (min-max).",
        "",
        "| server | row | req/s | p50 ms | p99 ms | req/s per run |",
        "|---|---|---|---|---|---|",
    ]
    for (name, row), loads in rows.items():

        def med(values: list[float]) -> str:
            return f"{statistics.median(values):,.2f} ({min(values):,.2f}-{max(values):,.2f})"

        rps = [load.rps for load in loads]
        lines.append(
            f"| {name} | {row} | {statistics.median(rps):,.0f} ({min(rps):,.0f}-{max(rps):,.0f}) | "
            f"{med([load.p50_ms for load in loads])} | {med([load.p99_ms for load in loads])} | "
            + ", ".join(f"{r:,.0f}" for r in rps)
            + " |"
        )
    text = "\n".join(lines)
    print(text)
    if args.json:
        args.json.write_text(
            json.dumps(
                {f"{k[0]}|{k[1]}": [asdict(x) for x in v] for k, v in rows.items()}, indent=1
            )
        )


# --------------------------------------------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    return [int(float(part)) for part in text.split(",") if part]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, no fd-exhaustion check (~2 minutes)"
    )
    parser.add_argument(
        "--server",
        default="today",
        help="today (as `modelyard serve` runs it: uvicorn, the bounded httptools protocol, uvloop), "
        "uvicorn-httptools (plain), uvicorn-h11, granian, hypercorn, or "
        "'cmd:<command line with {python} {port} {factory} {workers}>'",
    )
    parser.add_argument(
        "--server-args", default="", help="extra options for that server, one string"
    )
    parser.add_argument(
        "--server-nofile", type=int, default=4096, help="RLIMIT_NOFILE of the started server"
    )
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--rate-limit",
        default="100000/minute",
        help="MODELYARD_RATE_LIMIT of the started server ('' for none)",
    )
    parser.add_argument("--no-inject-500", dest="inject_500", action="store_false")
    parser.add_argument("--url", help="probe a running server instead")
    parser.add_argument("--pid", type=int, help="its process id (RSS, fd limit, shutdown)")
    parser.add_argument("--admin-key", default=ADMIN_KEY)
    parser.add_argument(
        "--allow-kill",
        action="store_true",
        help="with --url: run the shutdown check (SIGTERM to --pid)",
    )
    parser.add_argument(
        "--only", type=lambda s: s.split(","), default=[], help=f"checks: {','.join(CHECKS)}"
    )
    parser.add_argument("--skip", type=lambda s: s.split(","), default=[])
    parser.add_argument(
        "--include", type=lambda s: s.split(","), default=[], help="add fd-exhaustion to --quick"
    )
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    sizes = parser.add_argument_group("probe sizes (defaults: full / --quick)")
    sizes.add_argument("--cache-requests", type=int)
    sizes.add_argument("--header-sizes", type=parse_sizes, help="comma-separated bytes")
    sizes.add_argument("--header-count", type=int)
    sizes.add_argument("--flood-headers", type=int, default=10)
    sizes.add_argument("--flood-header-size", type=lambda s: int(float(s)))
    sizes.add_argument("--idle", type=int)
    sizes.add_argument("--keepalive-idle", type=int, help="idle after one request")
    sizes.add_argument("--slowloris", type=int)
    sizes.add_argument("--body-dribblers", type=int)
    sizes.add_argument(
        "--slow-budget", type=float, default=60.0, help="seconds to close idle/slow connections"
    )
    sizes.add_argument(
        "--fd-flood", type=int, default=0, help="connections for fd-exhaustion (default nofile+256)"
    )
    sizes.add_argument("--latency-budget-ms", type=float, default=1000.0)
    sizes.add_argument("--metrics-paths", type=int)
    sizes.add_argument("--close-413-attempts", type=int, default=20)
    sizes.add_argument("--body-size", type=int, default=5_000_000)
    sizes.add_argument("--request-line-sizes", type=parse_sizes, default=[16_000, 100_000])
    sizes.add_argument("--auth-attempts", type=int)
    sizes.add_argument("--shutdown-dribblers", type=int, default=3)
    sizes.add_argument("--shutdown-budget", type=float, default=30.0)
    tp = parser.add_argument_group("throughput mode")
    tp.add_argument("--throughput", action="store_true")
    tp.add_argument("--servers", default="today,uvicorn-h11,granian,hypercorn")
    for name in ("today", "uvicorn_h11", "granian", "hypercorn"):
        tp.add_argument(f"--args-{name.replace('_', '-')}", dest=f"args_{name}", default="")
    tp.add_argument("--repeat", type=int, default=2)
    tp.add_argument("--seconds", type=int, default=10)
    tp.add_argument("--connections", type=int, default=32)
    tp.add_argument("--models", type=int, default=1000)
    tp.add_argument("--no-workers-rows", dest="workers_rows", action="store_false")
    args = parser.parse_args()

    if args.throughput:
        throughput(args)
        return
    full = {
        "cache_requests": 19_000, "header_sizes": [100_000, 1_000_000, 10_000_000],
        "header_count": 100_000, "flood_header_size": 100_000_000, "idle": 1000, "keepalive_idle": 200, "slowloris": 200,
        "body_dribblers": 20, "metrics_paths": 20_000, "auth_attempts": 10_000,
    }  # fmt: skip
    quick = {
        "cache_requests": 5_000, "header_sizes": [100_000, 1_000_000], "header_count": 100_000,
        "flood_header_size": 20_000_000, "idle": 500, "keepalive_idle": 100, "slowloris": 100, "body_dribblers": 10,
        "metrics_paths": 2_000, "auth_attempts": 2_000,
    }  # fmt: skip
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)

    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    started = time.perf_counter()
    if args.url:
        if args.pid is None:
            raise SystemExit("--url needs --pid (RSS is read from /proc/<pid>)")
        server = Server(args.url.rstrip("/"), args.pid, admin_key=args.admin_key)
        results = run_checks(Context(server, args, owned=False))
        label = f"{args.url} (pid {args.pid})"
    else:
        workdir = Path(tempfile.mkdtemp(prefix="hostile-"))
        env = {"MODELYARD_RATE_LIMIT": args.rate_limit} if args.rate_limit else {}
        with start_server(
            args.server, shlex.split(args.server_args), workdir=workdir, workers=args.workers,
            nofile=args.server_nofile, inject_500=args.inject_500, env=env,
        ) as server:  # fmt: skip
            results = run_checks(Context(server, args))
        label = f"{args.server} {args.server_args}".strip()
    took = time.perf_counter() - started
    print(f"\nServer: {label}; {'quick' if args.quick else 'full'} sizes; {took:.0f} s\n")
    print(table(results))
    failed = sum(r.passed is False for r in results)
    print(
        f"\n{sum(r.passed is True for r in results)} passed, {failed} failed, {sum(r.passed is None for r in results)} skipped"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"server": label, "seconds": took, "results": [asdict(r) for r in results]},
                indent=1,
            )
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
