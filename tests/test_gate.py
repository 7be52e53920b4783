"""The in-flight gate: large requests are summarised one at a time per process, small ones beside them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import anyio
import pytest
from prometheus_client import CollectorRegistry, Gauge

from service.api.gate import Gate, Ticket
from service.errors import DeadlineError

pytestmark = pytest.mark.anyio

LARGE, SMALL = 10 * 2**20, 2_000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def gate() -> Gate:
    return Gate(slots=8, budget=2**26, in_flight=Gauge("in_flight", "test", registry=CollectorRegistry()))


def admitted(g: Gate, size: int) -> Ticket:
    ticket = g.admit(size)
    assert ticket is not None
    return ticket


async def test_large_requests_take_turns_and_small_ones_run_beside_them() -> None:
    g = gate()
    lock = threading.Lock()
    running = {"large": 0, "small": 0}
    seen: list[dict[str, int]] = []

    def work(kind: str) -> Callable[[], str]:
        def run() -> str:
            with lock:
                running[kind] += 1
                seen.append(dict(running))
            time.sleep(0.3)
            with lock:
                running[kind] -= 1
            return kind

        return run

    done: list[str] = []

    async def one(size: int, kind: str) -> None:
        ticket = admitted(g, size)
        done.append(await g.run(ticket, work(kind), 60))
        ticket.release()  # the request's own hold, as the intake lets go

    with anyio.fail_after(60):  # hang guard
        async with anyio.create_task_group() as tasks:
            for size, kind in [(LARGE, "large"), (LARGE, "large"), (SMALL, "small")]:
                tasks.start_soon(one, size, kind)
    assert sorted(done) == ["large", "large", "small"]
    assert max(s["large"] for s in seen) == 1  # never two large at once
    assert any(s == {"large": 1, "small": 1} for s in seen)  # the small one did not wait
    assert g.busy == 0


async def test_a_large_request_that_cannot_get_its_turn_in_time_does_not_run() -> None:
    g = gate()
    ran: list[str] = []
    release = threading.Event()

    def first() -> None:
        release.wait(30)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(g.run, admitted(g, LARGE), first, 60)
            await anyio.sleep(0.2)  # the first holds the turn
            with pytest.raises((DeadlineError, TimeoutError)):
                await g.run(admitted(g, LARGE), lambda: ran.append("second"), 0.5)
            release.set()
    time.sleep(0.2)
    assert ran == []  # after its 504 it never ran, not even once the turn was free
