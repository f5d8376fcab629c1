"""The logs context's types: a run's console line."""

from __future__ import annotations

from datetime import datetime

import strawberry

from app.api.graph.converters import FromRow, from_declaration
from app.api.logs.enums import LogStream
from app.domain.logs.models import RunLogLine as RunLogLineRow


@from_declaration(RunLogLineRow)
@strawberry.type(description="A line a run printed, numbered in the order it was stored.")
class RunLogLine(FromRow):
    line_number: int = strawberry.field(description="1-based, per run: a cursor for reading on.")
    stream: LogStream
    text: str = strawberry.field(
        description="At most 8,192 characters (longer lines are cut: truncated)."
    )
    truncated: bool
    logged_at: datetime = strawberry.field(description="When the run printed it (its clock).")
