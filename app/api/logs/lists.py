"""The logs context's lists: a run's lines (by range, stream and bounded substring search)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from app.api.errors import ClientError
from app.api.graph.declare import ListQuery, order_of
from app.api.graph.fields import PAGING
from app.api.loaders.list_spec import ListSpec, orders_of
from app.api.logs.enums import LogOrder, LogStream
from app.domain.logs.models import RunLogLine

MAX_SEARCH_LINES = 100_000  # lines a substring search may scan
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class LogFilter:
    streams: tuple[str, ...] = ()
    from_line: int | None = None
    to_line: int | None = None
    contains: str | None = None  # case-insensitive, literal (no wildcards)

    def conditions(self, model: Any) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.streams:
            out.append(model.stream.in_(self.streams))
        if self.from_line is not None:
            out.append(model.line_number >= self.from_line)
        if self.to_line is not None:
            out.append(model.line_number <= self.to_line)
        if self.contains is not None:
            out.append(model.text.icontains(self.contains, autoescape=True))
        return out


# Run.logs: its arguments (schema order) and description.
LOG_LIST_ARGUMENTS = [
    *PAGING,
    ("stream", list[LogStream] | None, None),
    ("from_line", int | None, None),
    ("to_line", int | None, None),
    ("contains", str | None, None),
    ("order_by", LogOrder, LogOrder.LINE_ASC),
]
LOGS = (
    "The run's console output (runLogsAppend; live: the runLogs subscription): by line range "
    "(fromLine/toLine, inclusive), stream, and `contains` (case-insensitive, literal; a "
    f"search scans at most {MAX_SEARCH_LINES:,} lines from fromLine)."
)

LINES_OF_RUN = ListSpec(
    "log_lines_of_run",
    RunLogLine,
    "run_id",
    orders_of(LogOrder),
    default_order="LINE_ASC",
    live_only=False,
)


def logs_query(kwargs: Mapping[str, Any]) -> ListQuery:
    """``stream``, ``fromLine``/``toLine`` (inclusive) and ``contains``: a search scans at
    most MAX_SEARCH_LINES lines, from ``fromLine`` (1 by default)."""
    from_line, to_line = kwargs.get("from_line"), kwargs.get("to_line")
    if from_line is not None and from_line < 1:
        raise ClientError("fromLine counts from 1")
    if from_line is not None and to_line is not None and to_line < from_line:
        raise ClientError("toLine must not be before fromLine")
    contains = kwargs.get("contains")
    if contains is not None:
        if not 1 <= len(contains) <= MAX_SEARCH_LENGTH:
            raise ClientError(f"contains takes 1 to {MAX_SEARCH_LENGTH} characters")
        if "\x00" in contains:
            raise ClientError("contains must not hold NUL")
        start = from_line or 1
        widest = start + MAX_SEARCH_LINES - 1
        if to_line is not None and to_line > widest:
            raise ClientError(
                f"a search scans at most {MAX_SEARCH_LINES} lines: narrow fromLine..toLine"
            )
        from_line, to_line = start, min(to_line or widest, widest)
    streams = tuple(s.value for s in kwargs.get("stream") or ())
    return ListQuery(
        order=order_of(kwargs),
        filter=LogFilter(streams, from_line, to_line, contains),
    )
