"""The schema built for serving: the root types of app/api/schema.py with the request
limits, caches, error masking, metrics and the compiled read path as extensions."""

from __future__ import annotations

import contextlib
from typing import Any

import strawberry
from strawberry.extensions import (
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from app.api.errors import ErrorCodes, MaskUnexpectedErrors
from app.api.graph.compiler import Compiler
from app.api.graph.extension import CompiledPath, CompiledReads
from app.api.graph.fields import collect_graph, install_graph
from app.api.graph.leaf_lists import LeafObjectLists
from app.api.graph.payloads import PrecompiledValues
from app.api.read_scope import ReadScope
from app.api.scalars import SCALAR_MAP
from app.api.schema import EXTRA_TYPES, LoadersPerOperation, Mutation, Query, Subscription
from app.api.shared_events import PLAIN_RESULTS, SharedEventExecutor
from app.server.complexity import MaxNodesLimiter
from app.server.document_cache import CachedDocuments, ValidatedDocuments
from app.server.input_safety import SafeStringLiterals, SafeVariables
from app.server.metrics import RecordOperation
from app.server.persisted import PersistedOperations, TrustedDocumentsOnly
from app.server.shape_limits import shape_limits_rule
from app.settings import Limits


class QuietSchema(strawberry.Schema):
    """Errors are logged once, by MaskUnexpectedErrors (with the request id), not here too.
    Extension hooks none of the operation's extensions have cost nothing per subscription
    event (``LeanExtensionsRunner``)."""

    # Set by build_schema: the door into the compiled read path (None when it is off),
    # and the document cache (tests and metrics).
    compiled_path: CompiledPath | None = None
    documents: Any = None

    def process_errors(self, errors, execution_context=None):
        return None

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanExtensionsRunner(execution_context=execution_context, extensions=extensions)


def _overrides(extension: SchemaExtension, hook: str) -> bool:
    return getattr(type(extension), hook) is not getattr(SchemaExtension, hook)


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry asks every extension for its results and builds a context manager over
    every extension's ``on_stream_result`` hook for each result it streams — for a
    subscription, once per event per subscriber. None of our extensions has results, and
    the one stream hook (``MaskUnexpectedErrors``, marked ``errors_only``) only rewrites
    errors: results without errors skip both; Strawberry's own code runs for any other
    result, or when an extension of the operation needs every one."""

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None
    ) -> None:
        super().__init__(execution_context, extensions)
        self.has_results = any(_overrides(e, "get_results") for e in self.extensions)
        hooked = [e for e in self.extensions if _overrides(e, "on_stream_result")]
        self.every_result = any(not getattr(e, "errors_only", False) for e in hooked)
        self.errors_only = bool(hooked) and not self.every_result
        # Built in the operation's task: its error-free subscription events may skip the
        # per-result pipeline entirely (shared_events.SharedSender).
        PLAIN_RESULTS.set(not (self.has_results or self.every_result))

    def on_stream_result(self, result: Any) -> Any:
        if self.every_result or (self.errors_only and getattr(result, "errors", True)):
            return super().on_stream_result(result)
        return contextlib.nullcontext()

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        if self.has_results:
            return await super().get_extensions_results(ctx)
        return dict(ctx.extensions_results)


class Executor(PrecompiledValues, LeafObjectLists, SharedEventExecutor):
    """graphql-core's executor, sharing subscription events among equal subscribers,
    taking a mutation payload's compiled entity as it is, and completing lists of
    leaf-only objects in one loop."""


def build_schema(
    limits: Limits | None = None,
    persisted: PersistedOperations | None = None,
    *,
    compiled_reads: bool = True,
    read_path_override: bool = False,
    tracing: bool = False,
) -> strawberry.Schema:
    """Extensions are given as classes or factories, never instances: an instance would be
    shared by concurrent requests (its ``execution_context`` overwritten mid-request)."""
    limits = limits or Limits()
    # Checked alone, before graphql-core's rules (see CachedDocuments).
    shape_rules = [
        shape_limits_rule(limits.max_depth, limits.max_aliases, limits.max_selections),
        SafeStringLiterals,
    ]
    documents = ValidatedDocuments(max_bytes=limits.document_cache_bytes)
    trusted: list[Any] = []
    if persisted is not None and persisted.trusted is not None:
        trusted.append(lambda: TrustedDocumentsOnly(persisted))
    path = CompiledPath(limits.document_cache_bytes, override=read_path_override)
    traced: list[Any] = []
    if tracing:  # spans per operation and phase (app/process/tracing.py has the rest)
        from strawberry.extensions.tracing import OpenTelemetryExtension

        traced.append(OpenTelemetryExtension)
    schema = QuietSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=EXTRA_TYPES,
        extensions=[
            ErrorCodes,  # first, so it sees (and codes) what every other one reported
            *traced,
            # Dashboards send the same few documents over and over: parse and validate once.
            lambda: CachedDocuments(documents, shape_rules),
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: MaxNodesLimiter(max_nodes=limits.max_nodes),
            SafeVariables,
            MaskUnexpectedErrors,
            LoadersPerOperation,
            ReadScope,  # before the compiled path: a key without READ reads nothing
            RecordOperation,
            *trusted,  # after the document cache, whose "already valid" it overrides
            # last: answers only what every check above let through
            *([lambda: CompiledReads(path)] if compiled_reads else []),
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALAR_MAP),
        # Subscription events shared by many subscribers execute once (shared_events.py).
        execution_context_class=Executor,
    )
    install_graph(collect_graph(schema))  # what the compiler and the loaders read
    path.compiler = Compiler(schema, limits.max_page_size)
    schema.compiled_path = path if compiled_reads else None
    schema.documents = documents
    return schema
