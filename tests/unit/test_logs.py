"""JSON log lines carry the request id of the request being served."""

import logging

import orjson

from app.process.logs import REQUEST_ID, JsonFormatter


def test_a_json_line_has_the_request_id_and_the_traceback():
    formatter = JsonFormatter()
    token = REQUEST_ID.set("req-42")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record = logging.LogRecord(
                "mlgraph.http", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
            )
        line = orjson.loads(formatter.format(record))
    finally:
        REQUEST_ID.reset(token)
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "error", "mlgraph.http", "failed x", "req-42")  # fmt: skip
    assert "ValueError: boom" in line["exception"] and line["time"].endswith("+00:00")
    plain = logging.LogRecord("mlgraph", logging.INFO, __file__, 1, "hi", (), None)
    assert "request_id" not in orjson.loads(formatter.format(plain))
