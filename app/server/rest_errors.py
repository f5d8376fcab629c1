"""Errors of the endpoints beside GraphQL (``/v1/...``): ``{"errors": [{message, code,
field}]}`` with the userError codes, and the HTTP status each code means."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.responses import Response

from app.domain.errors import DomainError, ErrorCode
from app.server.graphql_http import JSON, json_response

STATUS: Mapping[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.CONFLICT: 409,
}


def rest_error(message: str, code: str, field: Sequence[str] | None, status: int) -> Response:
    body = {"errors": [{"message": message, "code": code, "field": field}]}
    return json_response(body, status, JSON)


def domain_error(error: DomainError, statuses: Mapping[ErrorCode, int] = STATUS) -> Response:
    """A domain failure, its field as the service named it: its code's status (400 for
    the codes ``statuses`` does not name)."""
    return rest_error(error.message, error.code.value, error.field, statuses.get(error.code, 400))
