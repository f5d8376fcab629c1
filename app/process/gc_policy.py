"""When the cyclic garbage collector may stop the server: young collections less often than
CPython's default, full collections on a clock instead of whenever the heap has grown.

A full collection walks every tracked object, and a server holding 1,000 WebSocket
subscriptions has ~300,000 of them: each full pass stopped it for 100–200 ms, and
CPython starts one whenever the objects promoted since the last one reach a quarter of
the long-lived ones — which a fan-out does every few seconds (each subscriber's waiting
coroutines outlive two young collections between events). Those passes were the slowest
percent of every subscription benchmark. With ``full_seconds`` set, CPython never starts a
full pass itself (its third threshold is out of reach); one runs every ``full_seconds``
instead, so cyclic garbage that reached the oldest generation waits at most that long to be
freed, and the pause comes at a known rate. Objects made at startup are frozen
(``gc.freeze`` in app/asgi.py) and never walked.

Young collections start after ``young_threshold`` allocations net of frees, not CPython's
700. A hub waking 5,000 subscribers allocates one callback handle per subscriber, all alive
until the loop runs them: at 700, seven collections walked them (each ~1 µs an object, the
heap being cold) and promoted them, and the next middle-generation pass walked them again —
a fifth of the server's CPU in a 10,000-subscriber fan-out. At 10,000 most of them are
freed before any collection sees them. (50,000 did no better there and lengthened ingest's
p99: a 1,000-point request's parsed body is that many objects alive at once, walked in one
pause.)"""

from __future__ import annotations

import asyncio
import gc
import logging
import time

from app.process.background import stop_task

log = logging.getLogger("mlgraph.gc")

NEVER = 2**31 - 1  # a third threshold young collections never reach


class CollectorSchedule:
    def __init__(self, full_seconds: float, young_threshold: int = 0) -> None:
        self.full_seconds = full_seconds
        self.young_threshold = young_threshold
        self.full_passes = 0  # run by this schedule, since start
        self._before: tuple[int, ...] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.full_seconds <= 0 and self.young_threshold <= 0:  # CPython's own schedule
            return
        before = self._before = gc.get_threshold()
        gc.set_threshold(
            self.young_threshold if self.young_threshold > 0 else before[0],
            before[1],
            NEVER if self.full_seconds > 0 else before[2],
        )
        if self.full_seconds > 0:
            self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.full_seconds)
            self.collect()

    def collect(self) -> int:
        """One full collection now; how many unreachable objects it found."""
        started = time.perf_counter()
        found = gc.collect()
        self.full_passes += 1
        log.info(
            "full collection: %d unreachable objects, %.1f ms",
            found,
            (time.perf_counter() - started) * 1000,
        )
        return found

    async def stop(self) -> None:
        await stop_task(self._task)
        self._task = None
        if self._before is not None:
            gc.set_threshold(*self._before)
            self._before = None
