"""Logging from a training loop: ``run.log`` returns at once, a background thread sends.

    with mlgraph.start_run(organization="acme", project="fraud", experiment="baseline",
                           params={"lr": 0.01}) as run:
        for step in range(steps):
            run.log({"loss": loss, "acc": acc}, step=step)

``log`` checks its input, stamps the time and appends to a buffer. Only programming errors
raise there — a value that is not a number (TypeError), a bad key name or step
(ValueError) — each saying how to fix it. Nothing about the data it can carry or the
server's state ever raises in the training loop, nor at ``flush``/``finish``: NaN and
±Infinity are logged as they are (they travel as the strings "NaN", "Infinity",
"-Infinity", and the server stores them); a batch the server refuses is reported by a
warning and kept in ``run.errors`` (its points counted in ``run.dropped_points``); a run
finished elsewhere (another client, the UI) drops what is logged after it, with a warning;
``finish`` waits at most ``finish_timeout`` seconds for an unreachable server, then says
what it could not deliver. The sender thread drains the buffer in batches of up to
``batch_points`` into ``runMetricsLog`` (the ``series`` columns form), at least every
``flush_interval`` seconds. A batch that fails for a transient reason (the server is down,
restarting, overloaded: connection errors, HTTP 5xx or 429) is sent again, the same points,
until it goes through: the server keeps one value per (run, key, step), so a retry after a
lost answer adds nothing. While the server is unreachable the buffer grows up to
``max_buffered_points``; then ``on_full="block"`` makes ``log`` wait for room, and
``"drop_oldest"`` drops the oldest points with a warning (``run.dropped_points`` counts
them). A batch the server refuses for good (say the run was finished elsewhere) is not
retried: its error is kept in ``run.errors`` and reported by a warning.

While the run is open, what the program prints (stdout, stderr) still reaches the terminal
and is also sent as the run's console log (app: ``runLogsAppend``), numbered from 1 so a
retry stores nothing twice (mlgraph/console.py; ``capture_console=False``: not).

Leaving the ``with`` block flushes and marks the run COMPLETED, or FAILED when an exception
escapes it (KILLED for Ctrl-C); ``run.finish(status)`` does the same by hand.

A run logged by a training job's worker names the job (``training_job=``, ``worker=``, or
``MLGRAPH_TRAINING_JOB_ID`` and ``MLGRAPH_WORKER``): the run is linked to the job and the
sender thread keeps the job's lease with a heartbeat every ``heartbeat_interval`` seconds.
When the server refuses one — the job was cancelled (by a person, or by a health rule that
saw the loss turn NaN), or its lease went to another worker — the run says why with a
warning, ``run.should_stop`` turns true, and the next ``log`` raises ``TrainingStopped``
with the server's reason: the one thing the server says that stops the loop, because the
work is no longer this process's. Leaving the ``with`` block on it marks the run KILLED
with that reason."""

from __future__ import annotations

import asyncio
import atexit
import math
import os
import random
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx

from mlgraph.client import (
    MlgraphError,
    UserErrors,
    check,
    experiment_id,
    find_project,
    graphql_client,
    settings,
)
from mlgraph.console import ConsoleCapture, Line
from mlgraph.generated import GraphQLClient
from mlgraph.generated.enums import RunStatus
from mlgraph.generated.exceptions import GraphQLClientGraphQLMultiError, GraphQLClientHttpError
from mlgraph.generated.input_types import (
    RunCreateInput,
    RunFinishInput,
    TrainingJobHeartbeatInput,
)
from mlgraph.system import SystemSampler

MAX_STEP = 2**31 - 1
MAX_BATCH_POINTS = 10_000  # the server's limit per call
MAX_BATCH_LINES = 5_000  # console lines per call (the server's limit)
KEY_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./: ")
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

T = TypeVar("T")
# One log call: (step, epoch milliseconds, its keys, their values).
Entry = tuple[int, float, tuple[str, ...], list[float]]


def is_transient(error: BaseException) -> bool:
    """A failure a retry may cure: the server unreachable, or an HTTP status that passes
    (restarting, overloaded, rate-limited)."""
    if isinstance(error, httpx.TransportError):
        return True
    return isinstance(error, GraphQLClientHttpError) and error.status_code in TRANSIENT_STATUS


class BufferFullWarning(UserWarning):
    """The server was unreachable long enough for the buffer to fill: points were dropped."""


class HttpRefused(MlgraphError):
    """The server answered with an HTTP status that a retry will not change."""


class TrainingStopped(MlgraphError):
    """The server stopped this run's training job (cancelled it — by hand or by a health
    rule —, or gave its lease to another worker): end the loop; the message says why."""


class RunWarning(UserWarning):
    """Something the run could not do (a refused batch, a run finished elsewhere, a server
    unreachable at ``finish``): the loop goes on."""


def _number(key: str, value: object) -> float:
    """A value ``log`` can store, or a TypeError saying what was given instead."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(
            f"{key}: log numbers (int, float or a numpy number), not "
            f"{type(value).__name__} {value!r}"
        ) from None


def check_job_options(
    training_job: str | None, worker: str | None, heartbeat_interval: float, lease_seconds: int
) -> None:
    if training_job is not None and not worker:
        raise ValueError(
            "a training job's run names its worker: worker=... (the name the job was "
            "claimed with) or MLGRAPH_WORKER"
        )
    if not 0 < heartbeat_interval < lease_seconds:
        raise ValueError("heartbeat_interval must be positive and shorter than lease_seconds")


def check_key(key: object) -> str:
    """The server's rule for metric keys, checked where the mistake is made."""
    if (
        type(key) is not str
        or not 1 <= len(key) <= 250
        or key != key.strip()
        or not KEY_CHARACTERS.issuperset(key)
    ):
        raise ValueError(
            f"bad metric key {key!r}: 1-250 letters, digits, spaces or '_-./:', without "
            "leading or trailing spaces"
        )
    return key


class _Sender:
    """A thread with an event loop: the run's HTTP calls, and the batching loop."""

    def __init__(self, client: GraphQLClient) -> None:
        self.client = client
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="mlgraph-sender")
        self.thread.daemon = True
        self.thread.start()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        if not self.loop.is_closed():
            try:
                self.call(self.client.http_client.aclose(), timeout=10)
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(timeout=10)
                self.loop.close()


class Run:
    """A run being logged to. Made by ``start_run``; use it as a context manager."""

    def __init__(
        self,
        *,
        run_id: str,
        name: str,
        sender: _Sender,
        batch_points: int,
        flush_interval: float,
        max_buffered_points: int,
        on_full: Literal["block", "drop_oldest"],
        retry_max_seconds: float,
        finish_timeout: float | None = 120.0,
        console: ConsoleCapture | None = None,
        system_sampler: SystemSampler | None = None,
        system_metrics_interval: float = 10.0,
        training_job: str | None = None,
        worker: str | None = None,
        heartbeat_interval: float = 20.0,
        lease_seconds: int = 60,
    ) -> None:
        if not 1 <= batch_points <= MAX_BATCH_POINTS:
            raise ValueError(f"batch_points must be between 1 and {MAX_BATCH_POINTS}")
        if max_buffered_points < batch_points:
            raise ValueError("max_buffered_points must be at least batch_points")
        if on_full not in ("block", "drop_oldest"):
            raise ValueError("on_full is 'block' or 'drop_oldest'")
        if flush_interval <= 0:
            raise ValueError("flush_interval must be positive")
        check_job_options(training_job, worker, heartbeat_interval, lease_seconds)
        self.id = run_id
        self.name = name
        self.batch_points = batch_points
        self.flush_interval = flush_interval
        self.max_buffered_points = max_buffered_points
        self.on_full = on_full
        self.retry_max_seconds = retry_max_seconds
        self.finish_timeout = finish_timeout
        self._sender = sender
        # ``_buffered`` counts the points of the buffer's entries.
        self._buffer: deque[Entry] = deque()
        self._buffered = 0
        self._in_flight = 0  # points of the batch being sent (retried while unreachable)
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)  # ``block``: log waits here for room
        self._next_step = 0
        self._wake: asyncio.Event | None = None
        self._idle = threading.Event()  # nothing buffered or in flight
        self._idle.set()
        self.errors: list[MlgraphError] = []  # what the server refused, in order
        self._finished = False
        self._closed_elsewhere: str | None = None  # the server said the run is finished
        self._stopping = False  # finish(): the sending loop ends
        self.sent_points = 0  # accepted by the server (new or already there)
        self.dropped_points = 0  # not delivered: drop_oldest, refused, or after the run ended
        self.retries = 0  # batches sent again after a transient failure
        self.blocked_logs = 0  # ``log`` calls that had to wait for room
        # The console (stdout, stderr) while the run is open, unless another run has it.
        self._console = console if console is not None and console.start() else None
        self._next_line = 1  # the number of the next console line sent
        self._lines_in_flight = 0  # console lines of the batch being sent
        if system_sampler is not None and system_metrics_interval <= 0:
            raise ValueError("system_metrics_interval must be positive")
        self._system = system_sampler
        self.system_metrics_interval = system_metrics_interval
        self.system_samples = 0  # samples of system/... keys logged
        self.sent_lines = 0
        self.dropped_lines = 0  # console lines not delivered (buffer full, refused, ended)
        self.training_job = training_job
        self.worker = worker
        self.heartbeat_interval = heartbeat_interval
        self.lease_seconds = lease_seconds
        self.stopped: str | None = None  # why the server stopped the training job
        self._heartbeat_failing = False  # the server is away: said once, until a beat lands
        if training_job is not None:  # linked before the first point; stopped at once if so
            sender.call(self._heartbeat())
        self._task = sender.call(self._start())
        _open_runs.add(self)

    # -- the calling thread -------------------------------------------------------------

    def log(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record values of several metrics at one step (default: the step after the last
        one logged). Returns at once; the sender thread delivers them."""
        if self._finished:
            raise MlgraphError("this run is finished")
        if self.stopped is not None:
            raise TrainingStopped(f"training job {self.training_job} was stopped: {self.stopped}")
        if step is None:
            step = self._next_step
        elif type(step) is not int or not 0 <= step <= MAX_STEP:
            raise ValueError(f"step must be an integer between 0 and {MAX_STEP}: {step!r}")
        if not isinstance(metrics, Mapping):
            raise TypeError(
                f"log takes a mapping of metric names to numbers, e.g. {{'loss': 0.3}}, not "
                f"{type(metrics).__name__}"
            )
        if not metrics.keys() <= _known_keys.keys():
            for key in metrics:
                _known_keys[check_key(key)] = None
        try:
            values = [float(value) for value in metrics.values()]
        except (TypeError, ValueError):
            values = [_number(key, value) for key, value in metrics.items()]
        count = len(values)
        if not count:
            return
        self._next_step = step + 1
        if self._closed_elsewhere is not None:
            self.dropped_points += count
            return
        entry = (step, time.time() * 1000.0, tuple(metrics), values)
        with self._lock:
            if self._buffered + count > self.max_buffered_points:
                self._make_room(count)
            self._buffer.append(entry)
            self._buffered += count
            if self._idle.is_set():
                self._idle.clear()
            full = self._buffered >= self.batch_points
        if full:
            self._poke()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until everything logged so far was handled by the server (taken, or refused:
        see ``errors``), at most ``timeout`` seconds. True if it was; False if points are
        still waiting (the server is unreachable: they are still being retried)."""
        if self._console is not None and (len(self._console) or self._lines_in_flight):
            self._idle.clear()
        self._poke()
        return self._idle.wait(timeout)

    def finish(
        self, status: RunStatus | str = RunStatus.COMPLETED, failure_reason: str | None = None
    ) -> None:
        """Flush (at most ``finish_timeout`` seconds), then mark the run COMPLETED (or
        FAILED, KILLED, with an optional reason) and stop the sender. It never raises for
        the server's state: what it could not do is said by a warning and kept in
        ``errors``, and the program goes on (to save its model, say)."""
        if self._finished:
            return
        status = RunStatus(status)
        if self._console is not None:
            self._console.stop()  # the streams are the program's again; keep the last line
        try:
            if not self.flush(self.finish_timeout):
                waiting = self._buffered + self._in_flight
                self.dropped_points += waiting
                self._report(
                    MlgraphError(
                        f"the server took no points for {self.finish_timeout} s: "
                        f"{waiting} logged points were not delivered"
                    )
                )
            if self._console is not None and (len(self._console) or self._lines_in_flight):
                waiting = len(self._console) + self._lines_in_flight
                self.dropped_lines += waiting
                self._report(MlgraphError(f"{waiting} console lines were not delivered"))
        finally:
            self._finished = True
            _open_runs.discard(self)
            try:
                self._finish_on_server(status, failure_reason)
            finally:
                self._sender.call(self._stop())
                self._sender.stop()
        if self._console is not None:
            self.dropped_lines += self._console.dropped
        if self.errors or self.dropped_points or self.dropped_lines:
            lines = f" and {self.dropped_lines} console lines" if self.dropped_lines else ""
            warnings.warn(
                f"mlgraph: run {self.name} ({self.id}) finished with {len(self.errors)} "
                f"problem(s) and {self.dropped_points} points{lines} not delivered "
                "(see run.errors)",
                RunWarning,
                stacklevel=2,
            )

    def _finish_on_server(self, status: RunStatus, failure_reason: str | None) -> None:
        if self._closed_elsewhere is not None:
            return  # already finished by someone else: said when it was learnt
        try:
            payload = self._sender.call(
                self._sender.client.run_finish(
                    RunFinishInput(runId=self.id, status=status, failureReason=failure_reason)
                ),
                timeout=self.finish_timeout,
            )
            check(payload.run_finish)
        except UserErrors as error:
            if "INVALID_TRANSITION" in error.codes:
                self._closed_elsewhere = str(error)
                self._report(MlgraphError(f"the run was already finished elsewhere: {error}"))
            else:
                self._report(error)
        except Exception as error:  # noqa: BLE001 - the server's state never breaks the program
            self._report(MlgraphError(f"could not mark the run {status.value}: {error}"))

    @property
    def should_stop(self) -> bool:
        """The server stopped the run's training job (``stopped`` says why): a loop that
        checks this ends cleanly before ``log`` raises ``TrainingStopped``."""
        return self.stopped is not None

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.finish(RunStatus.COMPLETED)
        elif issubclass(kind, TrainingStopped):
            self.finish(RunStatus.KILLED, str(error))
        elif issubclass(kind, KeyboardInterrupt):
            self.finish(RunStatus.KILLED, "KeyboardInterrupt")
        else:
            self.finish(RunStatus.FAILED, f"{kind.__name__}: {error}")

    @property
    def buffered_points(self) -> int:
        return self._buffered

    def _make_room(self, count: int) -> None:
        """Under the lock: the buffer cannot take ``count`` more points."""
        if self.on_full == "block":
            self.blocked_logs += 1
            self._poke()
            while self._buffered + count > self.max_buffered_points and not self._finished:
                self._room.wait(1.0)
            return
        dropped = 0
        while self._buffer and self._buffered + count > self.max_buffered_points:
            values = self._buffer.popleft()[3]
            self._buffered -= len(values)
            dropped += len(values)
        if dropped and not self.dropped_points:
            warnings.warn(
                f"mlgraph: the server has not taken points for a while; the buffer is full "
                f"({self.max_buffered_points} points), dropping the oldest "
                "(run.dropped_points counts them)",
                BufferFullWarning,
                stacklevel=3,
            )
        self.dropped_points += dropped

    def _poke(self) -> None:
        wake = self._wake
        if wake is not None and not self._sender.loop.is_closed():
            self._sender.loop.call_soon_threadsafe(wake.set)

    def _report(self, error: MlgraphError, points: int = 0) -> None:
        """Keep what the server refused (or could not be done) and say it: a warning for
        the first of each kind of problem, so a long run does not print thousands."""
        first = not any(type(e) is type(error) and str(e) == str(error) for e in self.errors)
        self.errors.append(error)
        self.dropped_points += points
        if first:
            warnings.warn(
                f"mlgraph: run {self.name} ({self.id}): {error}"
                + (f" ({points} points not stored)" if points else ""),
                RunWarning,
                stacklevel=2,
            )

    # -- the sender thread --------------------------------------------------------------

    async def _start(self) -> asyncio.Task[None]:
        self._wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        if self._system is not None:
            self._sampling = loop.create_task(self._sample_forever(self._system))
        if self.training_job is not None:
            self._beating = loop.create_task(self._heartbeat_forever())
        return loop.create_task(self._send_forever())

    async def _heartbeat_forever(self) -> None:
        while not self._stopping and self.stopped is None:
            await asyncio.sleep(self.heartbeat_interval)
            await self._heartbeat()

    async def _heartbeat(self) -> None:
        """Keep the job's lease (and link the run to it). Refused: the job is not this
        worker's any more, which ends the training loop; the server away: the next beat
        tries again (a lease that runs out meanwhile is refused then)."""
        assert self.training_job is not None and self.worker is not None
        try:
            payload = await self._sender.client.training_job_heartbeat(
                TrainingJobHeartbeatInput(
                    trainingJobId=self.training_job,
                    worker=self.worker,
                    leaseSeconds=self.lease_seconds,
                    runId=self.id,
                )
            )
            check(payload.training_job_heartbeat)
            self._heartbeat_failing = False
        except UserErrors as error:
            if {"CONFLICT", "NOT_FOUND"} & set(error.codes):
                self.stopped = str(error)
                warnings.warn(
                    f"mlgraph: run {self.name} ({self.id}): the server stopped training job "
                    f"{self.training_job}: {error}. run.should_stop is true and the next "
                    "run.log raises TrainingStopped.",
                    RunWarning,
                    stacklevel=2,
                )
            else:
                self._report(MlgraphError(f"heartbeat: {error}"))
        except (httpx.TransportError, GraphQLClientHttpError) as error:
            self.retries += 1
            if not self._heartbeat_failing:  # said once per outage, not at every beat
                self._heartbeat_failing = True
                self._report(MlgraphError(f"heartbeat not delivered, trying again: {error}"))
        except (GraphQLClientGraphQLMultiError, MlgraphError) as error:
            self._report(MlgraphError(f"heartbeat: {error}"))

    async def _sample_forever(self, sampler: SystemSampler) -> None:
        """A sample of system/... keys every interval, its number as the step. It never
        blocks the sender (this loop's own thread): when the buffer is full the sample is
        dropped and counted."""
        while not self._stopping:
            await asyncio.sleep(self.system_metrics_interval)
            try:
                values = sampler.sample()
            except Exception as error:  # noqa: BLE001 - sampling never breaks the run
                self._report(MlgraphError(f"system metrics: {error}"))
                continue
            if not values or self._closed_elsewhere is not None or self._finished:
                continue
            entry = (
                self.system_samples,
                time.time() * 1000.0,
                tuple(values),
                list(values.values()),
            )
            self.system_samples += 1
            with self._lock:
                if self._buffered + len(values) > self.max_buffered_points:
                    self.dropped_points += len(values)
                    continue
                self._buffer.append(entry)
                self._buffered += len(values)
                self._idle.clear()

    async def _stop(self) -> None:
        """End the sending loop. The flag ends it even if a cancellation is lost (Python
        3.11's wait_for could swallow one that raced its timeout: finish() then hung)."""
        self._stopping = True
        for task in (getattr(self, "_sampling", None), getattr(self, "_beating", None)):
            if task is not None:
                task.cancel()
        if self._wake is not None:
            self._wake.set()
        self._task.cancel()
        await asyncio.wait({self._task}, timeout=10)

    async def _send_forever(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            try:
                async with asyncio.timeout(self.flush_interval):
                    await self._wake.wait()
            except TimeoutError:
                pass
            self._wake.clear()
            while True:
                batch = self._take()
                if batch is None:
                    break
                await self._deliver(batch)
            while self._console is not None and not self._stopping:
                lines = self._console.take(MAX_BATCH_LINES)
                if not lines:
                    break
                await self._deliver_lines(lines)
            with self._lock:
                if not self._buffer and not (self._console and len(self._console)):
                    self._idle.set()  # (no line is in flight here: delivered or dropped)

    def _take(self) -> list[Entry] | None:
        """Up to ``batch_points`` points off the front of the buffer."""
        with self._lock:
            if not self._buffer:
                return None
            batch = []
            points = 0
            while self._buffer and points + len(self._buffer[0][3]) <= self.batch_points:
                entry = self._buffer.popleft()
                batch.append(entry)
                points += len(entry[3])
            if not batch:  # one step with more keys than a batch: split it
                step, stamp, keys, values = self._buffer.popleft()
                cut = self.batch_points
                batch.append((step, stamp, keys[:cut], values[:cut]))
                self._buffer.appendleft((step, stamp, keys[cut:], values[cut:]))
                points = cut
            self._buffered -= points
            self._room.notify_all()
            return batch

    async def _deliver(self, batch: list[Entry]) -> None:
        series = columns(batch)
        points = self._in_flight = sum(len(entry[3]) for entry in batch)
        try:
            await self._send_until_answered(series, points)
        finally:
            self._in_flight = 0

    async def _until_answered(self, send: Callable[[], Awaitable[T]]) -> T:
        """``send()``, again after each transient failure (the server away, restarting,
        overloaded: connection errors, HTTP 5xx or 429), with backoff, until it answers.
        An HTTP status that will not change raises HttpRefused; the server's refusals
        (userErrors, GraphQL errors) are raised as they are."""
        delay = 0.05
        while True:
            try:
                return await send()
            except (httpx.TransportError, GraphQLClientHttpError) as error:
                if not is_transient(error):
                    status = getattr(error, "status_code", None)
                    raise HttpRefused(f"HTTP {status}: {error}") from error
            self.retries += 1
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.retry_max_seconds)

    async def _send_until_answered(self, series: dict[str, Any], points: int) -> None:
        """Send one batch until it is taken or refused for good (then reported)."""

        async def send() -> Any:
            payload = await self._sender.client.run_metrics_log(run_id=self.id, series=series)
            return check(payload.run_metrics_log)

        try:
            logged = await self._until_answered(send)
        except UserErrors as error:
            if "INVALID_TRANSITION" in error.codes and self._closed_elsewhere is None:
                self._closed_elsewhere = str(error)
                self._report(
                    MlgraphError(
                        f"the run was finished elsewhere ({error}): what is logged from "
                        "now on is dropped"
                    ),
                    points,
                )
            else:
                self._report(error, points)
            return
        except (GraphQLClientGraphQLMultiError, MlgraphError) as error:
            self._report(MlgraphError(str(error)), points)
            return
        self.sent_points += logged.logged_count

    async def _deliver_lines(self, lines: list[Line]) -> None:
        """Console lines, numbered by this client from 1: a retry after a lost answer is
        recognised by the server and stores nothing twice."""
        columns = {  # the columns form: parsed by the server as whole arrays
            "texts": [text for _, text, _ in lines],
            "streams": [stream for stream, _, _ in lines],
            "timestamps": [round(stamp * 1000, 3) for _, _, stamp in lines],
        }
        self._lines_in_flight = len(lines)
        try:
            await self._send_lines_until_answered(columns, lines)
        finally:
            self._lines_in_flight = 0

    async def _send_lines_until_answered(self, columns: dict[str, Any], lines: list[Line]) -> None:
        async def send() -> Any:
            payload = await self._sender.client.run_logs_append(
                run_id=self.id, columns=columns, start_line=self._next_line
            )
            return check(payload.run_logs_append)

        try:
            await self._until_answered(send)
        except HttpRefused as error:
            self.dropped_lines += len(lines)
            self._report(MlgraphError(f"console lines: {error}"))
            return
        except (GraphQLClientGraphQLMultiError, MlgraphError) as error:
            # Refused, so never stored and never numbered by the server: the next batch
            # takes these numbers (counting them would put this client's numbering ahead of
            # the run's, and a later retry after a lost answer would be stored twice).
            self.dropped_lines += len(lines)
            self._report(MlgraphError(f"console lines refused: {error}"))
            return
        self._next_line += len(lines)
        self.sent_lines += len(lines)  # taken (new, or stored by a lost answer's try)


def columns(batch: list[Entry]) -> dict[str, dict[str, list[Any]]]:
    """Entries as ``{key: {steps, values, timestamps}}``. A loop logs the same keys at
    every step: such a stretch is transposed at once (``zip``); a key logged twice at one
    step keeps its last value (the server refuses repeats within a call)."""
    keys = batch[0][2]
    steps = [entry[0] for entry in batch]
    if all(entry[2] == keys for entry in batch) and len(set(steps)) == len(steps):
        stamps = [entry[1] for entry in batch]
        rows = zip(*(entry[3] for entry in batch), strict=True)
        return {
            key: {"steps": steps, "values": _json_values(list(row)), "timestamps": stamps}
            for key, row in zip(keys, rows, strict=True)
        }
    by_key: dict[str, dict[int, tuple[float, float]]] = {}
    for step, stamp, entry_keys, values in batch:
        for key, value in zip(entry_keys, values, strict=True):
            points = by_key.get(key)
            if points is None:
                points = by_key[key] = {}
            points[step] = (value, stamp)
    out = {}
    for key, points in by_key.items():
        key_steps = list(points)
        out[key] = {
            "steps": key_steps,
            "values": _json_values([points[s][0] for s in key_steps]),
            "timestamps": [round(points[s][1], 3) for s in key_steps],
        }
    return out


NONFINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _json_values(values: list[float]) -> list[float | str]:
    """JSON has no NaN or Infinity: they travel as "NaN", "Infinity", "-Infinity"."""
    total = sum(values)
    if total - total == 0:  # all finite (a NaN or an infinity makes this NaN)
        return values  # type: ignore[return-value]
    return [v if math.isfinite(v) else "NaN" if v != v else NONFINITE[v] for v in values]


# Keys already checked (metric names repeat every step: check each once).
_known_keys: dict[str, None] = {}
_open_runs: weakref.WeakSet[Run] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A script that ends without finishing its run still delivers what it logged."""
    for run in list(_open_runs):
        try:
            if not run.flush(timeout=30):
                warnings.warn(
                    f"mlgraph: run {run.id}: {run.buffered_points} points were not delivered "
                    "before the program ended (the server did not take them in 30 s)",
                    RunWarning,
                    stacklevel=1,
                )
        except Exception as error:  # noqa: BLE001 - exiting: report, do not raise
            warnings.warn(f"mlgraph: run {run.id} could not flush at exit: {error}", stacklevel=1)


def start_run(
    *,
    experiment: str | None = None,
    project: str | None = None,
    organization: str | None = None,
    experiment_id: str | None = None,
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    url: str | None = None,
    api_key: str | None = None,
    batch_points: int = MAX_BATCH_POINTS,
    flush_interval: float = 1.0,
    max_buffered_points: int = 1_000_000,
    on_full: Literal["block", "drop_oldest"] = "block",
    retry_max_seconds: float = 10.0,
    timeout: float = 30.0,
    finish_timeout: float | None = 120.0,
    capture_console: bool = True,
    max_buffered_lines: int = 100_000,
    system_metrics: bool = True,
    system_metrics_interval: float = 10.0,
    training_job: str | None = None,
    worker: str | None = None,
    heartbeat_interval: float = 20.0,
    lease_seconds: int = 60,
    run_id: str | None = None,
) -> Run:
    """Open a run in an experiment (found by name in the project, made if missing; or
    ``experiment_id``). The project is its slug within ``organization`` (a slug; optional
    when the key reaches one organization only). ``url`` and ``api_key`` default to
    ``MLGRAPH_URL`` and ``MLGRAPH_API_KEY``. While the run is open, what the program
    prints (stdout, stderr) still reaches the terminal and is also sent as the run's
    console log (``capture_console=False``: not); at most ``max_buffered_lines`` wait
    for the server, the oldest dropped beyond (``run.dropped_lines``). Every
    ``system_metrics_interval`` seconds the run logs CPU, memory and each GPU's use under
    ``system/`` keys (mlgraph/system.py; ``system_metrics=False``: not). A training job's
    worker names the job and itself (``training_job``, ``worker``; default
    ``MLGRAPH_TRAINING_JOB_ID``, ``MLGRAPH_WORKER``): the run is linked to the job, its
    lease kept every ``heartbeat_interval`` seconds, and the loop stopped when the server
    stops the job (``TrainingStopped``). ``run_id``: log to a run that exists (made by a
    sweep's claim, say, or resumed after a restart; ``name`` is then only how messages
    call it), instead of opening one."""
    if run_id is not None and (experiment or experiment_id or params or tags):
        raise ValueError(
            "run_id logs to an existing run: give no experiment, experiment_id, params or tags"
        )
    training_job = training_job or os.environ.get("MLGRAPH_TRAINING_JOB_ID") or None
    worker = worker or os.environ.get("MLGRAPH_WORKER") or None
    check_job_options(training_job, worker, heartbeat_interval, lease_seconds)  # before a run
    base, key = settings(url, api_key)
    sender = _Sender(graphql_client(base, key, timeout=timeout))
    try:
        if run_id is None:
            if experiment_id is None:
                if not experiment or not project:
                    raise ValueError("give experiment and project (or experiment_id)")
                experiment_id = sender.call(
                    _find_experiment(sender.client, organization, project, experiment)
                )
            payload = sender.call(
                sender.client.run_create(
                    RunCreateInput(
                        experimentId=experiment_id,
                        name=name,
                        params=dict(params) if params is not None else None,
                        tags=dict(tags) if tags is not None else None,
                    )  # fmt: skip
                )
            )
            made = check(payload.run_create).run
            run_id, name = made.id, made.name
        return Run(
            run_id=run_id, name=name or run_id, sender=sender, batch_points=batch_points,
            flush_interval=flush_interval, max_buffered_points=max_buffered_points,
            on_full=on_full, retry_max_seconds=retry_max_seconds,
            finish_timeout=finish_timeout,
            console=ConsoleCapture(max_buffered_lines) if capture_console else None,
            system_sampler=SystemSampler() if system_metrics else None,
            system_metrics_interval=system_metrics_interval,
            training_job=training_job, worker=worker,
            heartbeat_interval=heartbeat_interval, lease_seconds=lease_seconds,
        )  # fmt: skip
    except BaseException:
        sender.stop()
        raise


async def _find_experiment(
    client: GraphQLClient, organization: str | None, project: str, experiment: str
) -> str:
    if organization is None:
        viewer = await client.viewer()
        orgs = [m.organization.slug for m in viewer.viewer.memberships.nodes if m.organization]
        if len(orgs) != 1:
            raise ValueError(
                f"this key reaches {len(orgs)} organizations: say which (organization=...)"
            )
        organization = orgs[0]
    project_id = await find_project(client, organization, project)
    if project_id is None:
        raise MlgraphError(f"no project {project!r} in {organization!r}")
    return await experiment_id(client, project_id, experiment)
