"""The logs context's GraphQL enums: its domain enum registered in place, and its order."""

from __future__ import annotations

import enum

from app.api.exposing import expose
from app.api.loaders.list_spec import Order
from app.domain.logs import enums as logs

expose(logs.LogStream)

LogStream = logs.LogStream


class LogOrder(enum.Enum):
    """A run's lines in the order it printed them, or the newest first."""

    LINE_ASC = Order(("line_number",))
    LINE_DESC = Order(("line_number",), descending=True)


expose(LogOrder)
