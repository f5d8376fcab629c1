"""Bulk export of an experiment's runs and metric points, streamed as Apache Arrow (IPC
stream) or Parquet, next to GraphQL:

    POST /v1/experiments/{experimentId}/export/runs
    POST /v1/experiments/{experimentId}/export/points

The body (JSON, all optional): ``query`` (the run query language), ``keys`` (points: the
metric keys, default all), ``format`` (``arrow``, the default, or ``parquet``), ``after``
(a run's id: resume after it). Runs go in id order, a page of 500 at a time, each page one
record batch (Parquet: one row group), so memory stays one page and an interrupted export
resumes with ``after`` = the last run it holds whole. The API key's READ scope and the
caller's visibility apply as to GraphQL; errors before the first byte are JSON with the
userError codes.

Runs: ``id``, ``name``, ``status``, ``started_at``, ``ended_at``, ``params`` and ``tags``
(JSON text), ``metrics`` (per key: ``last``, ``min``, ``max``, ``count``). Points:
``run_id``, ``key`` (dictionary-encoded), ``step``, ``value`` (NaN and ±Infinity as
themselves), ``time``."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.api.errors import ClientError
from app.api.ids import decode_id, encode_id
from app.db.engine import SessionFactory
from app.domain.errors import DomainError, validation
from app.domain.experiments import export as reads
from app.domain.experiments import run_query
from app.domain.experiments.models import Experiment, Run
from app.domain.tenancy.access import Actor
from app.domain.tenancy.lookup import get_visible
from app.server import rest_errors
from app.server.view import actor_of

PATH_PREFIX = "/v1/experiments/"
MEDIA = {
    "arrow": "application/vnd.apache.arrow.stream",
    "parquet": "application/vnd.apache.parquet",
}

METRIC = pa.struct(
    [("key", pa.string()), ("last", pa.float64()), ("min", pa.float64()),
     ("max", pa.float64()), ("count", pa.int64())]
)  # fmt: skip
RUNS = pa.schema(
    [
        ("id", pa.string()),
        ("name", pa.string()),
        ("status", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("ended_at", pa.timestamp("us", tz="UTC")),
        ("params", pa.string()),
        ("tags", pa.string()),
        ("metrics", pa.list_(METRIC)),
    ]
)
POINTS = pa.schema(
    [
        ("run_id", pa.dictionary(pa.int32(), pa.string())),
        ("key", pa.dictionary(pa.int32(), pa.string())),
        ("step", pa.int64()),
        ("value", pa.float64()),
        ("time", pa.timestamp("us", tz="UTC")),
    ]
)


def is_export(path: str) -> bool:
    """An export's answer goes out as written (Arrow and Parquet compress themselves)."""
    return path.startswith(PATH_PREFIX) and "/export/" in path


class Drain:
    """A write-only file for pyarrow's writers whose bytes are taken as they come."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    def take(self) -> bytes:
        taken = b"".join(self.parts)
        self.parts.clear()
        return taken


async def framed(
    batches: AsyncIterator[pa.RecordBatch], schema: pa.Schema, form: str
) -> AsyncIterator[bytes]:
    """Record batches as an Arrow IPC stream or a Parquet file, bytes as they are made."""
    drain = Drain()
    if form == "parquet":
        writer: Any = pq.ParquetWriter(drain, schema, compression="zstd")
        write: Callable[[pa.RecordBatch], None] = lambda b: writer.write_batch(b)  # noqa: E731
    else:
        writer = pa.ipc.new_stream(drain, schema)
        write = writer.write_batch
    async for batch in batches:
        write(batch)
        if chunk := drain.take():
            yield chunk
    writer.close()
    if chunk := drain.take():
        yield chunk


def _metrics(
    summaries: dict[str, tuple[float, float | None, float | None, int]],
) -> list[dict[str, Any]]:
    return [
        {"key": key, "last": last, "min": low, "max": high, "count": count}
        for key, (last, low, high, count) in sorted(summaries.items())
    ]


class Export:
    def __init__(self, read_session_factory: SessionFactory) -> None:
        self.session_factory = read_session_factory

    async def _start(
        self, request: Request
    ) -> tuple[Actor, uuid.UUID, Any, uuid.UUID | None, str, list[str]]:
        actor = actor_of(request.scope)
        actor.require_user()
        actor.require_read()
        experiment_id = decode_id(
            request.path_params["experiment_id"], "Experiment", ["experiment_id"]
        )
        raw = await request.body()
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            raise validation("the body is not valid JSON", ["input"]) from None
        if not isinstance(body, dict) or set(body) - {"query", "keys", "format", "after"}:
            raise validation('send {"query"?, "keys"?, "format"?, "after"?}', ["input"])
        form = body.get("format") or "arrow"
        if form not in MEDIA:
            raise validation('format is "arrow" or "parquet"', ["format"])
        keys = body.get("keys") or []
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise validation("keys is a list of metric keys", ["keys"])
        query = body.get("query")
        if query is not None and not isinstance(query, str):
            raise validation("query is the run query language's text", ["query"])
        found = run_query.parse(query, ["query"])
        after = decode_id(body["after"], "Run", ["after"]) if body.get("after") else None
        async with self.session_factory() as session:
            await get_visible(
                session,
                Experiment,
                experiment_id,
                actor,
                what="experiment",
                field=["experiment_id"],
            )
        condition = run_query.condition(found, Run) if found is not None else None
        return actor, experiment_id, condition, after, form, keys

    def _answer(self, chunks: AsyncIterator[bytes], form: str, name: str) -> Response:
        suffix = "parquet" if form == "parquet" else "arrows"
        return StreamingResponse(
            chunks,
            media_type=MEDIA[form],
            headers={"content-disposition": f'attachment; filename="{name}.{suffix}"'},
        )

    async def runs(self, request: Request) -> Response:
        try:
            actor, experiment_id, condition, after, form, _ = await self._start(request)
        except (DomainError, ClientError) as error:
            return _refused(error)

        async def batches() -> AsyncIterator[pa.RecordBatch]:
            async for page in reads.run_pages(
                self.session_factory, actor, experiment_id, condition, after
            ):
                yield pa.record_batch(
                    [
                        pa.array([encode_id("Run", r.id) for r in page]),
                        pa.array([r.name for r in page]),
                        pa.array([r.status.upper() for r in page]),
                        pa.array([r.started_at for r in page], pa.timestamp("us", tz="UTC")),
                        pa.array([r.ended_at for r in page], pa.timestamp("us", tz="UTC")),
                        pa.array([orjson.dumps(r.params).decode() for r in page]),
                        pa.array([orjson.dumps(r.tags).decode() for r in page]),
                        pa.array([_metrics(r.summaries) for r in page], pa.list_(METRIC)),
                    ],
                    schema=RUNS,
                )

        return self._answer(framed(batches(), RUNS, form), form, "runs")

    async def points(self, request: Request) -> Response:
        try:
            actor, experiment_id, condition, after, form, keys = await self._start(request)
        except (DomainError, ClientError) as error:
            return _refused(error)

        async def batches() -> AsyncIterator[pa.RecordBatch]:
            async for page in reads.run_pages(
                self.session_factory, actor, experiment_id, condition, after
            ):
                found = await reads.points_of(
                    self.session_factory, actor, [r.id for r in page], keys
                )
                run_names = pa.array([encode_id("Run", run_id) for run_id in found.runs])
                yield pa.record_batch(
                    [
                        pa.DictionaryArray.from_arrays(
                            pa.array(found.run_ids, pa.int32()), run_names
                        ),
                        pa.DictionaryArray.from_arrays(
                            pa.array(found.key_index, pa.int32()),
                            pa.array(found.keys, pa.string()),
                        ),
                        pa.array(found.steps, pa.int64()),
                        pa.array(found.values, pa.float64()),
                        pa.array(found.times, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                    ],
                    schema=POINTS,
                )

        return self._answer(framed(batches(), POINTS, form), form, "points")


def _refused(error: DomainError | ClientError) -> Response:
    if isinstance(error, ClientError):
        return rest_errors.rest_error(str(error), "VALIDATION", ["input", "query"], 400)
    return rest_errors.domain_error(error)
