"""Bulk export of an experiment's runs and metric points, streamed as Apache Arrow (IPC
stream) or Parquet, next to GraphQL:

    POST /v1/experiments/{experimentId}/export/runs
    POST /v1/experiments/{experimentId}/export/points

The body (JSON, all optional): ``query`` (the run query language), ``keys`` (points: the
metric keys, default all), ``bucketSize`` (points: cut each run's points into buckets of
that many steps instead), ``format`` (``arrow``, the default, or ``parquet``), ``after``
(a run's id: resume after it). Runs go in id order, a page of 500 at a time, each page one
record batch (Parquet: one row group), so memory stays one page and an interrupted export
resumes with ``after`` = the last run it holds whole. The API key's READ scope and the
caller's visibility apply as to GraphQL; errors before the first byte are JSON with the
userError codes.

Runs: ``id``, ``name``, ``status``, ``started_at``, ``ended_at``, ``params`` and ``tags``
(JSON text), ``metrics`` (per key: ``last``, ``min``, ``max``, ``count``). Points:
``run_id``, ``key`` (dictionary-encoded), ``step``, ``value`` (NaN and ±Infinity as
themselves), ``time``. Bucketed points, one row per run, key and bucket that holds a point:
``run_id``, ``key``, ``step_start`` (buckets start at multiples of ``bucketSize``), ``min``
and ``max`` (of the finite values; null: none), ``last`` (the value at the highest step,
NaN and ±Infinity as themselves), ``last_step``, ``count``, ``nonfinite`` — exact, every
point counted."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
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
FIELDS = {"query", "keys", "bucketSize", "format", "after"}
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


BUCKETS = pa.schema(
    [
        ("run_id", pa.dictionary(pa.int32(), pa.string())),
        ("key", pa.dictionary(pa.int32(), pa.string())),
        ("step_start", pa.int64()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("last", pa.float64()),
        ("last_step", pa.int64()),
        ("count", pa.int64()),
        ("nonfinite", pa.int64()),
    ]
)


@dataclass(frozen=True)
class ExportRequest:
    actor: Actor
    experiment_id: uuid.UUID
    condition: Any
    after: uuid.UUID | None
    form: str
    keys: list[str]
    bucket_size: int | None


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

    async def _start(self, request: Request) -> ExportRequest:
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
        if not isinstance(body, dict) or set(body) - FIELDS:
            raise validation(
                'send {"query"?, "keys"?, "bucketSize"?, "format"?, "after"?}', ["input"]
            )
        form = body.get("format") or "arrow"
        if form not in MEDIA:
            raise validation('format is "arrow" or "parquet"', ["format"])
        keys = body.get("keys") or []
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise validation("keys is a list of metric keys", ["keys"])
        size = body.get("bucketSize")
        if size is not None and (type(size) is not int or not 1 <= size <= reads.MAX_BUCKET_SIZE):
            raise validation(
                f"bucketSize is a whole number of steps, 1 to {reads.MAX_BUCKET_SIZE:,}",
                ["bucketSize"],
            )
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
        return ExportRequest(actor, experiment_id, condition, after, form, keys, size)

    def _answer(self, chunks: AsyncIterator[bytes], form: str, name: str) -> Response:
        suffix = "parquet" if form == "parquet" else "arrows"
        return StreamingResponse(
            chunks,
            media_type=MEDIA[form],
            headers={"content-disposition": f'attachment; filename="{name}.{suffix}"'},
        )

    async def runs(self, request: Request) -> Response:
        try:
            asked = await self._start(request)
        except (DomainError, ClientError) as error:
            return _refused(error)

        async def batches() -> AsyncIterator[pa.RecordBatch]:
            async for page in self._pages(asked):
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

        return self._answer(framed(batches(), RUNS, asked.form), asked.form, "runs")

    async def points(self, request: Request) -> Response:
        try:
            asked = await self._start(request)
        except (DomainError, ClientError) as error:
            return _refused(error)

        async def batches() -> AsyncIterator[pa.RecordBatch]:
            async for page in self._pages(asked):
                found = await reads.points_of(
                    self.session_factory, asked.actor, [r.id for r in page], asked.keys
                )
                if asked.bucket_size is not None:
                    cut = reads.buckets_of(found, asked.bucket_size)
                    yield pa.record_batch(
                        [
                            *_run_and_key(cut.runs, cut.run_ids, cut.keys, cut.key_index),
                            pa.array(cut.step_start, pa.int64()),
                            pa.array(cut.min, pa.float64(), mask=np.isnan(cut.min)),
                            pa.array(cut.max, pa.float64(), mask=np.isnan(cut.max)),
                            pa.array(cut.last, pa.float64()),
                            pa.array(cut.last_step, pa.int64()),
                            pa.array(cut.count, pa.int64()),
                            pa.array(cut.nonfinite, pa.int64()),
                        ],
                        schema=BUCKETS,
                    )
                    continue
                yield pa.record_batch(
                    [
                        *_run_and_key(found.runs, found.run_ids, found.keys, found.key_index),
                        pa.array(found.steps, pa.int64()),
                        pa.array(found.values, pa.float64()),
                        pa.array(found.times, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                    ],
                    schema=POINTS,
                )

        schema, name = (POINTS, "points") if asked.bucket_size is None else (BUCKETS, "buckets")
        return self._answer(framed(batches(), schema, asked.form), asked.form, name)

    def _pages(self, asked: ExportRequest) -> AsyncIterator[list[reads.RunRow]]:
        return reads.run_pages(
            self.session_factory, asked.actor, asked.experiment_id, asked.condition, asked.after
        )


def _run_and_key(
    runs: list[uuid.UUID], run_ids: np.ndarray, keys: list[str], key_index: np.ndarray
) -> list[pa.DictionaryArray]:
    """The run and key columns, dictionary-encoded (a page's runs and keys, once each)."""
    return [
        pa.DictionaryArray.from_arrays(
            pa.array(run_ids, pa.int32()), pa.array([encode_id("Run", r) for r in runs])
        ),
        pa.DictionaryArray.from_arrays(
            pa.array(key_index, pa.int32()), pa.array(keys, pa.string())
        ),
    ]


def _refused(error: DomainError | ClientError) -> Response:
    if isinstance(error, ClientError):
        return rest_errors.rest_error(str(error), "VALIDATION", ["input", "query"], 400)
    return rest_errors.domain_error(error)
