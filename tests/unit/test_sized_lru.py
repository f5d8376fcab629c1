"""The per-process caches' LRU (app/process/sized_lru.py): bounded by size; a key keeps its
first value unless replaced (the health windows replace theirs at every batch)."""

from __future__ import annotations

from app.process.sized_lru import SizedLRU


def test_entries_are_bounded_by_size_and_replaced_only_when_asked():
    cache: SizedLRU[str, str] = SizedLRU(10, lambda _, value: len(value))
    cache.put("a", "xxxx")
    cache.put("a", "yy")  # kept as it was
    assert (cache.get("a"), cache.bytes) == ("xxxx", 4)
    cache.put("a", "yy", replace=True)
    assert (cache.get("a"), cache.bytes) == ("yy", 2)
    cache.put("b", "zzzzzz")
    cache.get("a")  # a is now the most recently used
    cache.put("c", "www")  # 2 + 6 + 3 > 10: b, the least recently used, goes
    assert (list(cache.keys()), cache.bytes) == (["a", "c"], 5)
    cache.put("a", "v" * 11, replace=True)  # too big to keep: the old value goes too
    assert (cache.get("a"), list(cache.keys()), cache.bytes) == (None, ["c"], 3)
