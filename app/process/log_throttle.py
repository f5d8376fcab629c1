"""Repeated log records are throttled: while the database is down, every request, the
outbox worker and the listener fail the same way several times a second, and a log that
grows by megabytes of identical tracebacks hides the first (useful) one and fills disks.

The first record of a kind (logger, message template, exception type) passes; the same
kind is then let through at most once per ``interval`` seconds, saying how many were
held back meanwhile."""

from __future__ import annotations

import logging
import time

INTERVAL_SECONDS = 10.0


class ThrottleRepeats(logging.Filter):
    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__()
        self.interval = interval
        self.last: dict[tuple[str, str, str], float] = {}
        self.held: dict[tuple[str, str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        error = record.exc_info[1] if record.exc_info else None
        kind = (record.name, str(record.msg), type(error).__name__ if error else "")
        now = time.monotonic()
        if now - self.last.get(kind, -self.interval) < self.interval:
            self.held[kind] = self.held.get(kind, 0) + 1
            return False
        self.last[kind] = now
        held = self.held.pop(kind, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.interval:.0f} s]"
        return True


def throttle_mlgraph_logs(interval: float = INTERVAL_SECONDS) -> ThrottleRepeats:
    """Install one filter on every mlgraph logger (filters do not apply to records that
    propagate from child loggers, so each gets it)."""
    throttle = ThrottleRepeats(interval)
    names = [
        n for n in logging.Logger.manager.loggerDict if n == "mlgraph" or n.startswith("mlgraph.")
    ]
    for name in {"mlgraph", *names}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ThrottleRepeats) for f in logger.filters):
            logger.addFilter(throttle)
    return throttle
