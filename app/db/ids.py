"""UUIDv7 ids made in Python: time-ordered, so b-tree inserts stay local (RFC 9562).

Within one process ids are strictly increasing, also within a millisecond (RFC 9562,
method 1: the 12-bit rand_a field is a counter), so ordering by id is creation order."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def _next_timestamp(now_ms: int) -> tuple[int, int]:
    global _last_ms, _counter
    with _lock:
        if now_ms > _last_ms:
            _last_ms, _counter = now_ms, int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:  # same millisecond (or the clock stepped back): count on
            _counter += 1
            if _counter > 0xFFF:
                _last_ms, _counter = _last_ms + 1, 0
        return _last_ms, _counter


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """Return a version-7 UUID: 48-bit Unix milliseconds, a 12-bit counter, 62 random bits."""
    if now_ms is None:
        ms, counter = _next_timestamp(time.time_ns() // 1_000_000)
    else:
        ms, counter = now_ms, int.from_bytes(os.urandom(2), "big") & 0xFFF
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= (counter & 0xFFF) << 64  # rand_a used as a counter
    value |= 0b10 << 62  # variant
    value |= int.from_bytes(os.urandom(8), "big") & 0x3FFF_FFFF_FFFF_FFFF  # rand_b, 62 bits
    return uuid.UUID(int=value)
