"""A least-recently-used map bounded by the total size of its entries (not their count:
one document may be megabytes, one metric window thousands of points), for the
per-process caches: documents and plans (app/server, app/api/graph), training-health
rules and windows (app/domain/health/watching.py)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    def __init__(self, max_bytes: int, size_of: Callable[[K, V], int]) -> None:
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.bytes = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> Iterator[K]:
        return iter(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, *, replace: bool = False) -> None:
        """Keep ``value``, dropping the least recently used entries to stay in bounds; an
        entry bigger than the whole cache is not kept. A key already here keeps its value,
        unless ``replace`` (then the old one goes, even if the new one is not kept)."""
        if key in self._entries:
            if not replace:
                return
            _, old = self._entries.pop(key)
            self.bytes -= old
        size = self.size_of(key, value)
        if size > self.max_bytes:
            return
        self._entries[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, (_, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped
