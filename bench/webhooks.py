"""Webhooks under load: PATCH throughput with one subscribed endpoint vs none, in the same run,
and the latency from a change's commit to the receiver on an idle server.

    .venv/bin/python bench/webhooks.py                 # SQLite, 20 s per load
    .venv/bin/python bench/webhooks.py --seconds 5     # a smoke check
    .venv/bin/python bench/webhooks.py --postgres      # PostgreSQL too (--postgres-only)

Targets (issue #16): throughput with an endpoint >= 0.9x without; commit -> receiver p50 < 50 ms.
The load is bench/run.py's (wrk, PATCH of random models); the receiver is a minimal asyncio HTTP
server in this process on 127.0.0.1 (so the server runs with MODELYARD_WEBHOOK_ALLOW_PRIVATE).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import KEY, OUT, Server, fresh_postgres, modelyard, random_patch_script, seed, wrk

HEADERS = {"Authorization": f"Bearer {KEY}"}


class Receiver:
    """Answers 200 at once; notes when each delivery arrived, by its `webhook-id`."""

    def __init__(self) -> None:
        self.arrivals: dict[bytes, float] = {}
        self.count = 0
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._serve, daemon=True).start()
        self._ready.wait(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0)
        )
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/hook"
        self._ready.set()
        self._loop.run_forever()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                at = time.perf_counter()
                length, msg_id = 0, b""
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                    elif name.lower() == b"webhook-id":
                        msg_id = value.strip()
                await reader.readexactly(length)
                self.arrivals.setdefault(msg_id, at)
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
        writer.close()


@contextlib.contextmanager
def server_for(url: str) -> Iterator[Server]:
    env = {"MODELYARD_WEBHOOK_ALLOW_PRIVATE": "true", "MODELYARD_ACCESS_LOG": "false"}
    with modelyard(url, extra_env=env) as server:
        yield server


def latency(server: Server, receiver: Receiver, model_id: str, rounds: int) -> dict[str, float]:
    """Sequential PATCHes on an idle server: from the request sent (and from its answer, which
    follows the COMMIT) to the delivery's arrival."""
    sent_to_arrival, answered_to_arrival = [], []
    with httpx.Client(base_url=server.url, headers=HEADERS) as http:
        for round_ in range(rounds):
            before = set(receiver.arrivals)
            sent = time.perf_counter()
            response = http.patch(f"/v1/fine_tuning/models/{model_id}", json={"name": f"l{round_}"})
            answered = time.perf_counter()
            response.raise_for_status()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                new = set(receiver.arrivals) - before
                if new:
                    at = receiver.arrivals[new.pop()]
                    sent_to_arrival.append((at - sent) * 1000)
                    answered_to_arrival.append((at - answered) * 1000)
                    break
                time.sleep(0.0005)
            time.sleep(0.02)
    return {
        "sent_p50": statistics.median(sent_to_arrival),
        "answered_p50": statistics.median(answered_to_arrival),
        "sent_p90": statistics.quantiles(sent_to_arrival, n=10)[-1],
        "samples": len(sent_to_arrival),
    }


def patch_script(name: str, ids: list[str]) -> Path:
    """bench/run.py's random PATCH, each name unique across runs and threads (a PATCH to the
    name a model already has changes nothing, and would make no event)."""
    path = random_patch_script(name, ids)
    unique = f"\"{name}-' .. math.random(1000000000) .. '-' .. counter"
    path.write_text(path.read_text().replace("\"n' .. counter", unique))
    return path


def changes_after(http: httpx.Client, after: int | None) -> tuple[int, int | None]:
    """How many audit events came after `after`, and the last one's id."""
    count = 0
    while True:
        params = {"limit": 1000, **({"after": after} if after is not None else {})}
        page = http.get("/v1/audit/events", params=params).json()
        count += len(page["data"])
        after = page["last_id"] or after
        if not page["has_more"]:
            return count, after


def vacuum(url: str) -> None:
    """What autovacuum would have done by now (the PostgreSQL on this project's machines runs
    with `autovacuum = off`): the dead rows of the last load removed, statistics taken."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def measure(label: str, url: str, args: argparse.Namespace, receiver: Receiver) -> None:
    with server_for(url) as server, httpx.Client(base_url=server.url, headers=HEADERS) as http:
        ids = seed(server, args.models)
        _, after = changes_after(http, None)
        created = http.post("/v1/webhooks", json={"url": receiver.url})
        created.raise_for_status()
        webhook = created.json()["id"]
        runs: dict[bool, list[float]] = {False: [], True: []}
        # Alternated, so the store's growth and the machine's noise fall on both sides alike.
        for round_, subscribed in enumerate((False, True) * args.pairs):
            http.patch(f"/v1/webhooks/{webhook}", json={"enabled": subscribed})
            time.sleep(1.5)  # the write path's endpoint cache is at most a second old
            if args.vacuum and url.startswith("postgresql"):
                vacuum(url)
            script = patch_script(f"w{round_}", ids)
            received_before = receiver.count
            result = wrk(
                f"{label} {round_}", f"{server.url}/", seconds=args.seconds,
                connections=args.connections, script=script,
            )  # fmt: skip
            ended = time.perf_counter()
            made, after = changes_after(http, after)
            runs[subscribed].append(result.rps)
            line = f"{label}: PATCH, {'one endpoint' if subscribed else 'no endpoint '}  {result.rps:8.0f} req/s  p50 {result.p50_ms:6.2f} ms  p99 {result.p99_ms:6.2f} ms"
            if subscribed:
                deadline = time.monotonic() + 300
                while receiver.count - received_before < made and time.monotonic() < deadline:
                    time.sleep(0.05)
                drained = time.perf_counter() - ended
                line += f"  ({receiver.count - received_before} of {made} changes delivered, all {drained:.1f} s after the load)"
            print(line, flush=True)
        ratio = statistics.mean(runs[True]) / statistics.mean(runs[False])
        pairs = ", ".join(
            f"{on / off:.2f}" for off, on in zip(runs[False], runs[True], strict=True)
        )
        print(
            f"{label}: throughput with one endpoint / without: {ratio:.2f}x, the mean of "
            f"{args.pairs} pairs (each: {pairs}; target >= 0.9x)"
        )
        time.sleep(1)
        found = latency(server, receiver, ids[0], args.rounds)
        print(
            f"{label}: idle latency, PATCH sent -> delivery received p50 {found['sent_p50']:.1f} ms "
            f"(p90 {found['sent_p90']:.1f} ms); PATCH answered -> received p50 "
            f"{found['answered_p50']:.1f} ms ({found['samples']} samples; target p50 < 50 ms)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=3, help="loads without and with, alternated")
    parser.add_argument("--rounds", type=int, default=200, help="sequential PATCHes for latency")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    parser.add_argument("--postgres-only", action="store_true", help="PostgreSQL alone")
    parser.add_argument(
        "--vacuum", action="store_true", help="VACUUM ANALYZE before each PostgreSQL load"
    )
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    receiver = Receiver()
    receiver.start()
    if not args.postgres_only:
        measure("SQLite", f"sqlite:///{OUT / 'webhooks.db'}", args, receiver)
    if args.postgres or args.postgres_only:
        pg = fresh_postgres()
        if pg:
            measure("PostgreSQL", pg, args, receiver)


if __name__ == "__main__":
    main()
