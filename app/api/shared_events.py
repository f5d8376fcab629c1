"""Subscription events executed and serialised once for every subscriber that asked the
same thing.

A hub (app/events/hubs.py) turns each refresh into one ``SharedBatch``; every subscriber
that is caught up receives that same object, and the subscription resolver turns it into
one event object per (arguments) — ``shared_event``. graphql-core executes the operation's
selection per event and per subscriber; ``SharedEventExecutor`` remembers the result on the
event, keyed by (operation, variables), so the second subscriber with the same document and
variables gets the first one's result without executing anything. The result's data is a
``SharedData``, whose JSON text is written once (``encode_next``): what is left per
subscriber is framing the message with its id and the socket write.

Only event types that opt in (``shared_results``) are shared, and only results without
errors. An event type may opt in only if nothing under it depends on the caller (each
subscriber was authorised when it subscribed); RunMetricsBatch holds the run's points.

Past the first subscriber, even that per-subscriber pass (graphql-core mapping the event,
Strawberry wrapping the result, the protocol handler building the message) was most of a
fan-out's server time. ``SharedSender`` lets the subscription resolver deliver an event whose
result another subscriber with the same document and variables has already made, as that
subscriber's ``next`` message, straight through the operation of its graphql-transport-ws
handler (``OPERATION``, set per operation task): the same message, its id, its ordering
(the resolver runs in the operation's own task) and its end (``complete`` after the last)
— only when no extension of the operation has per-result hooks (``PLAIN_RESULTS``, set by
the schema's extension runner) — and never for the legacy graphql-ws protocol, whose
events take the whole path."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import ExecutionResult
from graphql.execution.executor import CollectedErrors
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

MAX_SHARED_RESULTS = 64  # distinct (operation, variables) remembered per event
# Per process, since start: events executed, events answered from another subscriber's
# execution, and those sent straight to the socket (what tests count).
STATS = Counter[str]()
# The graphql-transport-ws operation whose task is running (None elsewhere), and whether its
# extensions let a result skip Strawberry's per-result hooks (none of them has any).
OPERATION: ContextVar[Any] = ContextVar("OPERATION", default=None)
PLAIN_RESULTS: ContextVar[bool] = ContextVar("PLAIN_RESULTS", default=False)


def share_key(operation: Any, variable_values: Any) -> tuple[int, str]:
    """Subscribers whose results are the same: one document node, equal variables."""
    variables = getattr(variable_values, "coerced", variable_values) or {}
    return id(operation), repr(sorted(variables.items()))


class SharedData(dict):
    """A result's ``data``, given to many subscribers; its JSON is written once."""

    __slots__ = ("_json",)

    def json(self) -> str:
        try:
            return self._json
        except AttributeError:
            self._json: str = orjson.dumps(self).decode()
            return self._json


def shared_event(memo: dict[Any, Any], key: Any, build: Callable[[], Any]) -> Any:
    """The one event object for ``key`` among the subscribers of a shared batch."""
    event = memo.get(key)
    if event is None:
        event = memo[key] = build()
        event.shared_results = {}
    return event


class SharedEventExecutor(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        """graphql-core's, without ``copy.copy`` (its generic path was 8% of a fan-out's
        server time): the same shallow copy, made directly."""
        if "share_key" not in self.__dict__:  # the subscription's, once: its events inherit it
            self.share_key = share_key(self.operation, self.variable_values)
        executor = object.__new__(type(self))
        executor.__dict__.update(self.__dict__)
        executor.root_value = payload
        executor.collected_errors = CollectedErrors()
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        results = getattr(self.root_value, "shared_results", None)
        if results is None:
            return super().execute_operation(serially)
        key = self.__dict__.get("share_key")
        if key is None:  # not built by build_per_event_executor: share nothing
            return super().execute_operation(serially)
        found = results.get(key)
        if found is not None and found[0] is self.operation:  # the entry holds the node, so
            STATS["shared"] += 1  # its id cannot be reused while the entry lives
            return found[1]
        STATS["executed"] += 1
        result = super().execute_operation(serially)
        if self.is_awaitable(result):

            async def remember() -> Any:
                return self._remember(results, key, await result)

            return remember()
        return self._remember(results, key, result)

    def _remember(self, results: dict[Any, Any], key: Any, result: Any) -> Any:
        if (
            isinstance(result, ExecutionResult)
            and not result.errors
            and isinstance(result.data, dict)
            and len(results) < MAX_SHARED_RESULTS
        ):
            result.data = SharedData(result.data)
            results[key] = (self.operation, result)
        return result


def encode_next(message: Any) -> str | None:
    """The text of a ``next`` message whose payload is only shared data; None otherwise."""
    if not isinstance(message, dict) or message.get("type") not in ("next", "data"):
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or len(payload) != 1:
        return None
    data = payload.get("data")
    if type(data) is not SharedData:
        return None
    operation_id = orjson.dumps(message.get("id")).decode()
    kind = message["type"]
    return f'{{"id":{operation_id},"type":"{kind}","payload":{{"data":{data.json()}}}}}'


class SharedSender:
    """Sends a subscriber's events as the results other subscribers with the same document
    and variables made of them (see the module's docstring). Made once per subscription, in
    its operation's task: its share key and operation are looked up once, not per event
    (per event they were ~6% of a 10,000-subscriber fan-out's server time)."""

    __slots__ = ("_key", "_node", "_operation")

    def __init__(self, info: Any) -> None:
        operation = OPERATION.get()
        self._operation = operation if PLAIN_RESULTS.get() else None
        self._node = info.operation
        self._key = share_key(self._node, info.variable_values)

    async def send(self, event: Any) -> bool:
        """Send ``event`` to this subscriber if another subscriber's result for it is there
        and nothing is in the way; False: yield it as usual."""
        operation = self._operation
        results = getattr(event, "shared_results", None)
        if operation is None or not results:
            return False
        found = results.get(self._key)
        if found is None or found[0] is not self._node:
            return False
        STATS["direct"] += 1
        await operation.send_next(found[1])
        return True
