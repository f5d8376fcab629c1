"""The base of every loader: a batched load that many resolvers share survives the
cancellation of any one of them.

graphql-core cancels the sibling resolvers of a field whose error nulls their parent.
aiodataloader hands every caller of a key the same future, and cancelling a task cancels
the future it awaits: without a shield, one cancelled resolver cancelled the load for
every other branch waiting on that row, whose CancelledError then failed the whole
request (HTTP 500)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiodataloader import DataLoader


class SharedLoader(DataLoader):
    def load(self, key: Any) -> asyncio.Future[Any]:
        return asyncio.shield(super().load(key))
