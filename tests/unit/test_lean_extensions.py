"""The schema's extension runner (app/server/schema.py, LeanExtensionsRunner): per streamed
result, the hooks no extension of the operation has are skipped — and an extension that has
them still sees every result."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import strawberry
import strawberry.extensions.runner as runner
from strawberry.extensions import SchemaExtension

from app.server.schema import QuietSchema


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def count(self) -> AsyncIterator[int]:
        for number in range(3):
            yield number


class Plain(SchemaExtension):  # an operation hook only, like ours
    def on_operation(self) -> Iterator[None]:
        yield


class Streamed(SchemaExtension):
    seen: list[int] = []

    def on_stream_result(self, result):  # type: ignore[no-untyped-def,override]
        Streamed.seen.append(result.data["count"])
        yield

    def get_results(self) -> dict[str, bool]:
        return {"streamed": True}


async def stream(schema: QuietSchema) -> list[tuple[int, dict]]:  # type: ignore[type-arg]
    results = await schema.subscribe("subscription { count }")
    return [(r.data["count"], r.extensions or {}) async for r in results]  # type: ignore[union-attr]


async def test_hooks_no_extension_has_are_not_entered(monkeypatch):
    def refuse(*_: object) -> None:
        raise AssertionError("a context manager over no hooks was built")

    monkeypatch.setattr(runner, "StreamResultContextManager", refuse)
    schema = QuietSchema(query=Query, subscription=Subscription, extensions=[Plain])
    assert await stream(schema) == [(0, {}), (1, {}), (2, {})]


async def test_an_extension_with_the_hooks_sees_every_result():
    Streamed.seen = []
    schema = QuietSchema(query=Query, subscription=Subscription, extensions=[Plain, Streamed])
    assert await stream(schema) == [(n, {"streamed": True}) for n in range(3)]
    assert Streamed.seen == [0, 1, 2]


@pytest.mark.parametrize("extensions", [[Plain], [Plain, Streamed]])
async def test_queries_keep_their_extension_results(extensions):
    schema = QuietSchema(query=Query, subscription=Subscription, extensions=extensions)
    result = await schema.execute("{ ok }", root_value=Query())
    assert result.data == {"ok": True}
    assert (result.extensions or {}) == ({"streamed": True} if Streamed in extensions else {})


@strawberry.type
class Tick:
    n: int

    @strawberry.field
    def checked(self) -> int:
        if self.n == 1:
            raise ValueError("odd tick")
        return self.n


@strawberry.type
class Ticks:
    @strawberry.subscription
    async def ticks(self) -> AsyncIterator[Tick]:
        for number in range(3):
            yield Tick(n=number)


class ErrorsOnly(SchemaExtension):  # as MaskUnexpectedErrors: it only rewrites errors
    errors_only = True
    seen: list[bool] = []

    def on_stream_result(self, result):  # type: ignore[no-untyped-def,override]
        ErrorsOnly.seen.append(bool(result.errors))
        yield


async def test_an_errors_only_hook_sees_exactly_the_results_with_errors():
    ErrorsOnly.seen = []
    schema = QuietSchema(query=Query, subscription=Ticks, extensions=[Plain, ErrorsOnly])
    results = [r async for r in await schema.subscribe("subscription { ticks { checked } }")]  # type: ignore[union-attr]
    assert [bool(r.errors) for r in results] == [False, True, False]
    assert ErrorsOnly.seen == [True]


async def test_the_schema_masks_an_unexpected_error_in_a_streamed_result():
    from app.api.errors import MaskUnexpectedErrors

    schema = QuietSchema(query=Query, subscription=Ticks, extensions=[MaskUnexpectedErrors])
    results = [r async for r in await schema.subscribe("subscription { ticks { checked } }")]  # type: ignore[union-attr]
    [error] = results[1].errors
    assert error.message.startswith("Internal server error") and "odd tick" not in error.message
