"""How many subscriptions one API key may hold open in this process (the per-connection
limit is the WebSocket handler's). A client that opens more gets a clear error, not a
share of every other client's database connections and memory."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import Iterator

from app.api.errors import ClientError


class SubscriptionSlots:
    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self.open: Counter[uuid.UUID] = Counter()

    @contextlib.contextmanager
    def hold(self, key_id: uuid.UUID | None) -> Iterator[None]:
        if key_id is None:
            yield
            return
        if self.open[key_id] >= self.per_key:
            raise ClientError(
                f"this API key already has {self.per_key} open subscriptions here: "
                "close some first",
                "TOO_MANY_SUBSCRIPTIONS",
            )
        self.open[key_id] += 1
        try:
            yield
        finally:
            self.open[key_id] -= 1
            if not self.open[key_id]:
                del self.open[key_id]
