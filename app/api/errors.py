"""userErrors, the one place domain failures become them, and masking of unexpected errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.utils.str_converters import to_camel_case

from app.domain.errors import DomainError
from app.domain.errors import ErrorCode as DomainErrorCode
from app.domain.tenancy.access import Actor

if TYPE_CHECKING:
    from strawberry.types import Info

log = logging.getLogger("mlgraph.errors")

strawberry.enum(DomainErrorCode, name="ErrorCode", description="Why a mutation failed.")
ErrorCode = DomainErrorCode  # registered in place: the domain's class is the GraphQL enum

T = TypeVar("T")
P = TypeVar("P")


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the offending input field.")
    code: ErrorCode
    message: str

    @classmethod
    def from_domain(cls, error: DomainError, input_type: Any = None) -> UserError:
        field = graphql_path(input_type, error.field) if error.field is not None else None
        return cls(field=field, code=error.code, message=error.message)


def graphql_path(input_type: Any, relative: Sequence[str | int]) -> list[str]:
    """The GraphQL path of a field the domain names relative to a mutation's ``input``:
    walking the input type, an input object's field goes by its GraphQL name, a list's
    element by its position, a name the input type does not have in GraphQL's spelling;
    below a scalar (JSON, a metric series) segments pass as given (data keys keep their
    spelling)."""
    path = ["input"]
    current = input_type
    for segment in relative:
        while isinstance(current, StrawberryOptional):
            current = current.of_type
        definition = getattr(current, "__strawberry_definition__", None)
        if definition is not None and definition.is_input and isinstance(segment, str):
            declared = _input_fields(current).get(segment)
            if declared is None:  # not one of its fields: still spelled as GraphQL would
                path.append(to_camel_case(segment))
                current = None
                continue
            path.append(declared.graphql_name or to_camel_case(declared.python_name))
            current = declared.type
            continue
        path.append(str(segment))
        current = current.of_type if isinstance(current, StrawberryList) else None
    return path


@functools.cache
def _input_fields(input_type: Any) -> dict[str, Any]:
    """An input type's fields by Python name."""
    return {f.python_name: f for f in input_type.__strawberry_definition__.fields}


def input_type_of(info: Info) -> Any:
    """The type of the mutation's ``input`` argument (None for a field without one)."""
    field = getattr(info, "_field", None)
    for argument in getattr(field, "arguments", ()):
        if argument.python_name == "input":
            return argument.type
    return None


class ClientError(GraphQLError):
    """A top-level error caused by the request (bad arguments); shown to the client as is."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message, extensions={"code": code})


UNIQUE_VIOLATION = "23505"


async def run_mutation(
    info: Info, work: Callable[[AsyncSession, Actor], Awaitable[T]], *, ingest: bool = False
) -> tuple[T | None, list[UserError]]:
    """Run ``work`` in one transaction; expected failures become userErrors, nothing commits.
    Every mutation is a write: the key's WRITE scope is checked here, once, before anything
    else (no mutation can forget it). ``ingest``: one of the data-logging mutations, which
    a key with the INGEST scope may run too."""
    context = info.context
    actor = replace(context.actor, ingesting=True) if ingest else context.actor
    try:
        actor.require_write()
        async with context.session_factory() as session, session.begin():
            result = await work(session, actor)
        return result, []
    except DomainError as error:
        return None, [UserError.from_domain(error, input_type_of(info))]
    except IntegrityError as error:
        # A concurrent request won a uniqueness race that the service's own check could not see.
        if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
            conflict = DomainError(DomainErrorCode.CONFLICT, "conflicts with a concurrent change")
            return None, [UserError.from_domain(conflict)]
        raise


def _is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    # A DomainError outside a mutation payload is still an expected failure: show it.
    return original is not None and not isinstance(original, GraphQLError | DomainError)


class MaskUnexpectedErrors(MaskErrors):
    """Unexpected exceptions are logged with the request id and replaced by a generic message;
    client errors (validation, bad arguments) pass through unchanged."""

    errors_only = True  # its on_stream_result only rewrites errors (LeanExtensionsRunner)

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Internal server error.")

    def _process_result(self, result: Any) -> None:
        # Strawberry's checks the result against a typing.Protocol (slow: it ran for every
        # subscriber of every subscription event); a plain attribute read does the same.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        log.error(
            "unexpected error [request_id=%s] at %s",
            request_id,
            error.path,
            exc_info=error.original_error,
        )
        return GraphQLError(
            message=f"Internal server error (request id {request_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


# Codes of errors raised before execution: the operation never ran, so a
# graphql-response+json client gets 400 and no `data`.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
BAD_USER_INPUT = "BAD_USER_INPUT"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
REQUEST_ERROR_CODES = frozenset(
    {
        GRAPHQL_PARSE_FAILED,
        GRAPHQL_VALIDATION_FAILED,
        QUERY_TOO_COMPLEX,
        BAD_USER_INPUT,
        PERSISTED_QUERY_NOT_FOUND,
        "OPERATION_NOT_IN_PERSISTED_QUERY_LIST",
    }
)


def tag_error(error: GraphQLError, code: str) -> None:
    """Give an error an ``extensions.code`` unless it already has one."""
    extensions = dict(error.extensions or {})
    if "code" not in extensions:
        extensions["code"] = code
        error.extensions = extensions


class ErrorCodes(SchemaExtension):
    """Every error that stops an operation before it runs gets an ``extensions.code``:
    GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, QUERY_TOO_COMPLEX (limits) or
    BAD_USER_INPUT (variables that do not coerce). Listed first among the extensions, so
    its code runs after every other extension's."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            too_long = isinstance(error, GraphQLSyntaxError) and "tokens" in error.message
            tag_error(error, QUERY_TOO_COMPLEX if too_long else GRAPHQL_PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            tag_error(error, GRAPHQL_VALIDATION_FAILED)

    def on_execute(self) -> Iterator[None]:
        yield
        result: Any = self.execution_context.result
        if result is not None and result.data is None:
            for error in result.errors or ():
                if not error.path:  # variables that did not coerce: nothing ran
                    tag_error(error, BAD_USER_INPUT)
