"""Pure training rules: the status machine and the GPU rule."""

from __future__ import annotations

from app.domain.errors import ensure_transition, validation
from app.domain.training.enums import TrainingJobStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PENDING: frozenset({S.QUEUED, S.CANCELLED}),
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED}),
    S.RUNNING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED}),
    S.SUCCEEDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINAL = frozenset(s for s, following in TRANSITIONS.items() if not following)
MAX_GPUS = 64
MAX_CPU = 1024.0
MAX_MEMORY_MB = 16 * 1024 * 1024

RESOURCES = ["resources"]


def ensure_job_transition(current: S, target: S) -> None:
    ensure_transition("training job", current, target, TRANSITIONS[current])


def ensure_resources(
    cpu: float | None, memory_mb: int | None, gpus: int, gpu_type: str | None, use_gpu: bool
) -> None:
    """The shape of a job's resources; whether the environment offers the GPU type is the
    service's to check (it needs the catalogue)."""
    if cpu is not None and not 0 < cpu <= MAX_CPU:
        raise validation(f"cpu is more than 0 and at most {MAX_CPU:g} cores", [*RESOURCES, "cpu"])
    if memory_mb is not None and not 0 < memory_mb <= MAX_MEMORY_MB:
        raise validation(
            f"memoryMb is more than 0 and at most {MAX_MEMORY_MB}", [*RESOURCES, "memory_mb"]
        )
    if not 0 <= gpus <= MAX_GPUS:
        raise validation(f"gpus is between 0 and {MAX_GPUS}", [*RESOURCES, "gpus"])
    if use_gpu:
        if gpu_type is None:
            raise validation("useGpu needs a gpuType", [*RESOURCES, "gpu_type"])
        if gpus < 1:
            raise validation("useGpu needs at least one GPU", [*RESOURCES, "gpus"])
    else:
        if gpu_type is not None:
            raise validation("a gpuType needs useGpu: true", [*RESOURCES, "gpu_type"])
        if gpus:
            raise validation("GPUs need useGpu: true", [*RESOURCES, "gpus"])
