"""The coalescing probe: one round trip serves many requests, never one sent before they came."""

import asyncio

from modelyard.store.postgresql import CoalescingProbe


class FakeDatabase:
    """Answers the versions as they were when the query was sent; each answer waits for a gate."""

    def __init__(self) -> None:
        self.version = 1
        self.sent = 0
        self.gates: list[asyncio.Event] = []

    async def probe_connection(self) -> "FakeDatabase":
        return self

    async def versions(self) -> tuple[int, int]:
        self.sent += 1
        seen = self.version
        gate = asyncio.Event()
        self.gates.append(gate)
        await gate.wait()
        return seen, 0

    def close(self) -> None:
        pass


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_request_never_uses_a_probe_sent_before_it_arrived():
    async def scenario() -> None:
        database = FakeDatabase()
        probe = CoalescingProbe(database)  # type: ignore[arg-type]
        first = asyncio.create_task(probe())
        await settle()
        database.version = 2  # a write is acknowledged while the first probe is in flight
        second, third = asyncio.create_task(probe()), asyncio.create_task(probe())
        await settle()
        database.gates[0].set()
        assert await first == (1, 0)
        await settle()
        assert database.sent == 2, "the two later requests share one new probe"
        database.gates[1].set()
        assert await second == (2, 0)
        assert await third == (2, 0)

    asyncio.run(scenario())


def test_an_idle_probe_starts_at_once():
    async def scenario() -> None:
        database = FakeDatabase()
        probe = CoalescingProbe(database)  # type: ignore[arg-type]
        task = asyncio.create_task(probe())
        await settle()
        database.gates[0].set()
        assert await task == (1, 0)
        database.version = 3
        task = asyncio.create_task(probe())
        await settle()
        database.gates[1].set()
        assert await task == (3, 0)
        assert database.sent == 2

    asyncio.run(scenario())
