"""GraphQL over HTTP, to the letter of the spec (graphql-over-http, with its legacy
``application/json`` mode), for queries and mutations. Subscriptions over HTTP streams
(multipart, SSE) and WebSockets are served by Strawberry's view (app/server/view.py).

- ``Accept: application/graphql-response+json``: a document that fails to parse or
  validate, variables that fail to coerce, an unknown operation are 400 with no ``data``;
  anything that reached execution is 200.
- ``Accept: application/json`` (or none, or ``*/*``): the legacy mode, 200 for every
  well-formed request.
- Every error is JSON with ``extensions.code``; nothing Python-made reaches the client.
- GET runs queries only (a mutation is 405 with ``Allow: POST``); GET answers carry an
  ETag and are revalidated (304) rather than recomputed for the client."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import FieldNode, GraphQLError, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from app.api.errors import REQUEST_ERROR_CODES
from app.server.input_safety import MAX_VARIABLE_DEPTH, nested_deeper_than
from app.server.persisted import PersistedOperationError, PersistedOperations

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
JSON = "application/json"


class RequestError(Exception):
    """A request the server refuses before execution."""

    def __init__(
        self,
        message: str,
        code: str = "BAD_REQUEST",
        status: int = 400,
        headers: dict[str, str] | None = None,
        legacy_status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.headers = headers or {}
        # What an application/json client gets (the legacy mode keeps 200 for GraphQL
        # request errors); None: the same as ``status``.
        self.legacy_status = legacy_status


def negotiate(accept: str | None) -> str:
    """The response media type: graphql-response+json if the client prefers it."""
    return json_accepted(accept) or JSON


def json_accepted(accept: str | None) -> str | None:
    """The JSON media type the client prefers, or None when it accepts none (say, only
    text/event-stream); no header accepts anything."""
    if not accept:
        return JSON
    best: str | None = None
    best_q = -1.0
    for position, part in enumerate(accept.split(",")):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE_JSON:
            candidate = GRAPHQL_RESPONSE_JSON
        elif media in (JSON, "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        # Ties go to the earlier entry: clients list what they prefer first.
        if q > best_q:
            best, best_q = candidate, q - position * 1e-6
    return best


def error_body(message: str, code: str, request_id: str | None) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}


def json_response(
    body: bytes | dict[str, Any],
    status: int,
    media_type: str,
    headers: dict[str, str] | None = None,
) -> Response:
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    return Response(
        content, status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers
    )


ANONYMOUS_HINT = (
    "no API key was sent, so nothing is readable: send Authorization: Bearer <key> "
    "(make run prints a development key; mlgraph create-key makes one)"
)


INTROSPECTION_FIELDS = frozenset({"__typename", "__schema", "__type"})


def reads_data(query: str, operation_name: str | None) -> bool:
    """Whether the operation asks for more than introspection (only for anonymous callers:
    the document ran already, so it parses)."""
    try:
        operation = get_operation_ast(parse(query), operation_name)
    except GraphQLError:
        return False
    return operation is not None and any(
        not isinstance(s, FieldNode) or s.name.value not in INTROSPECTION_FIELDS
        for s in operation.selection_set.selections
    )


def _decode_json_param(raw: str | None, name: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise RequestError(f"the {name} parameter is not valid JSON") from error


def decode_body(body: bytes) -> tuple[Any, bool]:
    """The JSON body, and whether its strings are known clean. orjson first (fast; it
    refuses invalid UTF-8 and lone surrogates, so only an escaped NUL could be left);
    Python's parser second, only so the NaN / Infinity that Python clients write reach
    input validation, which names the offending item instead of refusing the whole body."""
    try:
        return orjson.loads(body), b"\\u0000" not in body
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body.decode("utf-8")), False
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RequestError("the request body is not valid JSON (UTF-8)") from error


async def read_params(request: Request) -> tuple[dict[str, Any], bool]:
    """The GraphQL request parameters of a GET (query string) or POST (JSON body), and
    whether every string in them is known free of NUL and lone surrogates (so input
    safety need not walk the variables again)."""
    strings_clean = False
    if request.method == "GET":
        query = request.query_params
        params: dict[str, Any] = {k: query.get(k) for k in query.keys()}
        params["variables"] = _decode_json_param(query.get("variables"), "variables")
        params["extensions"] = _decode_json_param(query.get("extensions"), "extensions")
    else:
        content_type = request.headers.get("content-type", "")
        media = content_type.partition(";")[0].strip().lower()
        if media != JSON and not media.endswith("+json"):
            raise RequestError(
                "send the request as Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE", 415
            )
        body = await request.body()
        if not body.strip():
            raise RequestError('the request body is empty: send {"query": ...}')
        params, strings_clean = decode_body(body)
        if isinstance(params, list):
            raise RequestError("batched requests are not supported: send one operation")
        if not isinstance(params, dict):
            raise RequestError("the request body must be a JSON object")
    for name, kinds in (
        ("query", str),
        ("operationName", str),
        ("variables", dict),
        ("extensions", dict),
    ):
        if params.get(name) is not None and not isinstance(params[name], kinds):
            kind = "a string" if kinds is str else "an object"
            raise RequestError(f"{name} must be {kind} or null")
    for name in ("variables", "extensions"):
        if params.get(name) and nested_deeper_than(params[name], MAX_VARIABLE_DEPTH):
            raise RequestError(f"{name} are nested too deeply (at most {MAX_VARIABLE_DEPTH})")
    return params, strings_clean


def is_request_failure(result: ExecutionResult) -> bool:
    """True when the operation never executed (parse, validation, limits, variables)."""
    if result.data is not None or not result.errors:
        return False
    return all(
        (error.extensions or {}).get("code") in REQUEST_ERROR_CODES for error in result.errors
    )


@dataclass
class HTTPOperation:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None
    # Depth checked here, strings known clean: nothing left for input safety to walk.
    variables_checked: bool = False


Execute = Callable[[Request, HTTPOperation, set[OperationType]], Awaitable[ExecutionResult]]


class GraphQLHTTPHandler:
    """Turns one HTTP request into one executed operation and a spec-conforming response."""

    def __init__(
        self, execute: Execute, persisted: PersistedOperations, max_document_bytes: int
    ) -> None:
        self.execute = execute
        self.persisted = persisted
        self.max_document_bytes = max_document_bytes

    async def __call__(self, request: Request, media_type: str) -> Response:
        params, strings_clean = await read_params(request)
        try:
            resolved = self.persisted.resolve(params.get("query"), params)
        except PersistedOperationError as error:
            raise RequestError(
                error.message, error.code, error.status, legacy_status=200
            ) from error
        if not resolved.query:
            raise RequestError("no GraphQL document in the request: send a query")
        if len(resolved.query) > self.max_document_bytes:
            raise RequestError(
                f"the GraphQL document exceeds {self.max_document_bytes} characters",
                "QUERY_TOO_COMPLEX",
                legacy_status=400,
            )
        allowed = {OperationType.QUERY}
        if request.method == "POST":
            allowed.add(OperationType.MUTATION)
        operation = HTTPOperation(
            resolved.query,
            params.get("variables"),
            params.get("operationName"),
            params.get("extensions"),
            variables_checked=strings_clean,
        )
        try:
            result = await self.execute(request, operation, allowed)
        except CannotGetOperationTypeError as error:
            message = (
                "the document holds several operations (or none): name the one to run "
                "with operationName"
                if error.operation_name is None
                else f"the document has no operation named {error.operation_name!r}"
            )
            raise RequestError(message, "BAD_REQUEST", legacy_status=400) from error
        except InvalidOperationTypeError as error:
            if error.operation_type == OperationType.MUTATION:
                raise RequestError(
                    "mutations need POST", "METHOD_NOT_ALLOWED", 405, {"Allow": "POST"}
                ) from error
            raise RequestError(
                "subscriptions need a WebSocket (graphql-transport-ws or graphql-ws) or an "
                "HTTP stream (Accept: multipart/mixed;subscriptionSpec=1.0 or "
                "text/event-stream)",
                "BAD_REQUEST",
            ) from error
        failed = is_request_failure(result)
        if resolved.register_hash is not None and not failed:
            self.persisted.register(resolved.register_hash, resolved.query)
        body: dict[str, Any] = {}
        if not (failed and media_type == GRAPHQL_RESPONSE_JSON):
            body["data"] = result.data
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            body["extensions"] = result.extensions
        state = request.scope.get("state") or {}
        anonymous = state.get("actor") is None or not state["actor"].is_authenticated
        if anonymous and not failed and reads_data(resolved.query, operation.operation_name):
            # Anonymous callers read nothing: say why the answer is empty.
            body["extensions"] = {**body.get("extensions", {}), "hint": ANONYMOUS_HINT}
        status = 400 if failed and media_type == GRAPHQL_RESPONSE_JSON else 200
        # data may be an orjson.Fragment: JSON text PostgreSQL built (app/api/graph).
        encoded = orjson.dumps(body)
        # Which read path answered (app/api/graph/extension.py), for debugging.
        headers = {"X-MLGraph-Path": getattr(request.state, "read_path", "resolvers")}
        if request.method != "GET" or status != 200:
            return json_response(encoded, status, media_type, headers)
        return conditional_response(request, encoded, media_type, headers)


def conditional_response(
    request: Request, body: bytes, media_type: str, extra: dict[str, str] | None = None
) -> Response:
    """A GET answer the client may cache privately and revalidate with If-None-Match."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        **(extra or {}),
        "ETag": etag,
        "Cache-Control": "private, no-cache",
        "Vary": "Accept, Authorization",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return json_response(body, 200, media_type, headers)
