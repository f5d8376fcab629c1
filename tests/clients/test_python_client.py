"""The Python client (clients/python, issue 14) against a live server: a training script's
``start_run``/``log`` in a thread of its own, as it runs in a real script, reaching the
server over real HTTP, sometimes through a TCP proxy the test takes down to play an outage
(connections refused, or the answer lost after the server committed)."""

from __future__ import annotations

import asyncio
import threading
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import mlgraph
from mlgraph.generated.enums import RunStatus
from tests.conftest import RunningServer, Tenant
from tests.helpers import (
    RUN_FINISH,
    assert_ok,
    create_environment,
    create_model,
    create_project,
    create_version,
    until,
)
from tests.support.health import rule as health_rule
from tests.support.training_queue import CLAIM, queued_job

NONFINITE = """query($id: ID!, $key: String!) { node(id: $id) { ... on Run {
  metric(key: $key) { summary { count nonFinite max last } } } } }"""
POINTS = """query($id: ID!, $key: String!) { node(id: $id) { ... on Run { status params
  experiment { name } metric(key: $key) { summary { count } } } } }"""


class Proxy:
    """Forwards TCP to the server while ``up``; while down, refuses (closes at once), or
    with ``lose_answers`` forwards requests but drops the server's answer."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = True
        self.lose_answers = 0  # answers to drop (each closes its connection)
        self.cut_after: int | None = None  # close the next answer after this many bytes
        self.refused = 0
        self.lost = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()

    def down(self) -> None:
        """Refuse new connections and cut the open ones (kept-alive ones included)."""
        self.up = False
        for writer in list(self.open):
            writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        self.open |= {writer, upstream_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter, answer: bool):  # type: ignore[no-untyped-def]
            try:
                sent = 0
                while data := await source.read(65536):
                    if answer and self.cut_after is not None and sent + len(data) > self.cut_after:
                        sink.write(data[: self.cut_after - sent])
                        await sink.drain()
                        self.cut_after = None
                        self.lost += 1
                        writer.close()  # the answer breaks off part way
                        return
                    sent += len(data)
                    if answer and self.lose_answers:
                        self.lose_answers -= 1
                        self.lost += 1
                        writer.close()  # the client never hears back
                        return
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(
            pipe(reader, upstream_writer, False), pipe(upstream_reader, writer, True)
        )
        self.open -= {writer, upstream_writer}

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


@pytest.fixture
async def proxy(server: RunningServer) -> AsyncIterator[Proxy]:
    port = int(server.base_url.rsplit(":", 1)[1])
    made = Proxy(port)
    made.url = await made.start()  # type: ignore[attr-defined]
    yield made
    await made.stop()


def open_run(url: str, tenant: Tenant, project: str, **options: Any) -> mlgraph.Run:
    options.setdefault("system_metrics", False)  # their own test: counts stay exact here
    return mlgraph.start_run(
        url=url, api_key=tenant.key, organization=tenant.org_slug, project=project,
        experiment=options.pop("experiment", "baseline"), **options,
    )  # fmt: skip


async def stored(tenant: Tenant, run_id: str, key: str) -> dict[str, Any]:
    """The run's status, params, experiment, and ``metric``: how many points ``key`` has."""
    node = (await tenant.client.data(POINTS, {"id": run_id, "key": key}))["node"]
    summary = node["metric"]["summary"]
    return {**node, "metric": {"count": summary["count"]} if summary else None}


async def test_a_training_loop_logs_through_start_run(server, tenant):
    project = await create_project(tenant.client, tenant.org_id)

    def train() -> tuple[str, str]:
        with open_run(server.base_url, tenant, project["slug"], params={"lr": 0.01},
                      batch_points=1000) as run:  # fmt: skip
            for step in range(2500):
                run.log({"loss": 1 / (step + 1), "acc": step / 2500}, step=step)
            run.log({"loss": 0.5})  # no step: the next one (2500)
        again = open_run(server.base_url, tenant, project["slug"])  # the same experiment
        again.finish()
        return run.id, again.id

    run_id, second = await asyncio.to_thread(train)
    made = await stored(tenant, run_id, "loss")
    assert made["status"] == "COMPLETED" and made["params"] == {"lr": 0.01}
    assert made["metric"]["count"] == 2501
    assert (await stored(tenant, run_id, "acc"))["metric"]["count"] == 2500
    other = await stored(tenant, second, "loss")
    assert other["experiment"] == made["experiment"] == {"name": "baseline"}
    assert other["status"] == "COMPLETED" and other["metric"] is None


async def test_an_exception_in_the_block_fails_the_run_and_bad_input_fails_at_once(server, tenant):
    project = await create_project(tenant.client, tenant.org_id)

    def train() -> str:
        with pytest.raises(RuntimeError), open_run(server.base_url, tenant, project["slug"]) as run:
            run.log({"loss": 1.0}, step=0)
            # Programming errors only, each saying how to fix it.
            for bad, kind, error in (({" loss": 1.0}, ValueError, "key"),
                                     ({"loss": "high"}, TypeError, "log numbers"),
                                     ([("loss", 1.0)], TypeError, "mapping")):  # fmt: skip
                with pytest.raises(kind, match=error):
                    run.log(bad)  # type: ignore[arg-type]
            with pytest.raises(ValueError, match="step"):
                run.log({"loss": 1.0}, step=-1)
            raise RuntimeError("diverged")
        return run.id

    run_id = await asyncio.to_thread(train)
    failed = await stored(tenant, run_id, "loss")
    assert failed["status"] == "FAILED" and failed["metric"]["count"] == 1
    reason = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Run { failureReason } } }", {"id": run_id}
    )
    assert reason["node"]["failureReason"] == "RuntimeError: diverged"


async def test_nothing_about_the_data_or_the_server_breaks_the_loop(server, tenant):
    """NaN and Infinity, a run finished by someone else mid-training: the loop goes on, the
    `with` block ends without raising, code after it runs, and the run says what happened."""
    project = await create_project(tenant.client, tenant.org_id)
    first_steps_stored = threading.Event()
    finished_elsewhere = threading.Event()
    after_the_block: list[str] = []
    run_ids: list[str] = []

    def train() -> mlgraph.Run:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with open_run(server.base_url, tenant, project["slug"], batch_points=10,
                          flush_interval=0.05) as run:  # fmt: skip
                for step in range(20):
                    run.log({"loss": float("nan") if step % 5 == 4 else 1.0 / (step + 1),
                             "grad": float("inf") if step == 7 else 0.5}, step=step)  # fmt: skip
                run.flush()
                after_nan = run.id
                run_ids.append(run.id)
                first_steps_stored.set()
                finished_elsewhere.wait(30)  # another client ends the run here
                for step in range(20, 60):
                    run.log({"loss": 0.1}, step=step)
            after_the_block.append(after_nan)  # saving the model, say
        run.warnings = [str(w.message) for w in caught if w.category is mlgraph.RunWarning]  # type: ignore[attr-defined]
        return run

    training = asyncio.ensure_future(asyncio.to_thread(train))
    await until(first_steps_stored.is_set, "the first twenty steps are stored")
    run_id = run_ids[0]
    assert_ok(await tenant.client.mutate(RUN_FINISH, {"runId": run_id, "status": "KILLED"}))
    finished_elsewhere.set()
    run = await training
    assert after_the_block == [run_id]
    # NaN and Infinity are stored as they are: four NaN losses, one infinite gradient.
    losses = await tenant.client.data(NONFINITE, {"id": run_id, "key": "loss"})
    loss = losses["node"]["metric"]["summary"]
    assert (loss["count"], loss["nonFinite"], loss["max"]) == (20, 4, 1.0)
    grads = await tenant.client.data(NONFINITE, {"id": run_id, "key": "grad"})
    assert grads["node"]["metric"]["summary"]["nonFinite"] == 1
    assert (await stored(tenant, run_id, "loss"))["status"] == "KILLED"  # not overwritten
    assert any("finished elsewhere" in str(e) for e in run.errors), run.errors
    assert run.dropped_points == 40  # everything logged after it ended
    said = "\n".join(run.warnings)
    assert "finished elsewhere" in said and "nan" not in said


async def test_the_client_says_which_server_and_why(server, tenant):
    """A bad key and a server that is not there, as a new user first meets them."""
    project = await create_project(tenant.client, tenant.org_id)
    with pytest.raises(mlgraph.MlgraphError) as refused:
        await asyncio.to_thread(mlgraph.start_run, url=server.base_url, api_key="mlg_0000_nope",
                                organization=tenant.org_slug, project=project["slug"],
                                experiment="e")  # fmt: skip
    message = str(refused.value)
    assert server.base_url in message and "refused the API key (HTTP 401" in message
    assert "MLGRAPH_API_KEY" in message
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, not listening
        with pytest.raises(httpx.ConnectError) as unreachable:
            await asyncio.to_thread(mlgraph.start_run, url=nowhere, api_key=tenant.key,
                                    organization=tenant.org_slug, project=project["slug"],
                                    experiment="e")  # fmt: skip
    assert f"cannot reach the mlgraph server at {nowhere}" in str(unreachable.value)


async def test_finish_gives_up_on_an_unreachable_server_and_the_program_goes_on(tenant, proxy):
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"],
                                  finish_timeout=0.5, flush_interval=0.05)  # fmt: skip
    proxy.down()
    for step in range(100):
        run.log({"loss": 1.0}, step=step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await asyncio.to_thread(run.finish)  # returns: no exception, no endless wait
    assert run.dropped_points == 100
    assert any("took no points" in str(e) for e in run.errors)
    assert any("could not mark the run COMPLETED" in str(e) for e in run.errors)
    assert any(w.category is mlgraph.RunWarning for w in caught)


async def test_points_logged_during_an_outage_arrive_once_it_ends(tenant, proxy):
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"],
                                  batch_points=100, flush_interval=0.05)  # fmt: skip
    proxy.down()
    for step in range(500):
        run.log({"loss": float(step)}, step=step)
    await until(lambda: run.retries >= 3, "the client retries while the server is away")
    assert proxy.refused >= 1
    proxy.up = True
    proxy.lose_answers = 2  # the next answers are lost after the server committed
    await asyncio.to_thread(run.flush)
    assert proxy.lost == 2
    await asyncio.to_thread(run.finish)
    assert (await stored(tenant, run.id, "loss"))["metric"]["count"] == 500  # none twice


async def test_a_full_buffer_drops_the_oldest_with_a_warning(tenant, proxy):
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"],
                                  batch_points=50, max_buffered_points=100,
                                  on_full="drop_oldest")  # fmt: skip
    proxy.down()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for step in range(1000):
            run.log({"loss": float(step)}, step=step)
    assert [w.category for w in caught] == [mlgraph.BufferFullWarning]  # once, not per drop
    assert run.buffered_points <= 100 and run.dropped_points >= 850
    proxy.up = True
    await asyncio.to_thread(run.finish)
    count = (await stored(tenant, run.id, "loss"))["metric"]["count"]
    assert count == 1000 - run.dropped_points  # nothing else lost: the newest all arrived


async def test_a_full_buffer_blocks_the_logger_until_the_server_is_back(tenant, proxy):
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"],
                                  batch_points=50, max_buffered_points=100)  # fmt: skip
    proxy.down()
    logged = []

    def loop() -> None:
        for step in range(300):
            run.log({"loss": float(step)}, step=step)
            logged.append(step)

    logger = threading.Thread(target=loop)
    logger.start()
    await until(lambda: run.blocked_logs >= 1, "log() waits for room")
    assert logger.is_alive() and len(logged) < 300 and run.buffered_points <= 100
    proxy.up = True
    await asyncio.to_thread(logger.join)
    await asyncio.to_thread(run.finish)
    assert (await stored(tenant, run.id, "loss"))["metric"]["count"] == 300


async def test_registry_predictions_and_live_streams_through_client(server, tenant):
    project = await create_project(tenant.client, tenant.org_id)
    model = await create_model(tenant.client, project["id"])
    run = await asyncio.to_thread(open_run, server.base_url, tenant, project["slug"])
    run.log({"loss": 0.9}, step=0)
    await asyncio.to_thread(run.flush)

    async with mlgraph.Client(server.base_url, tenant.key) as client:
        version = await client.register_model_version(model["id"], "2.0.0", run_id=run.id,
                                                      metrics={"auc": 0.91})  # fmt: skip
        assert version.run is not None and version.run.id == run.id
        alias = await client.set_alias(model["id"], "champion", version.id)
        assert alias.model_version is not None and alias.model_version.version == "2.0.0"
        moved = await client.transition(version.id, "STAGING")
        assert moved.model_version is not None and moved.model_version.stage.value == "STAGING"
        with pytest.raises(mlgraph.UserErrors) as refused:
            await client.register_model_version(model["id"], "2.0.0")
        assert refused.value.codes == ["CONFLICT"]

        stream = client.run_metrics(run.id, keys=["loss"])
        replay = await anext(stream)
        assert [(p.step, p.value) for p in replay.points] == [(0, 0.9)] and replay.replay
        run.log({"loss": 0.5}, step=1)
        await asyncio.to_thread(run.flush)
        live = await anext(stream)
        assert [(p.step, p.value) for p in live.points] == [(1, 0.5)]
        await stream.aclose()

        alerts = client.alerts(tenant.org_id, min_severity="HIGH")
        waiting = asyncio.ensure_future(anext(alerts))
        opened = None
        for _ in range(100):  # the subscription is live once an alert opened now arrives
            made = await tenant.client.mutate(ALERT_CREATE, {
                "organizationId": tenant.org_id, "severity": "CRITICAL", "title": "hot"})  # fmt: skip
            opened = assert_ok(made)["alert"]["id"]
            done, _ = await asyncio.wait({waiting}, timeout=0.2)
            if done:
                break
        alert = await waiting
        assert alert.severity.value == "CRITICAL" and alert.title == "hot"
        assert opened is not None
        await alerts.aclose()

        deployment = await deploy(tenant, model["id"])
        recorded = await client.record_predictions(deployment, [
            {"latencyMs": 12.5, "confidence": 0.9, "output": {"label": "fraud"}},
            {"latencyMs": 30.0}])  # fmt: skip
        assert recorded.recorded_count == 2
    await asyncio.to_thread(run.finish, RunStatus.KILLED)
    assert (await stored(tenant, run.id, "loss"))["status"] == "KILLED"


ALERT_CREATE = """mutation($input: AlertCreateInput!) {
  alertCreate(input: $input) { alert { id } userErrors { field code message } } }"""


async def deploy(tenant: Tenant, model_id: str) -> str:
    from tests.helpers import create_deployment, create_environment

    version = await create_version(tenant.client, model_id, "9.0.0")
    environment = await create_environment(tenant.client, tenant.org_id)
    return (await create_deployment(tenant.client, version["id"], environment["id"]))["id"]


async def run_script(
    server: RunningServer, tenant: Tenant, tmp_path: Any, source: str
) -> tuple[bytes, bytes]:
    """A training script run as its own program (argv: organization, a new project's slug);
    its stdout and stderr, after it exited 0."""
    import os
    import sys

    project = await create_project(tenant.client, tenant.org_id)
    script = tmp_path / "train.py"
    script.write_text(source)
    env = {**os.environ, "MLGRAPH_URL": server.base_url, "MLGRAPH_API_KEY": tenant.key}
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), tenant.org_slug, project["slug"], env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out, err


SCRIPT = """
import os, sys
import mlgraph

run = mlgraph.start_run(organization=sys.argv[1], project=sys.argv[2], experiment="script")
for step in range(1000):
    run.log({"loss": 1 / (step + 1)}, step=step)
print(run.id)
# no finish, no flush: the interpreter's exit delivers what was logged
"""


async def test_a_script_that_exits_without_finishing_still_delivers_its_points(
    server, tenant, tmp_path
):
    out, _ = await run_script(server, tenant, tmp_path, SCRIPT)
    run = await stored(tenant, out.decode().strip(), "loss")
    assert run["metric"] == {"count": 1000} and run["status"] == "RUNNING"


CONSOLE_SCRIPT = """
import sys
import mlgraph

with mlgraph.start_run(organization=sys.argv[1], project=sys.argv[2], experiment="console",
                       flush_interval=0.05) as run:
    print("epoch 1: loss 0.5")
    print("careful: slow disk", file=sys.stderr)
    for percent in (10, 50, 100):  # a progress bar: redrawn in place
        sys.stdout.write(f"\\rprogress {percent}%")
    sys.stdout.write("\\n")
    run.log({"loss": 0.5}, step=0)
    print("done", end="")  # no newline: kept when the run ends
print(run.id, file=sys.stderr)
"""
CONSOLE = """query($id: ID!, $after: String) { node(id: $id) { ... on Run {
  logs(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
    nodes { lineNumber stream text } } } } }"""


async def console_texts(tenant: Tenant, run_id: str) -> list[str]:
    texts: list[str] = []
    after = None
    while True:
        logs = (await tenant.client.data(CONSOLE, {"id": run_id, "after": after}))["node"]["logs"]
        texts += [line["text"] for line in logs["nodes"]]
        if not logs["pageInfo"]["hasNextPage"]:
            return texts
        after = logs["pageInfo"]["endCursor"]


async def test_a_script_s_console_reaches_its_terminal_and_the_run(server, tenant, tmp_path):
    out, err = await run_script(server, tenant, tmp_path, CONSOLE_SCRIPT)
    # The terminal got everything, unchanged.
    assert out.decode() == "epoch 1: loss 0.5\n\rprogress 10%\rprogress 50%\rprogress 100%\ndone"
    run_id = err.decode().strip().splitlines()[-1]
    assert "careful: slow disk" in err.decode()
    lines = (await tenant.client.data(CONSOLE, {"id": run_id}))["node"]["logs"]["nodes"]
    assert [(line["stream"], line["text"]) for line in lines] == [
        ("STDOUT", "epoch 1: loss 0.5"),
        ("STDERR", "careful: slow disk"),
        ("STDOUT", "progress 100%"),  # as the terminal shows it
        ("STDOUT", "done"),
    ]
    assert [line["lineNumber"] for line in lines] == [1, 2, 3, 4]


async def test_console_lines_printed_during_an_outage_arrive_once_and_in_order(tenant, proxy):
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"], flush_interval=0.05)
    proxy.down()
    for number in range(300):
        print(f"line {number}")
    print("a NUL \x00 in the output")  # the server takes no NUL: the client replaces it
    await until(lambda: run.retries >= 3, "the client retries while the server is away")
    proxy.up = True
    proxy.lose_answers = 1  # the answer to the next batch is lost after the server stored it
    await asyncio.to_thread(run.flush)
    await asyncio.to_thread(run.finish)
    assert proxy.lost == 1
    texts = await console_texts(tenant, run.id)
    assert (run.errors, run.sent_lines, run.dropped_lines) == ([], 301, 0)
    assert texts == [*(f"line {number}" for number in range(300)), "a NUL \ufffd in the output"]
    assert run.dropped_lines == 0 and run.sent_lines == 301


async def test_capture_is_off_on_request_and_the_streams_come_back(server, tenant):
    import sys

    project = await create_project(tenant.client, tenant.org_id)
    before = sys.stdout
    run = await asyncio.to_thread(
        open_run, server.base_url, tenant, project["slug"], capture_console=False
    )
    assert sys.stdout is before
    print("not captured")
    await asyncio.to_thread(run.finish)
    captured = await asyncio.to_thread(open_run, server.base_url, tenant, project["slug"])
    assert sys.stdout is not before
    await asyncio.to_thread(captured.finish)
    assert sys.stdout is before
    for run_id in (run.id, captured.id):
        data = await tenant.client.data(CONSOLE, {"id": run_id})
        assert data["node"]["logs"]["nodes"] == []


KEYS = """query($id: ID!) { node(id: $id) { ... on Run {
  metricKeys metricSummary { key count last } } } }"""


async def test_system_metrics_are_logged_beside_the_loss(server, tenant, monkeypatch):
    """CPU and memory from the machine itself; GPUs faked at the NVML boundary (this
    machine has none), as a machine with two would read."""
    import mlgraph.system

    project = await create_project(tenant.client, tenant.org_id)
    gpus = [
        {"utilization_percent": 97.0, "memory_percent": 50.0, "memory_used_mb": 8192.0,
         "power_w": 250.5},
        {"utilization_percent": 3.0, "memory_percent": 1.0, "memory_used_mb": 160.0},
    ]  # fmt: skip
    monkeypatch.setattr(mlgraph.system, "read_gpus", lambda: gpus)
    run = await asyncio.to_thread(
        open_run, server.base_url, tenant, project["slug"], system_metrics=True,
        system_metrics_interval=0.05,
    )  # fmt: skip
    run.log({"loss": 0.5}, step=0)
    await until(lambda: run.system_samples >= 3, "three samples taken")
    await asyncio.to_thread(run.finish)
    node = (await tenant.client.data(KEYS, {"id": run.id}))["node"]
    keys = set(node["metricKeys"])
    assert {"loss", "system/cpu_percent", "system/memory_percent", "system/process_rss_mb",
            "system/gpu.0.utilization_percent", "system/gpu.0.power_w",
            "system/gpu.1.memory_used_mb"} <= keys  # fmt: skip
    assert "system/gpu.1.power_w" not in keys  # a board that does not report power
    summary = {s["key"]: s for s in node["metricSummary"]}
    assert summary["system/gpu.0.power_w"]["last"] == 250.5
    assert summary["system/cpu_percent"]["count"] >= 3
    assert 0 < summary["system/process_rss_mb"]["last"] < 1_000_000


async def test_without_nvml_there_are_no_gpu_keys_and_sampling_can_be_off(
    server, tenant, monkeypatch
):
    import mlgraph.tracking
    from mlgraph.system import SystemSampler, read_gpus

    assert read_gpus() == []  # no nvidia-ml-py here: nothing, and no error
    sample = SystemSampler().sample()
    assert not any("gpu" in key for key in sample) and "system/cpu_percent" in sample

    class NoSampler:
        def __init__(self) -> None:
            raise AssertionError("system_metrics=False made a sampler")

    monkeypatch.setattr(mlgraph.tracking, "SystemSampler", NoSampler)
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(
        open_run, server.base_url, tenant, project["slug"], system_metrics=False
    )
    await asyncio.to_thread(run.finish)
    assert run.system_samples == 0


DEPLOYMENT_STATE = """query($id: ID!) { node(id: $id) { ... on Deployment {
  name modelVersion { version artifactUri } alertRules: project { alertRules { nodes { name } } }
  monitoringMetrics(first: 10) { nodes { name value } } } } }"""


async def test_the_lifecycle_by_name_one_call_each(server, tenant, tmp_path):  # type: ignore[no-untyped-def]
    from tests.helpers import create_environment
    from tests.support.logs import append

    environment = await create_environment(tenant.client, tenant.org_id)
    async with mlgraph.Client(url=server.base_url, api_key=tenant.key) as client:
        project = await client.project("lifecycle", organization=tenant.org_slug)
        assert await client.project("lifecycle", organization=tenant.org_slug) == project
        experiment = await client.experiment("baseline", project_id=project)
        assert await client.experiment("baseline", project_id=project) == experiment
        run = await asyncio.to_thread(
            mlgraph.start_run, url=server.base_url, api_key=tenant.key,
            experiment_id=experiment, capture_console=False, system_metrics=False,
        )  # fmt: skip
        weights = tmp_path / "model.pkl"
        weights.write_bytes(b"w" * 300_000)
        stored = await client.log_artifact(run.id, weights, "model/model.pkl")
        assert stored["sizeBytes"] == 300_000
        version = await client.register_version_of(
            "churn", "1.0.0", project_id=project, run_id=run.id, run_artifact_path="model"
        )
        model = await client.model("churn", project_id=project)  # found, not made again
        await client.set_alias(model, "champion", version.id)
        moved = await client.transition(version.id, "STAGING")
        assert moved.model_version is not None and moved.model_version.stage.value == "STAGING"
        deployment = await client.deploy(
            version.id, environment=environment["name"], organization=tenant.org_slug,
            name="churn-live",
        )  # fmt: skip
        await client.add_alert_rule(
            project_id=project, name="slow", metric="latency_p95", comparator="GT",
            threshold=100.0, deployment_id=deployment,
        )  # fmt: skip
        assert await client.record_monitoring_metrics(deployment, {"latency_p95": 42.0}) == 1
        back = await client.download_artifact(run.id, "model/model.pkl", tmp_path / "back.pkl")
        assert back.read_bytes() == weights.read_bytes()
        await append(tenant.client, run.id, ["epoch 1", "epoch 2"])
        async for batch in client.follow_logs(run.id):
            assert [line.text for line in batch.lines] == ["epoch 1", "epoch 2"]
            assert batch.cursor == "2"
            break
        await asyncio.to_thread(run.finish)
    state = (await tenant.client.data(DEPLOYMENT_STATE, {"id": deployment}))["node"]
    assert state["name"] == "churn-live"
    assert state["modelVersion"] == {"version": "1.0.0", "artifactUri": f"runs:/{run.id}/model"}
    assert {"name": "slow"} in state["alertRules"]["alertRules"]["nodes"]
    assert state["monitoringMetrics"]["nodes"] == [{"name": "latency_p95", "value": 42.0}]


async def test_a_full_console_buffer_drops_the_oldest_lines_and_says_so(server, tenant):  # type: ignore[no-untyped-def]
    """The program prints faster than lines can go (here: the sender waits a minute
    between sends): printing never blocks or raises; the oldest lines give way, are
    counted, and finish says so."""
    project = await create_project(tenant.client, tenant.org_id)
    run = await asyncio.to_thread(
        open_run, server.base_url, tenant, project["slug"], flush_interval=60.0,
        max_buffered_lines=50,
    )  # fmt: skip
    for number in range(200):
        print(f"line {number}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await asyncio.to_thread(run.finish)
    assert run.dropped_lines == 150 and run.sent_lines == 50
    assert any("150 console lines" in str(w.message) for w in caught)
    assert await console_texts(tenant, run.id) == [f"line {n}" for n in range(150, 200)]


async def test_a_refused_console_batch_leaves_the_numbering_in_step(database_url, tenant):  # type: ignore[no-untyped-def]
    """A batch the server refuses for good (here: past a run's lines a minute, set to 7)
    is counted as dropped and takes no line numbers: the next batch takes them, so when
    that batch's answer is lost and it is sent again, the server recognises it (the same
    numbers, the same texts) and stores nothing twice."""
    from dataclasses import replace

    from app.settings import Settings
    from tests.conftest import TEST_LIMITS, TEST_SETTINGS, serve

    limits = replace(TEST_LIMITS, log_lines_per_minute=7)
    settings = Settings(database_url=database_url, **{**TEST_SETTINGS, "limits": limits})  # type: ignore[arg-type]
    async with serve(settings) as limited:
        lossy = Proxy(int(limited.base_url.rsplit(":", 1)[1]))
        url = await lossy.start()
        project = await create_project(tenant.client, tenant.org_id)
        run = await asyncio.to_thread(open_run, url, tenant, project["slug"], flush_interval=60.0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for batch, count in (("a", 3), ("b", 5), ("c", 2)):  # 3 taken; 3+5 > 7 refused
                for number in range(count):
                    print(f"{batch}{number}")
                if batch == "c":
                    lossy.lose_answers = 1  # stored (3+2 <= 7), but the answer is lost
                await asyncio.to_thread(run.flush)
            await asyncio.to_thread(run.finish)
        await lossy.stop()
    assert lossy.lost == 1
    assert (run.sent_lines, run.dropped_lines) == (5, 5)
    assert any("7 log lines a minute" in str(w.message) for w in caught)
    assert await console_texts(tenant, run.id) == ["a0", "a1", "a2", "c0", "c1"]


async def test_the_client_searches_and_compares_runs(server, tenant):  # type: ignore[no-untyped-def]
    """Client.search_runs takes the run query language; Client.compare_runs returns the
    grouped curves as columns (mean ± std per step bucket)."""
    async with mlgraph.Client(url=server.base_url, api_key=tenant.key) as client:
        project = await client.project("comparing", organization=tenant.org_slug)
        experiment = await client.experiment("seeds", project_id=project)
        for optimizer in ("adam", "sgd"):
            for seed in (1, 2):
                run = await asyncio.to_thread(
                    mlgraph.start_run, url=server.base_url, api_key=tenant.key,
                    experiment_id=experiment, name=f"{optimizer}-{seed}",
                    params={"optimizer": optimizer, "seed": seed},
                    capture_console=False, system_metrics=False,
                )  # fmt: skip
                for step in range(10):
                    run.log({"loss": (1 if optimizer == "adam" else 2) + seed + step}, step=step)
                await asyncio.to_thread(run.finish)
        found = await client.search_runs(
            experiment, "params.optimizer = 'sgd' and metrics.loss.max > 11",
            order_by="METRIC_DESC", order_key="loss",
        )  # fmt: skip
        assert [r.name for r in found] == ["sgd-2", "sgd-1"]
        assert [r.name for r in await client.search_runs(experiment, limit=3)] != []
        with pytest.raises(mlgraph.MlgraphError, match="at character 14"):
            await client.search_runs(experiment, "params.seed >")
        compared = await client.compare_runs(experiment, ["loss"], group_by=["optimizer"])
        # Live: the whole comparison, then only what a new run's point changed.
        watching = client.watch_comparison(
            experiment, ["loss"], group_by=["optimizer"], max_points=50
        )
        first = await anext(watching)
        assert first.reset and first.comparison.step_to == 49  # twice the steps logged
        assert sorted(g.params["optimizer"] for g in first.comparison.groups) == ["adam", "sgd"]
        run = await asyncio.to_thread(
            mlgraph.start_run, url=server.base_url, api_key=tenant.key,
            experiment_id=experiment, name="adam-3", params={"optimizer": "adam", "seed": 3},
            capture_console=False, system_metrics=False,
        )  # fmt: skip
        run.log({"loss": 100.0}, step=12)
        await asyncio.to_thread(run.finish)
        update = await anext(watching)
        await watching.aclose()
    assert not update.reset
    [changed] = update.comparison.groups
    assert changed.params == {"optimizer": "adam"} and changed.run_count == 3
    assert changed.series[0].step_start == [12] and changed.series[0].mean == [100.0]
    assert compared.bucket_size == 1
    groups = {group.params["optimizer"]: group for group in compared.groups}
    [adam] = groups["adam"].series
    assert adam.step_start == list(range(10))
    assert adam.mean == [2.5 + step for step in range(10)] and adam.runs == [2] * 10
    assert adam.min == [2.0 + step for step in range(10)]
    assert groups["sgd"].series[0].max == [4.0 + step for step in range(10)]


async def test_exports_arrive_as_tables_even_when_the_stream_breaks(tenant, proxy):  # type: ignore[no-untyped-def]
    """export_points returns a pyarrow Table; a stream cut part way is asked for again
    (after the last whole page of runs) and nothing is lost or doubled."""
    async with mlgraph.Client(url=proxy.url, api_key=tenant.key) as client:
        project = await client.project("exporting", organization=tenant.org_slug)
        experiment = await client.experiment("e", project_id=project)
        for seed in range(3):
            run = await asyncio.to_thread(
                open_run, proxy.url, tenant, "exporting", experiment="e", params={"seed": seed},
                capture_console=False,
            )  # fmt: skip
            for step in range(2000):
                run.log({"loss": 1 / (1 + step), "acc": step / 2000}, step=step)
            await asyncio.to_thread(run.finish)
        runs = await client.export_runs(experiment, query="params.seed >= 1")
        assert runs.num_rows == 2 and "metrics" in runs.column_names
        proxy.cut_after = 20_000  # inside the first (and only) page of points
        points = await client.export_points(experiment, keys=["loss"])
    assert proxy.lost == 1
    assert points.num_rows == 3 * 2000
    by_run = points.group_by("run_id").aggregate([("step", "count_distinct")])
    assert by_run.column("step_count_distinct").to_pylist() == [2000] * 3
    async with mlgraph.Client(url=proxy.url, api_key=tenant.key) as client:
        buckets = await client.export_points(experiment, keys=["acc"], bucket_size=500)
    assert buckets.num_rows == 3 * 4
    assert buckets.column("count").to_pylist() == [500] * 12
    assert buckets.column("last_step").to_pylist()[:4] == [499, 999, 1499, 1999]


async def test_a_health_rule_stops_the_training_loop_through_its_job(server, tenant):
    """A worker's script logs to a run of the job it claimed; the loss turns NaN, a health
    rule with cancelJob cancels the job, the next heartbeat is refused, and the loop stops
    with the server's reason: run.should_stop, then TrainingStopped from log, and the run
    ends KILLED with that reason."""
    project = await create_project(tenant.client, tenant.org_id)
    environment = (await create_environment(tenant.client, tenant.org_id))["id"]
    await health_rule(tenant.client, project["id"], {"nonFinite": {"metricKey": "loss"}},
                      name="nan-loss", cancelJob=True)  # fmt: skip
    ids = {"project": project["id"], "environment": environment}
    job = await queued_job(tenant.client, ids)
    claimed = await tenant.client.mutate(CLAIM, {"worker": "gpu-node-7", "limit": 1})
    assert [j["id"] for j in assert_ok(claimed)["trainingJobs"]] == [job]
    with pytest.raises(ValueError, match="names its worker"):  # before any run is made
        open_run(server.base_url, tenant, project["slug"], training_job=job)

    def train() -> tuple[str, str, list[str]]:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with pytest.raises(mlgraph.TrainingStopped) as stopped, open_run(
                server.base_url, tenant, project["slug"], training_job=job,
                worker="gpu-node-7", heartbeat_interval=0.05) as run:  # fmt: skip
                for step in range(5):
                    run.log({"loss": 1.0 / (step + 1)}, step=step)
                run.log({"loss": float("nan")}, step=5)
                assert run.flush(timeout=60)
                for _ in range(6000):  # the next heartbeat learns it (a state, not a time)
                    if run.should_stop:
                        break
                    threading.Event().wait(0.01)
                run.log({"loss": 0.1}, step=6)
        return run.id, str(stopped.value), [str(w.message) for w in seen]

    run_id, message, said = await asyncio.to_thread(train)
    assert f"training job {job} was stopped" in message
    assert "health rule 'nan-loss' fired: loss is nan at step 5" in message
    assert any("the server stopped training job" in w for w in said)
    state = await tenant.client.data(
        """query($run: ID!, $job: ID!) {
             run: node(id: $run) { ... on Run { status failureReason } }
             job: node(id: $job) { ... on TrainingJob { status run { id } } } }""",
        {"run": run_id, "job": job},
    )
    assert state["job"] == {"status": "CANCELLED", "run": {"id": run_id}}
    assert state["run"]["status"] == "KILLED"
    assert "health rule 'nan-loss' fired" in state["run"]["failureReason"]


async def test_health_rules_and_gpu_usage_through_the_client(server, tenant):  # type: ignore[no-untyped-def]
    """One call each: a health rule (its condition as the schema names it; a malformed one
    is a ValueError before any request) and the organization's GPU-hours."""
    async with mlgraph.Client(url=server.base_url, api_key=tenant.key) as client:
        project = await client.project("health", organization=tenant.org_slug)
        experiment = await client.experiment("baseline", project_id=project)
        spike = {"spike": {"metricKey": "loss", "steps": 50, "zScore": 5}}
        rule_id = await client.add_health_rule(project_id=project, name="spikes", condition=spike)
        assert rule_id
        for bad in ({}, {"nonFinite": {}, "stall": {"seconds": 5}}, {"nan": {}}):
            with pytest.raises(ValueError, match="condition"):
                await client.add_health_rule(project_id=project, name="x", condition=bad)
        with pytest.raises(mlgraph.UserErrors, match="zScore|z"):
            await client.add_health_rule(project_id=project, name="x",
                                         condition={"spike": {"metricKey": "loss", "zScore": 0}})  # fmt: skip

        def train() -> str:
            with mlgraph.start_run(url=server.base_url, api_key=tenant.key,
                                   experiment_id=experiment, capture_console=False,
                                   system_metrics=False) as run:  # fmt: skip
                for step in range(60):
                    run.log({"loss": 1.0 + 0.01 * ((step * 7) % 5 - 2)}, step=step)
                run.log({"loss": 9.0}, step=60)
            return run.id

        run_id = await asyncio.to_thread(train)
        [total] = await client.gpu_usage(tenant.org_slug)
        assert (total.jobs, total.gpu_hours) == (0, 0.0)
    alerts = await tenant.client.data(
        "query($id: ID!) { node(id: $id) { ... on Run { alerts { nodes { title } } } } }",
        {"id": run_id},
    )
    [alert] = alerts["node"]["alerts"]["nodes"]
    assert alert["title"].startswith("spikes: loss spiked to 9 at step 60")


async def test_a_job_s_run_keeps_training_through_an_outage_of_its_heartbeats(tenant, proxy):
    """The server away is not the job stopped: heartbeats that cannot be delivered are said
    once (a warning, run.errors), retried at every beat, and the loop goes on; back, the
    run finishes as usual with every point."""
    project = await create_project(tenant.client, tenant.org_id)
    environment = (await create_environment(tenant.client, tenant.org_id))["id"]
    job = await queued_job(tenant.client, {"project": project["id"], "environment": environment})
    assert_ok(await tenant.client.mutate(CLAIM, {"worker": "node-1", "limit": 1}))
    run = await asyncio.to_thread(open_run, proxy.url, tenant, project["slug"], training_job=job,
                                  worker="node-1", heartbeat_interval=0.05,
                                  flush_interval=0.05)  # fmt: skip
    proxy.down()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", mlgraph.RunWarning)
        for step in range(100):
            run.log({"loss": float(step)}, step=step)
        await until(lambda: run.retries >= 6, "heartbeats and batches retried while away")
        said = [e for e in run.errors if "heartbeat" in str(e)]
        assert len(said) == 1 and not run.should_stop
        run.log({"loss": 100.0}, step=100)  # the loop goes on
        proxy.up = True
        assert await asyncio.to_thread(run.flush, 60)
        await asyncio.to_thread(run.finish)
    assert not run.should_stop
    finished = await stored(tenant, run.id, "loss")
    assert finished["status"] == "COMPLETED" and finished["metric"]["count"] == 101
