"""What a training job runs and asks for."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class JobSpec:
    """What a job runs and asks for, checked against its target environment: a job's own,
    or the one each trial of a sweep runs (kept as JSON on the sweep)."""

    image: str | None
    entry_point: str | None
    config: dict[str, Any]
    cpu: float | None
    memory_mb: int | None
    gpus: int
    gpu_type: str | None
    use_gpu: bool

    def columns(self) -> dict[str, Any]:
        """As a TrainingJob's columns."""
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> JobSpec:
        return JobSpec(**data)
