"""Health rules judged as points arrive, in the transaction that logs them: a breach and
the points that caused it commit together (and a job cancelled by it, with them). The
sweeps that stop trials early are judged here too (app/domain/sweeps/judging.py).

A project without rules costs nothing: the run's lock reads the version of its project's
rules (``projects.rules_version``, bumped by every rule change), and at 0 nothing more is
asked. Otherwise the rules come from a cache keyed by (project, version), so a process
reads a project's rules once per change and never uses ones older than its transaction;
then, only when a SPIKE or DIVERGENCE rule watches a key of the batch, the window before
the batch: from the tail this process kept of the key's last batch, while no other batch
came in since, else with one statement (at most ``steps`` steps per key, from the run's own
partition). The judging itself is numpy over the batch (app/domain/health/rules.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.domain.alert_kinds import AlertSeverity
from app.domain.experiments.points import KeySeries, PointBatch
from app.domain.experiments.services import Logged, run_metrics_log
from app.domain.health.enums import HealthRuleKind
from app.domain.health.firing import Fired, RuleRef, RunRef, fire
from app.domain.health.rules import (
    Breach,
    Window,
    first_divergence,
    first_non_finite,
    first_spike,
)
from app.domain.sweeps.judging import judge_trials
from app.domain.tenancy.access import Actor
from app.process.sized_lru import SizedLRU

RULES_OF_PROJECT = text(
    """
    SELECT h.id, h.name, h.kind, h.metric_key, h.steps, h.z_score, h.rise, h.severity,
           h.cancel_job, h.experiment_id
    FROM health_rules h
    WHERE h.project_id = :project_id AND h.deleted_at IS NULL AND h.enabled
      AND h.kind IN ('non_finite', 'spike', 'divergence')
    ORDER BY h.id
    """
)


@dataclass(frozen=True)
class IngestRule:
    """A rule judged as batches arrive."""

    ref: RuleRef
    experiment_id: uuid.UUID | None
    steps: int | None
    z_score: float | None
    rise: float | None


# (project id, rules version) -> its ingest rules. A version's rules never change, so an
# entry is never stale; the least recently used go first past 4,096 rules in all.
_RULES_CACHE: SizedLRU[tuple[uuid.UUID, int], tuple[IngestRule, ...]] = SizedLRU(
    4096, lambda _, rules: max(1, len(rules))
)


async def _rules(
    session: AsyncSession, project_id: uuid.UUID, version: int
) -> tuple[IngestRule, ...]:
    key = (project_id, version)
    cached = _RULES_CACHE.get(key)
    if cached is not None:
        return cached
    rows = (await session.execute(RULES_OF_PROJECT, {"project_id": project_id})).all()
    rules = tuple(
        IngestRule(
            RuleRef(
                row.id,
                row.name,
                HealthRuleKind(row.kind),
                row.metric_key,
                AlertSeverity(row.severity),
                row.cancel_job,
            ),
            row.experiment_id,
            row.steps,
            row.z_score,
            row.rise,
        )
        for row in rows
    )
    _RULES_CACHE.put(key, rules)
    return rules


# The stored points of each key from step ``low`` on (read after the batch is written, so
# they hold it too): the window before the batch, and the tail kept for the next one.
POINTS_FROM = text(
    """
    SELECT k.key, u.step, u.value
    FROM unnest(CAST(:keys AS varchar[]), CAST(:lows AS int8[])) AS k(key, low)
    JOIN run_metric_chunks c ON c.run_id = :run_id AND c.key = k.key AND c.max_step >= k.low
    CROSS JOIN LATERAL unnest(c.steps, c."values") AS u(step, value)
    WHERE u.step >= k.low
    ORDER BY k.key, u.step
    """
)


@dataclass(frozen=True)
class Tail:
    """Every stored point of a run's key from step ``low`` on, as of the run's ingest
    sequence number ``seq``: while no other batch came in (the run's sequence has not moved
    past ``seq``), the next batch's window is read from here, not from the database."""

    seq: int
    low: int
    steps: np.ndarray
    values: np.ndarray

    def grown(self, new: KeySeries, seq: int, window: int) -> Tail:
        """With the batch's points (a step already here keeps its stored value), cut to
        the last ``window`` steps."""
        if not len(self.steps) or new.steps[0] > self.steps[-1]:  # in order: appended
            steps = np.concatenate([self.steps, new.steps])
            values = np.concatenate([self.values, new.values])
        else:
            steps, first = np.unique(np.concatenate([self.steps, new.steps]), return_index=True)
            values = np.concatenate([self.values, new.values])[first]
        return Tail.cut(seq, self.low, steps, values, window)

    @staticmethod
    def cut(seq: int, low: int, steps: np.ndarray, values: np.ndarray, window: int) -> Tail:
        low = max(low, int(steps[-1]) - window) if len(steps) else low
        keep = steps >= low
        return Tail(seq, low, steps[keep], values[keep])


# (run id, key) -> its tail; the least recently used go first past 64 MiB of points (a
# tail holds up to a window's 10,000 steps: a count alone would not bound the memory).
_TAILS: SizedLRU[tuple[uuid.UUID, str], Tail] = SizedLRU(
    64 * 1024 * 1024, lambda _, tail: tail.steps.nbytes + tail.values.nbytes + 200
)


NO_POINTS = (np.empty(0, dtype=np.int64), np.empty(0))


async def run_metrics_log_watched(
    session: AsyncSession, actor: Actor, *, run_id: uuid.UUID | None, batch: PointBatch
) -> Logged:
    """Log a batch (app/domain/experiments/services.py), then judge it against the health
    rules that watch its run, in the same transaction."""
    logged = await run_metrics_log(session, actor, run_id=run_id, batch=batch)
    run = logged.run
    if logged.new_count and run is not None and run.rules_version and run.project_id:
        watching = [
            rule
            for rule in await _rules(session, run.project_id, run.rules_version)
            if rule.experiment_id is None or rule.experiment_id == run.experiment_id
        ]
        if watching and logged.high_water is not None:
            where = RunRef(run.id, run.organization_id, run.project_id)
            seq = Seq(logged.high_water - logged.new_count, logged.high_water)
            await judge_batch(session, actor, where, watching, batch, seq)
        await judge_trials(
            session,
            actor,
            run_id=run.id,
            project_id=run.project_id,
            experiment_id=run.experiment_id,
            rules_version=run.rules_version,
            batch=batch,
        )
    return logged


@dataclass(frozen=True)
class Seq:
    """The run's ingest sequence number before and after the batch."""

    before: int
    after: int


async def judge_batch(
    session: AsyncSession,
    actor: Actor,
    run: RunRef,
    rules: list[IngestRule],
    batch: PointBatch,
    seq: Seq,
) -> list[Fired]:
    series = {s.key: s for s in batch.series}
    windows: dict[str, int] = {}  # per key, the widest window a rule asks of it
    for rule in rules:
        key = rule.ref.metric_key
        if rule.steps is not None and key is not None and key in series:
            windows[key] = max(windows.get(key, 0), rule.steps)
    before = await _windows(session, run.id, series, windows, seq)
    fired = []
    judged: dict[str, Window] = {}  # per key: spike and divergence rules share its window
    for rule in rules:
        kind = rule.ref.kind
        key = rule.ref.metric_key
        breach: Breach | None = None
        if kind is HealthRuleKind.NON_FINITE:
            watched = list(batch.series) if key is None else [series[key]] if key in series else []
            for s in watched:
                breach = first_non_finite(s.key, s.steps, s.values)
                if breach:
                    break
        elif key in series and rule.steps is not None:
            s = series[key]
            window = judged.get(key)
            if window is None:
                window = judged[key] = Window.of(before.get(key, NO_POINTS), (s.steps, s.values))
            if kind is HealthRuleKind.SPIKE and rule.z_score is not None:
                breach = first_spike(key, window, rule.steps, rule.z_score)
            elif kind is HealthRuleKind.DIVERGENCE and rule.rise is not None:
                breach = first_divergence(key, window, rule.steps, rule.rise)
        if breach is None:
            continue
        done = await fire(session, actor, rule.ref, run, breach)
        if done is not None:
            fired.append(done)
    return fired


async def _windows(
    session: AsyncSession,
    run_id: uuid.UUID,
    series: dict[str, KeySeries],
    windows: dict[str, int],
    seq: Seq,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per key, the stored points of its window before the batch; the tails kept for the
    next batch brought up to date."""
    before: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    unknown: dict[str, int] = {}
    for key, window in windows.items():
        first = int(series[key].steps[0])
        tail = _TAILS.get((run_id, key))
        if tail is not None and tail.seq == seq.before and first - window >= tail.low:
            earlier = tail.steps < first
            before[key] = (tail.steps[earlier], tail.values[earlier])
            _remember(session, run_id, key, tail.grown(series[key], seq.after, window))
        else:
            unknown[key] = first - window
    if unknown:
        keys = sorted(unknown)
        rows = (
            await session.execute(
                POINTS_FROM,
                {"run_id": run_id, "keys": keys, "lows": [unknown[key] for key in keys]},
            )
        ).all()
        found: dict[str, tuple[list[int], list[float]]] = {key: ([], []) for key in keys}
        for key, step, value in rows:
            found[key][0].append(step)
            found[key][1].append(value)
        for key, (step_list, value_list) in found.items():
            steps = np.asarray(step_list, dtype=np.int64)
            values = np.asarray(value_list, dtype=np.float64)
            earlier = steps < int(series[key].steps[0])
            before[key] = (steps[earlier], values[earlier])
            tail = Tail.cut(seq.after, unknown[key], steps, values, windows[key])
            _remember(session, run_id, key, tail)
    return before


PENDING_TAILS = "mlgraph.health.tails"


def _remember(session: AsyncSession, run_id: uuid.UUID, key: str, tail: Tail) -> None:
    """Keep the tail once the transaction commits (rolled back, its points were never
    stored, and the run's sequence numbers are given again)."""
    session.info.setdefault(PENDING_TAILS, {})[(run_id, key)] = tail


@event.listens_for(Session, "after_commit")
def _keep_tails(session: Session) -> None:
    pending = session.info.pop(PENDING_TAILS, None)
    for run_key, tail in (pending or {}).items():
        _TAILS.put(run_key, tail, replace=True)


@event.listens_for(Session, "after_rollback")
def _forget_tails(session: Session) -> None:
    session.info.pop(PENDING_TAILS, None)
