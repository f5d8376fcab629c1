"""Pure ASGI middleware: request ids, request-body size limit, API-key authentication."""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.engine import SessionFactory
from app.db.scope import SYSTEM, scoped
from app.domain.tenancy import keys
from app.domain.tenancy.access import Actor
from app.domain.tenancy.client import CURRENT, Client, Network, clean_user_agent
from app.domain.tenancy.client import client_address as client_of
from app.domain.tenancy.services import InvalidKey, authenticate
from app.process.logs import REQUEST_ID
from app.server.auth_cache import AuthCache
from app.server.graphql_http import error_body, negotiate
from app.server.mlflow.errors import is_mlflow_path, middleware_error_body
from app.server.rate_limits import RateLimiter, auth_address, auth_prefix, requests_key

log = logging.getLogger("mlgraph.http")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


async def send_json_error(
    send: Send,
    scope: Scope,
    status: int,
    message: str,
    code: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A JSON error response in the media type the client accepts (in MLflow's format on
    MLflow's paths, whose client reads that)."""
    if is_mlflow_path(scope.get("path", "")):
        body = orjson.dumps(middleware_error_body(code, message))
        media_type = "application/json"
    else:
        body = orjson.dumps(error_body(message, code, request_id_of(scope)))
        accept = dict(scope.get("headers") or []).get(b"accept", b"").decode("latin-1")
        media_type = negotiate(accept)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", f"{media_type}; charset=utf-8".encode()),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


class RequestIdMiddleware:
    """Tag every request with an id (the client's X-Request-ID if sane), echoed in the
    response; and note who the client is (address — through trusted proxies only — and
    user agent) for the audit log and the rate limits."""

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[Network] = ()) -> None:
        self.app = app
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        REQUEST_ID.set(request_id)
        peer = scope.get("client")
        address = client_of(
            str(peer[0]) if peer else None,
            headers.get(b"x-forwarded-for", b"").decode("latin-1") or None,
            self.trusted_proxies,
        )
        state["client_address"] = address
        CURRENT.set(
            Client(address, clean_user_agent(headers.get(b"user-agent", b"").decode("latin-1")))
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Callable[[str], bool] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths whose endpoint streams a large body and limits it itself (artifacts).
        self.larger = larger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.larger is not None and self.larger(scope["path"])):
            await self.app(scope, receive, send)
            return
        message = f"request body exceeds {self.max_bytes} bytes"
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await send_json_error(send, scope, 413, message, "PAYLOAD_TOO_LARGE")
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            incoming = await receive()
            if incoming["type"] == "http.request":
                received += len(incoming.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return incoming

        async def tracking_send(outgoing: Message) -> None:
            nonlocal started
            started = started or outgoing["type"] == "http.response.start"
            await send(outgoing)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_json_error(send, scope, 413, message, "PAYLOAD_TOO_LARGE")


def bearer_token(scope: Scope) -> str | None:
    """The token of an ``Authorization`` header; None when there is no header."""
    header = dict(scope.get("headers") or []).get(b"authorization")
    if header is None:
        return None
    scheme, _, token = header.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidKey("use the Bearer scheme: Authorization: Bearer <key>")
    if not token.strip():
        raise InvalidKey("the API key is empty: Authorization: Bearer <key>")
    return token.strip()


async def actor_for_token(
    session_factory: SessionFactory, token: str | None, cache: AuthCache | None = None
) -> Actor:
    """The caller for a bearer token: anonymous without one; InvalidKey for a bad one."""
    if token is None:
        return Actor()
    if cache is not None and (cached := cache.get(token)) is not None:
        return cached
    generation = cache.generation if cache is not None else 0
    with scoped(SYSTEM):  # the key's own rows, before anyone is known
        async with session_factory() as session:
            actor = await authenticate(session, token)
    if cache is not None:
        cache.put(token, actor, generation)
    return actor


class TooManyAttempts(Exception):
    """The caller's address or key prefix is blocked for ``wait`` more seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"too many failed attempts: retry in {wait} s")
        self.wait = wait


async def count_auth_failure(
    limiter: RateLimiter | None, address: str | None, prefix: str | None
) -> None:
    if limiter is not None:
        with contextlib.suppress(Exception):  # counting must not turn a 401 into a 500
            await limiter.record_auth_failure(address, prefix)


async def authenticate_within_limits(
    session_factory: SessionFactory,
    token: str | None,
    *,
    address: str | None,
    limiter: RateLimiter | None,
    cache: AuthCache | None,
) -> Actor:
    """actor_for_token for HTTP and WebSocket alike, every bad key counted. A blocked key
    prefix is refused (TooManyAttempts) before any check. A blocked *address* refuses only
    bad keys: one client guessing behind a shared NAT (or an unconfigured proxy) must not
    lock out everyone else there, and a valid key gains a guesser nothing — each guess
    still counts against its key's prefix, which then blocks that key for everyone."""
    prefix = keys.split_prefix(token) if token else None
    address_wait = None
    if limiter is not None:
        wait = limiter.retry_after(auth_prefix(prefix))
        if wait is not None:
            raise TooManyAttempts(wait)
        address_wait = limiter.retry_after(auth_address(address))
    try:
        return await actor_for_token(session_factory, token, cache)
    except InvalidKey:
        await count_auth_failure(limiter, address, prefix)
        if address_wait is not None:
            raise TooManyAttempts(address_wait) from None
        raise


def client_address(scope: Scope) -> str | None:
    """The client's address (through trusted proxies, see RequestIdMiddleware)."""
    state = scope.get("state") or {}
    if "client_address" in state:
        return state["client_address"]
    client = scope.get("client")
    return str(client[0]) if client else None


async def send_rate_limited(send: Send, scope: Scope, wait: int) -> None:
    await send_json_error(
        send,
        scope,
        429,
        f"too many requests: try again in {wait} s",
        "RATE_LIMITED",
        [(b"retry-after", str(wait).encode())],
    )


# GraphQL, the bulk endpoints (app/server/bulk.py), MLflow's API (app/server/mlflow).
AUTHENTICATED_PATHS = ("/graphql", "/v1/", "/mlflow/")


class ApiKeyAuthMiddleware:
    """Resolve ``Authorization: Bearer <key>`` to an Actor before GraphQL runs (HTTP only;
    WebSocket clients authenticate in ``connection_init``), within the rate limits."""

    def __init__(
        self,
        app: ASGIApp,
        session_factory: SessionFactory,
        rate_limiter: RateLimiter,
        auth_cache: AuthCache | None = None,
    ) -> None:
        self.app = app
        self.session_factory = session_factory
        self.rate_limiter = rate_limiter
        self.auth_cache = auth_cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(AUTHENTICATED_PATHS):
            await self.app(scope, receive, send)
            return
        limiter = self.rate_limiter
        address = client_address(scope)
        try:
            try:
                token = bearer_token(scope)
            except InvalidKey:
                await count_auth_failure(limiter, address, None)
                raise
            actor: Any = await authenticate_within_limits(
                self.session_factory,
                token,
                address=address,
                limiter=limiter,
                cache=self.auth_cache,
            )
        except TooManyAttempts as blocked:
            await send_rate_limited(send, scope, blocked.wait)
            return
        except InvalidKey as error:
            await send_json_error(
                send,
                scope,
                401,
                str(error),
                "UNAUTHENTICATED",
                [(b"www-authenticate", b'Bearer realm="mlgraph"')],
            )
            return
        except Exception:
            log.exception("authentication failed [request_id=%s]", request_id_of(scope))
            await send_json_error(send, scope, 503, "authentication is unavailable", "UNAVAILABLE")
            return
        if actor.api_key_id is not None:
            wait = limiter.retry_after(requests_key(actor.api_key_id))
            if wait is not None:
                await send_rate_limited(send, scope, wait)
                return
            limiter.count_request(actor.api_key_id)
        scope.setdefault("state", {})["actor"] = actor
        with scoped(actor.db_scope()):  # the database keeps the request to the caller's rows
            await self.app(scope, receive, send)
