"""The bulk metric endpoint, next to GraphQL: ``POST /v1/runs/{runId}/metrics`` with
``{"series": {key: {steps, values, timestamps?}}}`` — runMetricsLog's ``series`` input
without GraphQL around it, for loggers that send many small batches (a GraphQL request's
own cost dominated those). The same domain service, so the same rules: the API key
(middleware), its rate limit, the WRITE scope, the project role, one transaction, the
idempotent (run, key, step), the audit row and the NOTIFY. Errors are JSON with the same
codes and fields as userErrors."""

from __future__ import annotations

from dataclasses import replace

import orjson
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import Response

from app.api.errors import UNIQUE_VIOLATION, graphql_path
from app.api.experiments.mutations import RunMetricsLogInput
from app.api.ids import decode_id
from app.api.ingest_counts import ingested
from app.db.engine import SessionFactory
from app.domain.errors import DomainError
from app.domain.experiments.points import batch_from_series
from app.domain.health.watching import run_metrics_log_watched
from app.server.graphql_http import JSON, json_response
from app.server.rest_errors import STATUS, rest_error
from app.server.view import actor_of


class BulkMetrics:
    def __init__(self, session_factory: SessionFactory, max_points: int) -> None:
        self.session_factory = session_factory
        self.max_points = max_points

    async def handle(self, request: Request) -> Response:
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media != JSON:
            return rest_error(
                "send Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE", None, 415
            )
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return rest_error("the body is not valid JSON", "BAD_REQUEST", None, 400)
        if not isinstance(body, dict) or set(body) != {"series"}:
            return rest_error('send {"series": {...}}', "VALIDATION", ["input"], 400)
        actor = replace(actor_of(request.scope), ingesting=True)  # an ingest endpoint
        try:
            actor.require_write()
            run_id = decode_id(request.path_params["run_id"], "Run", ["run_id"])
            batch = batch_from_series(body["series"], self.max_points)
            async with self.session_factory() as session, session.begin():
                done = await run_metrics_log_watched(session, actor, run_id=run_id, batch=batch)
        except DomainError as error:
            # The paths of runMetricsLog's input, whose series this body is.
            field = graphql_path(RunMetricsLogInput, error.field) if error.field else None
            status = STATUS.get(error.code, 400)
            return rest_error(error.message, error.code.value, field, status)
        except IntegrityError as error:
            if getattr(error.orig, "sqlstate", None) == UNIQUE_VIOLATION:
                return rest_error("conflicts with a concurrent change", "CONFLICT", None, 409)
            raise
        ingested("run_metrics", done.logged_count)
        return json_response(
            {"loggedCount": done.logged_count, "newCount": done.new_count}, 200, JSON
        )
