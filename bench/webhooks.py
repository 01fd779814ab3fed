"""Webhooks under load: PATCH throughput with one subscribed endpoint vs none, in the same run,
and the latency from a change's commit to the receiver on an idle server.

    .venv/bin/python bench/webhooks.py                 # SQLite, 20 s per load
    .venv/bin/python bench/webhooks.py --seconds 5     # a smoke check
    .venv/bin/python bench/webhooks.py --postgres      # PostgreSQL too

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


def measure(label: str, url: str, args: argparse.Namespace, receiver: Receiver) -> None:
    with server_for(url) as server:
        ids = seed(server, args.models)
        script = random_patch_script(f"webhooks-{label}", ids)

        def load(name: str):
            return wrk(
                name,
                f"{server.url}/",
                seconds=args.seconds,
                connections=args.connections,
                script=script,
            )

        without = load(f"{label}: PATCH, no endpoint")
        with httpx.Client(base_url=server.url, headers=HEADERS) as http:
            created = http.post("/v1/webhooks", json={"url": receiver.url})
            created.raise_for_status()
            time.sleep(1.5)  # the write path's endpoint cache is at most a second old
            last_event = http.get("/v1/audit/events", params={"limit": 1000}).json()
            after = last_event["last_id"]
            while last_event["has_more"]:
                last_event = http.get(
                    "/v1/audit/events", params={"after": after, "limit": 1000}
                ).json()
                after = last_event["last_id"] or after
            received_before = receiver.count
            with_endpoint = load(f"{label}: PATCH, one endpoint")
            ended = time.perf_counter()
            sent = 0  # the changes made (a PATCH to the name a model has already changes nothing)
            while True:
                page = http.get("/v1/audit/events", params={"after": after, "limit": 1000}).json()
                sent += len(page["data"])
                after = page["last_id"] or after
                if not page["has_more"]:
                    break
        deadline = time.monotonic() + 300
        while receiver.count - received_before < sent and time.monotonic() < deadline:
            time.sleep(0.05)
        drained = time.perf_counter() - ended
        ratio = with_endpoint.rps / without.rps
        print(
            f"{label}: PATCH without an endpoint {without.rps:8.0f} req/s  p50 {without.p50_ms:.2f} ms  p99 {without.p99_ms:.2f} ms"
        )
        print(
            f"{label}: PATCH with one endpoint   {with_endpoint.rps:8.0f} req/s  p50 {with_endpoint.p50_ms:.2f} ms  p99 {with_endpoint.p99_ms:.2f} ms  ({ratio:.2f}x; target >= 0.9x)"
        )
        print(
            f"{label}: deliveries received: {receiver.count - received_before} of ~{sent}; the backlog drained {drained:.1f} s after the load ended"
        )
        time.sleep(1)
        found = latency(server, receiver, ids[0], args.rounds)
        print(
            f"{label}: idle latency, PATCH sent -> delivery received p50 {found['sent_p50']:.1f} ms "
            f"(p90 {found['sent_p90']:.1f} ms); PATCH answered -> received p50 "
            f"{found['answered_p50']:.1f} ms ({found['samples']} samples; target p50 < 50 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200, help="sequential PATCHes for latency")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL too")
    args = parser.parse_args()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    receiver = Receiver()
    receiver.start()
    measure("SQLite", f"sqlite:///{OUT / 'webhooks.db'}", args, receiver)
    if args.postgres:
        pg = fresh_postgres()
        if pg:
            measure("PostgreSQL", pg, args, receiver)


if __name__ == "__main__":
    main()
