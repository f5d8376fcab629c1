"""Parsed documents, cached per process: dashboards send the same few documents over and
over. Bounded in bytes of source text (not in entries: one entry may be megabytes), and
only documents that parsed are kept, so junk cannot evict the working set for long."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError


class ParsedDocuments:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()

    def __len__(self) -> int:
        return len(self._documents)

    def get(self, text: str) -> DocumentNode | None:
        document = self._documents.get(text)
        if document is not None:
            self._documents.move_to_end(text)
        return document

    def put(self, text: str, document: DocumentNode) -> None:
        # The AST of a document takes several times its text; count that, roughly.
        size = len(text) * 8
        if text in self._documents or size > self.max_bytes:
            return
        self._documents[text] = document
        self.bytes += size
        while self.bytes > self.max_bytes:
            dropped, _ = self._documents.popitem(last=False)
            self.bytes -= len(dropped) * 8


class CachedParsing(SchemaExtension):
    """Look the document up before Strawberry parses it. A document that fails to parse is
    left to Strawberry, which reports the syntax error as a GraphQL error (raising from
    here would skip the error handling of every other extension).

    A document with several operations and no operationName is refused here: Strawberry
    would quietly run the first one."""

    def __init__(self, cache: ParsedDocuments) -> None:
        self.cache = cache

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            document = self.cache.get(context.query)
            if document is None:
                try:
                    document = parse(context.query, **context.parse_options)
                except GraphQLError:
                    document = None
                else:
                    self.cache.put(context.query, document)
            context.graphql_document = document
        # Not context.operation_name: it falls back to the first operation's name.
        provided_name = getattr(context, "_provided_operation_name", None)
        if context.graphql_document is not None and provided_name is None:
            operations = sum(
                isinstance(d, OperationDefinitionNode) for d in context.graphql_document.definitions
            )
            if operations > 1:
                raise CannotGetOperationTypeError(None)
        yield
