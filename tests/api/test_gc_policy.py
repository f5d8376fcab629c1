"""Full garbage collections on a clock (app/process/gc_policy.py): while a server runs, CPython
never starts one itself — its third threshold is out of reach — the schedule runs them and
they free cyclic garbage of the oldest generation; stopping the server gives the process
its thresholds back. Counted, not timed: the schedule's clock is far longer than a test."""

from __future__ import annotations

import gc
import weakref

from app.process.gc_policy import NEVER
from app.settings import Settings
from tests.conftest import TEST_SETTINGS, serve


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def full_collections_while_keeping(count: int) -> int:
    """Full collections CPython ran while ``count`` new objects stayed alive (promoted
    through the young generations, as a fan-out's waiting coroutines are)."""
    before = gc.get_stats()[2]["collections"]
    kept = [[i] for i in range(count)]
    ran = gc.get_stats()[2]["collections"] - before
    del kept
    return ran


def old_cycle() -> weakref.ref[Node]:
    """A cycle that has reached the oldest generation, then become garbage."""
    node = Node()
    gc.collect(1)  # survives two collections: promoted to generation 2
    gc.collect(1)
    ref = weakref.ref(node)
    del node
    return ref


async def test_full_collections_follow_the_schedule_while_serving(database_url, http):
    before = gc.get_threshold()
    settings = {**TEST_SETTINGS, "gc_full_seconds": 3600.0}
    async with serve(Settings(database_url=database_url, **settings)) as running:  # type: ignore[arg-type]
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        assert full_collections_while_keeping(1_000_000) == 0
        ref = old_cycle()
        for _ in range(20):  # many young collections: none reaches the oldest generation
            gc.collect(1)
        assert ref() is not None
        response = await http.get(f"{running.base_url}/readyz")  # the server serves meanwhile
        assert response.status_code == 200
        collector = running.app.state.collector
        assert collector.collect() >= 1 and ref() is None  # the scheduled pass frees it
        assert collector.full_passes == 1
    assert gc.get_threshold() == before


def young_collections_while_keeping(count: int) -> int:
    """Young collections CPython ran while ``count`` new objects stayed alive (as a hub's
    wake-up handles do until the event loop runs them)."""
    before = gc.get_stats()[0]["collections"]
    kept = [[i] for i in range(count)]
    ran = gc.get_stats()[0]["collections"] - before
    del kept
    return ran


async def test_young_collections_wait_for_the_threshold_while_serving(database_url):
    before = gc.get_threshold()
    settings = {**TEST_SETTINGS, "gc_young_threshold": 10_000}
    async with serve(Settings(database_url=database_url, **settings)):  # type: ignore[arg-type]
        assert gc.get_threshold() == (10_000, before[1], before[2])  # full passes: CPython's
        # 100,000 objects kept: ten young collections, where CPython's 700 runs ~140
        assert young_collections_while_keeping(100_000) <= 10
    assert gc.get_threshold() == before
    assert young_collections_while_keeping(100_000) > 100


def test_the_default_young_threshold_is_raised():
    assert Settings(database_url="postgresql://x/y").gc_young_threshold == 10_000


async def test_zero_keeps_cpythons_schedule(database_url):
    before = gc.get_threshold()
    async with serve(Settings(database_url=database_url, **TEST_SETTINGS)):  # type: ignore[arg-type]
        assert gc.get_threshold() == before  # TEST_SETTINGS: both 0
