"""Documents that parsed and validated, cached per process: dashboards send the same few
documents over and over. The cache is bounded in bytes (not in entries: one entry may be
megabytes) and keeps only documents that validated, so junk cannot take its room.

Validation is bounded for any document: the cheap shape checks (depth, aliases, fields per
selection set; app/server/shape_limits.py) run alone first, and only a document that passes
them meets graphql-core's own rules (some quadratic in the fields of a selection set).
Introspection answers are cached too: the schema does not change while the process runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    ValidationRule,
    get_operation_ast,
    parse,
    validate,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError

from app.process.sized_lru import SizedLRU

AST_BYTES_PER_CHAR = 8  # a document's AST takes several times its text; count that, roughly
INTROSPECTION_ENTRIES = 16


class ValidatedDocuments(SizedLRU[str, DocumentNode]):
    """Documents that validated, keyed by their text, bounded in bytes; and introspection
    answers (a few, and the ones being computed right now)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, lambda text, _: len(text) * AST_BYTES_PER_CHAR)
        self.introspection: OrderedDict[str, Any] = OrderedDict()
        self.introspection_in_flight: dict[str, asyncio.Future[None]] = {}


def is_introspection(document: DocumentNode, operation_name: str | None) -> bool:
    operation = get_operation_ast(document, operation_name)
    return operation is not None and all(
        isinstance(selection, FieldNode) and selection.name.value.startswith("__")
        for selection in operation.selection_set.selections
    )


class CachedDocuments(SchemaExtension):
    """Parse and validate through the cache. A document that fails to parse is left to
    Strawberry, which reports the syntax error as a GraphQL error (raising from here would
    skip the error handling of every other extension).

    A document with several operations and no operationName is refused: Strawberry would
    quietly run the first one."""

    def __init__(self, cache: ValidatedDocuments, shape_rules: list[type[ValidationRule]]) -> None:
        self.cache = cache
        self.shape_rules = shape_rules
        self.hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            document = self.cache.get(context.query)
            self.hit = document is not None
            if document is None:
                try:
                    document = parse(context.query, **context.parse_options)
                except GraphQLError:
                    document = None
            context.graphql_document = document
        # Not context.operation_name: it falls back to the first operation's name.
        provided_name = getattr(context, "_provided_operation_name", None)
        if context.graphql_document is not None and provided_name is None:
            definitions = context.graphql_document.definitions
            if sum(isinstance(d, OperationDefinitionNode) for d in definitions) > 1:
                raise CannotGetOperationTypeError(None)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if self.hit:
            context.pre_execution_errors = []  # validated before: skip graphql-core's rules
        elif document is not None:
            shape_errors = validate(context.schema._schema, document, self.shape_rules)
            if shape_errors:
                context.pre_execution_errors = shape_errors
        yield
        if not self.hit and document is not None and context.pre_execution_errors == []:
            assert context.query is not None
            self.cache.put(context.query, document)

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        key: str | None = None
        in_flight = self.cache.introspection_in_flight
        if document is not None and is_introspection(document, context.operation_name):
            key = orjson.dumps(
                [context.query, context.operation_name, context.variables],
                option=orjson.OPT_SORT_KEYS,
            ).decode()
            if key not in self.cache.introspection and key in in_flight:
                # Another request is computing this very answer: wait for it, once.
                with contextlib.suppress(Exception):
                    await asyncio.shield(in_flight[key])
            cached = self.cache.introspection.get(key)
            if cached is not None:
                context.result = cached
                key = None
            else:
                in_flight[key] = asyncio.get_running_loop().create_future()
        try:
            yield
        finally:
            if key is not None:
                result: Any = context.result
                if result is not None and not result.errors:
                    introspection = self.cache.introspection
                    introspection[key] = result
                    while len(introspection) > INTROSPECTION_ENTRIES:
                        introspection.popitem(last=False)
                waiting = in_flight.pop(key, None)
                if waiting is not None and not waiting.done():
                    waiting.set_result(None)
