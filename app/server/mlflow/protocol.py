"""MLflow's REST conventions: a request's fields (the JSON body of a POST, PATCH or DELETE;
the query of a GET), replies as JSON, and errors as MLflow's
``{"error_code": ..., "message": ...}`` with the HTTP status MLflow gives each code."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response

from app.api.errors import UNIQUE_VIOLATION
from app.domain.errors import DomainError, ErrorCode
from app.domain.tenancy.access import Actor
from app.server.graphql_http import JSON, json_response
from app.server.mlflow.errors import FROM_DOMAIN, STATUS, error_body
from app.server.view import actor_of

log = logging.getLogger("mlgraph.mlflow")


class MlflowError(Exception):
    """A refusal in MLflow's terms (one the domain has no code for)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def error_response(code: str, message: str) -> Response:
    return json_response(error_body(code, message), STATUS.get(code, 400), JSON)


def domain_error_response(error: DomainError) -> Response:
    code = FROM_DOMAIN.get(error.code, "BAD_REQUEST")
    field = error.field or []
    if error.code is ErrorCode.CONFLICT and field[:1] == ["params"]:
        code = "INVALID_PARAMETER_VALUE"  # MLflow's answer to changing a logged param
    message = error.message
    if field and error.code is ErrorCode.VALIDATION:
        message = f"{'.'.join(field)}: {message}"
    return error_response(code, message)


@dataclass(frozen=True)
class Call:
    """One request: who calls, and its fields."""

    actor: Actor
    fields: Mapping[str, Any]
    path_params: Mapping[str, str]

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.fields.get(name)
        if value is None or value == "":
            if required:
                raise MlflowError(
                    "INVALID_PARAMETER_VALUE", f"Missing value for required parameter '{name}'."
                )
            return None
        if isinstance(value, list):  # a repeated query parameter: the last one
            value = value[-1]
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise MlflowError(
                "INVALID_PARAMETER_VALUE", f"Invalid value for parameter '{name}': give a string."
            )
        return str(value)

    def required(self, name: str) -> str:
        value = self.text(name, required=True)
        assert value is not None
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.fields.get(name)
        if isinstance(value, list):
            value = value[-1]
        if value is None or value == "":
            return default
        try:
            return whole_number(value)
        except ValueError:
            raise MlflowError(
                "INVALID_PARAMETER_VALUE",
                f"Invalid value for parameter '{name}': give an integer.",
            ) from None

    def items(self, name: str) -> list[Any]:
        value = self.fields.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            value = [value]
        return value

    def key_values(self, name: str) -> dict[str, str]:
        """``[{"key": k, "value": v}, ...]`` (MLflow's tags and params) as a dict."""
        found: dict[str, str] = {}
        for index, item in enumerate(self.items(name)):
            if not isinstance(item, dict) or not isinstance(item.get("key"), str):
                raise MlflowError(
                    "INVALID_PARAMETER_VALUE",
                    f'{name}[{index}]: give {{"key": ..., "value": ...}}.',
                )
            value = item.get("value")
            found[item["key"]] = "" if value is None else str(value)
        return found


def whole_number(value: Any) -> int:
    """An integer as MLflow's client sends one: a JSON integer, a whole float, or digits in
    a string (int64 fields may come as strings); ValueError for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(value)
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(value)
        return int(value)
    return int(value)


async def read_fields(request: Request) -> dict[str, Any]:
    if request.method in ("GET", "HEAD"):
        fields: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            if key in fields:
                previous = fields[key]
                fields[key] = (
                    [*previous, value] if isinstance(previous, list) else [previous, value]
                )
            else:
                fields[key] = value
        return fields
    body = await request.body()
    if not body.strip():
        return dict(request.query_params)
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise MlflowError("MALFORMED_REQUEST", "the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise MlflowError("MALFORMED_REQUEST", "the body must be a JSON object")
    return parsed


Handler = Callable[[Call], Awaitable[dict[str, Any]]]


def endpoint(handler: Handler, *, reads: bool = True) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint around an MLflow handler: the caller (who must have sent an
    API key), its fields, its reply; DomainError and MlflowError become MLflow's errors.
    ``reads``: its answer carries data, which only a key with the READ scope may have (as
    GraphQL's reads and mutation payloads); an endpoint that answers nothing (logging
    metrics, setting a tag) takes a key that may only write or ingest."""

    async def respond(request: Request) -> Response:
        actor = actor_of(request.scope)
        if not actor.is_authenticated:
            return error_response(
                "UNAUTHENTICATED",
                "send an mlgraph API key: MLFLOW_TRACKING_TOKEN=<key> (sent as "
                "Authorization: Bearer <key>)",
            )
        try:
            if reads:
                actor.require_read()
            fields = await read_fields(request)
            reply = await handler(Call(actor, fields, request.path_params))
        except MlflowError as error:
            return error_response(error.code, error.message)
        except DomainError as error:
            return domain_error_response(error)
        except IntegrityError as error:
            if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
                return error_response(
                    "RESOURCE_ALREADY_EXISTS", "conflicts with a concurrent change"
                )
            raise
        return json_response(reply, 200, JSON)

    return respond


RawHandler = Callable[[Actor, Request], Awaitable[Response]]


def raw_endpoint(handler: RawHandler) -> Callable[[Request], Awaitable[Response]]:
    """As ``endpoint``, for handlers that read the body themselves (a file) or answer with
    something else than JSON (a file's bytes)."""

    async def respond(request: Request) -> Response:
        actor = actor_of(request.scope)
        if not actor.is_authenticated:
            return error_response(
                "UNAUTHENTICATED", "send an mlgraph API key: MLFLOW_TRACKING_TOKEN=<key>"
            )
        try:
            return await handler(actor, request)
        except MlflowError as error:
            return error_response(error.code, error.message)
        except DomainError as error:
            return domain_error_response(error)

    return respond
