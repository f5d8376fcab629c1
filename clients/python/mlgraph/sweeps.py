"""A sweep's agent: claim its trials one after another and train each.

    def train(trial):
        model = build(lr=trial.params["lr"], layers=trial.params["layers"])
        for step in range(1000):
            trial.run.log({"val/loss": model.step()}, step=step)

    mlgraph.sweep_agent(sweep_id, train)

Each claim (``sweepTrialClaim``) hands this worker the sweep's next trial — a queued one,
or a new one the sampler proposes — with a run that holds its params; ``train(trial)``
logs to ``trial.run`` (a ``mlgraph.Run``, whose heartbeats keep the trial's lease). Then:
- ``train`` returned: the run is COMPLETED and the trial's job SUCCEEDED (the sweep scores
  it by the last value of its metric);
- the sweep stopped the trial early (its rule, or the sweep was stopped): ``trial.run.log``
  raised ``TrainingStopped`` (or ``trial.run.should_stop`` turned true and ``train``
  returned): the run is KILLED with the reason and the agent goes on;
- ``train`` raised: the run and the job FAIL with the error, a warning shows it, and the
  agent goes on — unless ``max_consecutive_failures`` trials in a row failed, which is a
  bug in ``train``: then the last error is raised;
- Ctrl-C: the run is KILLED and KeyboardInterrupt raised; the trial goes back to the queue
  when its lease runs out, for another agent.
With no trial to hand out, the agent waits ``poll_interval`` seconds while others' trials
are active (one whose worker dies comes back to the queue) and returns once the sweep has
finished or was stopped, or after ``count`` trials. A server that is away is waited for
(said once by a warning), never a reason to stop."""

from __future__ import annotations

import os
import socket
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mlgraph.client import MlgraphError, UserErrors, check, graphql_client, settings
from mlgraph.generated.enums import RunStatus, SweepStatus, TrainingJobStatus
from mlgraph.generated.input_types import SweepTrialClaimInput, TrainingJobTransitionInput
from mlgraph.tracking import (
    Run,
    RunWarning,
    TrainingStopped,
    _Sender,
    check_job_options,
    is_transient,
    start_run,
)

MAX_WAIT = 60.0  # seconds between claims while the server is away, at most


@dataclass(frozen=True)
class Trial:
    """One trial of a sweep, this worker's while ``train`` runs."""

    id: str
    number: int
    params: dict[str, Any]
    run: Run
    training_job: str
    sweep_id: str


@dataclass
class AgentReport:
    """The trials this agent ran, by how they ended (their ids)."""

    completed: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)  # early, or the sweep was stopped
    failed: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.completed) + len(self.stopped) + len(self.failed)


def sweep_agent(
    sweep_id: str,
    train: Callable[[Trial], object],
    *,
    count: int | None = None,
    worker: str | None = None,
    url: str | None = None,
    api_key: str | None = None,
    lease_seconds: int = 60,
    heartbeat_interval: float = 10.0,
    poll_interval: float = 5.0,
    max_consecutive_failures: int = 3,
    timeout: float = 30.0,
    **run_options: Any,
) -> AgentReport:
    """Train the sweep's trials until it has none left (or ``count`` of them); see the
    module's docstring. ``worker`` defaults to ``MLGRAPH_WORKER``, else host-pid;
    ``run_options`` go to each trial's run (``mlgraph.start_run``'s logging options)."""
    if not callable(train):
        raise TypeError("train is a function taking the trial: def train(trial): ...")
    if count is not None and count < 1:
        raise ValueError("count is at least 1 (or None: until the sweep has no trials left)")
    if max_consecutive_failures < 1 or poll_interval <= 0:
        raise ValueError("max_consecutive_failures is at least 1 and poll_interval positive")
    worker = worker or os.environ.get("MLGRAPH_WORKER") or f"{socket.gethostname()}-{os.getpid()}"
    check_job_options(sweep_id, worker, heartbeat_interval, lease_seconds)
    base, key = settings(url, api_key)
    sender = _Sender(graphql_client(base, key, timeout=timeout))
    report = AgentReport()
    failures = 0
    waited = 0.0
    try:
        while count is None or len(report) < count:
            try:
                claimed = check(
                    sender.call(
                        sender.client.sweep_trial_claim(
                            SweepTrialClaimInput(
                                sweepId=sweep_id, worker=worker, leaseSeconds=lease_seconds
                            )
                        )
                    ).sweep_trial_claim
                )
            except Exception as error:
                if not is_transient(error):
                    raise  # a wrong sweep id, a key without the developer role: say so
                if not waited:
                    warnings.warn(
                        f"mlgraph: the server is unreachable ({error}); the agent waits for it",
                        RunWarning,
                        stacklevel=2,
                    )
                waited = min(MAX_WAIT, max(1.0, waited * 2))
                time.sleep(waited)
                continue
            waited = 0.0
            if claimed.trial is None:
                if claimed.sweep is None or claimed.sweep.status != SweepStatus.RUNNING:
                    break
                time.sleep(poll_interval)  # others' trials are active: one may come back
                continue
            assert claimed.run is not None  # a claimed trial comes with its run
            run = start_run(
                run_id=claimed.run.id,
                name=claimed.run.name,
                url=base,
                api_key=key,
                training_job=claimed.trial.training_job.id,
                worker=worker,
                heartbeat_interval=heartbeat_interval,
                lease_seconds=lease_seconds,
                timeout=timeout,
                **run_options,
            )
            trial = Trial(
                id=claimed.trial.id,
                number=claimed.trial.number,
                params=dict(claimed.trial.params),
                run=run,
                training_job=claimed.trial.training_job.id,
                sweep_id=sweep_id,
            )
            ended = _train(sender, train, trial)
            getattr(report, ended).append(trial.id)
            failures = failures + 1 if ended == "failed" else 0
            if failures >= max_consecutive_failures:
                raise MlgraphError(
                    f"{failures} trials in a row failed: train has a bug (see the warnings); "
                    "the agent stops"
                )
    finally:
        sender.stop()
    return report


def _train(sender: _Sender, train: Callable[[Trial], object], trial: Trial) -> str:
    """Train one trial; how it ended: completed, stopped or failed."""
    run = trial.run
    try:
        train(trial)
    except TrainingStopped as stopped:
        run.finish(RunStatus.KILLED, str(stopped))
        return "stopped"
    except KeyboardInterrupt:
        run.finish(RunStatus.KILLED, "KeyboardInterrupt")
        raise
    except Exception as error:  # noqa: BLE001 - the trial fails, the agent goes on
        reason = f"{type(error).__name__}: {error}"
        warnings.warn(
            f"mlgraph: trial {trial.number} of sweep {trial.sweep_id} failed: {reason}\n"
            + traceback.format_exc(),
            RunWarning,
            stacklevel=3,
        )
        run.finish(RunStatus.FAILED, reason)
        _finish_job(sender, trial, TrainingJobStatus.FAILED, reason[:4000])
        return "failed"
    if run.should_stop:
        run.finish(RunStatus.KILLED, run.stopped)
        return "stopped"
    run.finish(RunStatus.COMPLETED)
    return "completed" if _finish_job(sender, trial, TrainingJobStatus.SUCCEEDED) else "stopped"


def _finish_job(
    sender: _Sender, trial: Trial, status: TrainingJobStatus, error: str | None = None
) -> bool:
    """Report the trial's job; False when the sweep stopped it first (its last points may
    have been what stopped it)."""
    try:
        check(
            sender.call(
                sender.client.training_job_finish(
                    TrainingJobTransitionInput(
                        trainingJobId=trial.training_job, status=status, errorMessage=error
                    )
                )
            ).training_job_transition
        )
    except UserErrors as refused:
        if "INVALID_TRANSITION" in refused.codes:
            return False
        warnings.warn(f"mlgraph: could not report trial {trial.number}: {refused}", RunWarning,
                      stacklevel=3)  # fmt: skip
    except Exception as failed:  # noqa: BLE001 - its lease runs out: it goes back to the queue
        warnings.warn(
            f"mlgraph: could not report trial {trial.number} ({failed}); its lease will run "
            "out and it goes back to the sweep's queue",
            RunWarning,
            stacklevel=3,
        )
    return True
