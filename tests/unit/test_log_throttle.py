"""Identical failures (a database outage) do not flood the log."""

from __future__ import annotations

import logging

from app.process.log_throttle import ThrottleRepeats


def test_repeats_are_held_back_and_counted():
    logger = logging.getLogger("mlgraph.test-throttle")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    throttle = ThrottleRepeats(interval=3600)
    logger.addFilter(throttle)
    logger.addHandler(Keep())
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    for _ in range(100):
        try:
            raise ConnectionRefusedError("database down")
        except ConnectionRefusedError:
            logger.exception("outbox worker iteration failed")
    logger.warning("another kind of problem")
    assert [r.getMessage() for r in records] == [
        "outbox worker iteration failed",
        "another kind of problem",
    ]
    throttle.last.clear()  # the interval has passed
    logger.error("outbox worker iteration failed", exc_info=ConnectionRefusedError())
    assert records[-1].getMessage() == (
        "outbox worker iteration failed [99 more like this in the last 3600 s]"
    )
    logger.info("info passes")
    assert records[-1].getMessage() == "info passes"
