"""Soak: a minute of mixed load at 32 connections; no 5xx, and the server's memory levels off.

    .venv/bin/python bench/soak.py                 # 60 s at 32 connections, SQLite
    .venv/bin/python bench/soak.py --seconds 600   # the release run (docs/reliability.md)

Starts `modelyard serve` (one process, SQLite in a temporary directory, the packaged catalog) and
drives it with wrk and a Lua script mixing every operation: list, retrieve (base and fine-tuned),
rename, archive, unarchive, register and delete. Registrations and deletes happen in a workspace
of their own, so the listed workspace keeps a constant size and a growing response cannot pass
for a leak. VmRSS of the server process is sampled from /proc every second; the growth is
measured from the end of the warm-up (the first fifth, at least 10 s) to the end. Exit status 1
when a criterion fails: any 5xx or socket error, or RSS growth of 10% or more.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.server import run_server

KEY = "myd_soak_admin_key_" + "0" * 25
POOL = 20  # fine-tuned models the reads and renames go to
BASE_IDS = ("mistral-small-latest", "mistral-large-latest", "codestral-latest")
MAX_GROWTH = 0.10

LUA = r"""
-- Mixed load. Weights (percent): list 35, retrieve base 18, retrieve fine-tuned 15, rename 12,
-- archive 4, unarchive 4, register 6, delete what this thread registered 6 (list until one is).
local pool = {%(pool)s}
local bases = {%(bases)s}
local reader = {["Authorization"] = "Bearer %(reader)s", ["Content-Type"] = "application/json"}
local writer = {["Authorization"] = "Bearer %(writer)s", ["Content-Type"] = "application/json"}
local threads = {}
local counter = 0
local registered = {}

function setup(thread)
  thread:set("number", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(number * 7919 + os.time())
end

local function pick(list)
  return list[math.random(#list)]
end

function request()
  counter = counter + 1
  local r = math.random(100)
  if r <= 35 then
    return wrk.format("GET", "/v1/models", reader)
  elseif r <= 53 then
    return wrk.format("GET", "/v1/models/" .. pick(bases), reader)
  elseif r <= 68 then
    return wrk.format("GET", "/v1/models/" .. pick(pool), reader)
  elseif r <= 80 then
    local body = '{"name": "soak-' .. number .. '-' .. counter .. '"}'
    return wrk.format("PATCH", "/v1/fine_tuning/models/" .. pick(pool), reader, body)
  elseif r <= 84 then
    return wrk.format("POST", "/v1/fine_tuning/models/" .. pick(pool) .. "/archive", reader)
  elseif r <= 88 then
    return wrk.format("DELETE", "/v1/fine_tuning/models/" .. pick(pool) .. "/archive", reader)
  elseif r <= 94 then
    return wrk.format("POST", "/v1/fine_tuning/models", writer, '{"root": "mistral-small-latest"}')
  elseif #registered > 0 then
    return wrk.format("DELETE", "/v1/models/" .. table.remove(registered, 1), writer)
  end
  return wrk.format("GET", "/v1/models", reader)
end

function response(status, headers, body)
  -- Counted in globals named s<status>: thread:get() copies numbers between threads, not tables.
  local name = "s" .. status
  _G[name] = (_G[name] or 0) + 1
  if status == 201 then
    local id = body:match('"id":"([^"]+)"')
    if id then table.insert(registered, id) end
  end
end

function done(summary, latency, requests)
  local parts = {}
  for status = 100, 599 do
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + (thread:get("s" .. status) or 0)
    end
    if total > 0 then
      table.insert(parts, '"' .. status .. '": ' .. total)
    end
  end
  io.write("STATUSES {" .. table.concat(parts, ", ") .. "}\n")
end
"""


@dataclass
class Memory:
    """VmRSS samples (kB) of one process, one a second, with their times."""

    pid: int
    samples: list[tuple[float, int]] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        started = time.monotonic()
        while not self.stop.is_set():
            status = Path(f"/proc/{self.pid}/status").read_text()
            rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if rss:
                self.samples.append((time.monotonic() - started, int(rss.group(1))))
            self.fds.append(len(os.listdir(f"/proc/{self.pid}/fd")))
            self.stop.wait(1.0)

    def at(self, seconds: float) -> int:
        """The first sample at or after `seconds`."""
        return next(rss for t, rss in self.samples if t >= seconds)


def seed(url: str) -> tuple[str, str, list[str]]:
    """A reading workspace with POOL models and a registering one: their keys, the pool ids."""
    keys = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as http:
        for name in ("soak-reader", "soak-writer"):
            workspace = http.post("/v1/workspaces", json={"name": name}).json()
            created = http.post(
                "/v1/api_keys", json={"workspace": workspace["id"], "scope": "write"}
            )
            keys.append(created.json()["key"])
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {keys[0]}"}, timeout=30
    ) as http:
        pool = [
            http.post(
                "/v1/fine_tuning/models", json={"root": "mistral-small-latest", "name": f"p{i}"}
            ).json()["id"]
            for i in range(POOL)
        ]
    return keys[0], keys[1], pool


def run_wrk(url: str, script: Path, seconds: int, connections: int, threads: int) -> str:
    command = [
        shutil.which("wrk") or "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


@dataclass
class Load:
    requests: int
    rps: float
    statuses: dict[int, int]
    socket_errors: str
    latency: dict[str, str]  # percentile -> wrk's figure, e.g. "37.26ms"

    @classmethod
    def parse(cls, output: str) -> Load:
        def find(pattern: str) -> str:
            match = re.search(pattern, output, re.MULTILINE)
            if match is None:
                raise RuntimeError(f"unexpected wrk output:\n{output}")
            return match.group(1)

        socket_errors = re.search(r"Socket errors: (.*)", output)
        return cls(
            requests=int(find(r"(\d+) requests in")),
            rps=float(find(r"Requests/sec:\s+([\d.]+)")),
            statuses={
                int(k): v for k, v in sorted(json.loads(find(r"^STATUSES (\{.*\})$")).items())
            },
            socket_errors=socket_errors.group(1) if socket_errors else "none",
            latency=dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE)),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--json", type=Path, help="also write the summary here")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is required (Debian/Ubuntu: apt-get install wrk)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="modelyard-soak-") as tmp:
        workdir = Path(tmp)
        database = f"sqlite:///{workdir / 'soak.db'}"
        with run_server(database, workdir, catalog=None, admin_key=KEY) as server:
            url, process, log_path = server.base_url, server.process, server.log_path
            reader, writer, pool = seed(url)
            script = workdir / "soak.lua"
            script.write_text(
                LUA
                % {
                    "pool": ", ".join(f'"{model_id}"' for model_id in pool),
                    "bases": ", ".join(f'"{model_id}"' for model_id in BASE_IDS),
                    "reader": reader,
                    "writer": writer,
                }
            )
            memory = Memory(process.pid)
            sampler = threading.Thread(target=memory.run, daemon=True)
            sampler.start()
            output = run_wrk(url, script, args.seconds, args.connections, args.threads)
            time.sleep(1.5)  # one more sample after the load
            memory.stop.set()
            sampler.join()
            tracebacks = log_path.read_text(errors="replace").count("Traceback")
            files = {name: (workdir / name).stat().st_size for name in ("soak.db", "soak.db-wal")}

    load = Load.parse(output)
    warm_up = max(10.0, args.seconds / 5)
    rss = [kb for _, kb in memory.samples]
    rss_warm = memory.at(warm_up)
    growth = (rss[-1] - rss_warm) / rss_warm
    server_errors = sum(count for status, count in load.statuses.items() if status >= 500)
    ok = (
        server_errors == 0
        and load.socket_errors == "none"
        and tracebacks == 0
        and growth < MAX_GROWTH
    )
    mib = [f"{kb / 1024:.1f}" for kb in (rss[0], rss_warm, max(rss), rss[-1])]
    print(
        f"soak: {args.seconds} s, {args.connections} connections, SQLite, mixed load (wrk -t{args.threads})"
    )
    print(
        f"  requests     {load.requests} ({load.rps:.0f}/s), latency p50 {load.latency.get('50')}, p90 {load.latency.get('90')}, p99 {load.latency.get('99')}"
    )
    print(f"  statuses     {load.statuses}")
    print(
        f"  5xx          {server_errors}   socket errors: {load.socket_errors}   tracebacks in log: {tracebacks}"
    )
    print(
        f"  VmRSS (MiB)  start {mib[0]}, after warm-up ({warm_up:.0f} s) {mib[1]}, peak {mib[2]}, end {mib[3]}"
    )
    print(f"  RSS growth   {growth:+.1%} after warm-up (limit {MAX_GROWTH:.0%})")
    print(f"  open fds     start {memory.fds[0]}, end {memory.fds[-1]}, max {max(memory.fds)}")
    print(
        f"  SQLite (MiB) database {files['soak.db'] / 2**20:.1f}, WAL {files['soak.db-wal'] / 2**20:.1f}"
    )
    print(f"  verdict      {'PASS' if ok else 'FAIL'}")
    if args.json:
        summary = {
            **asdict(load),
            "seconds": args.seconds,
            "connections": args.connections,
            "server_errors": server_errors,
            "tracebacks_in_log": tracebacks,
            "rss_kb_samples": memory.samples,
            "rss_growth_after_warm_up": round(growth, 4),
            "open_fds": memory.fds,
            "file_bytes": files,
            "pass": ok,
        }
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
