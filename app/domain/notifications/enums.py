"""Notification enums."""

from __future__ import annotations

import enum


class ChannelType(enum.Enum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    EMAIL = "email"
    TEAMS = "teams"  # a Microsoft Teams incoming webhook


class Trigger(enum.Enum):
    ALERT = "alert"
    DEPLOYMENT = "deployment"
    MODEL_UPDATE = "model_update"
    EXPERIMENT_COMPLETE = "experiment_complete"
    TRAINING_JOB_COMPLETE = "training_job_complete"
    PIPELINE_RUN_COMPLETE = "pipeline_run_complete"
    ARTIFACT_BUILD_COMPLETE = "artifact_build_complete"


class Outcome(enum.Enum):
    """How something that finished ended, whatever its own status names (a run COMPLETED,
    a training job SUCCEEDED, a run KILLED, a pipeline run CANCELLED)."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


OUTCOME_OF_STATUS = {
    "completed": Outcome.SUCCEEDED,
    "succeeded": Outcome.SUCCEEDED,
    "failed": Outcome.FAILED,
    "killed": Outcome.CANCELLED,
    "cancelled": Outcome.CANCELLED,
}
# The triggers whose events say how something finished.
FINISHING = frozenset(
    {
        Trigger.EXPERIMENT_COMPLETE,
        Trigger.TRAINING_JOB_COMPLETE,
        Trigger.PIPELINE_RUN_COMPLETE,
        Trigger.ARTIFACT_BUILD_COMPLETE,
    }
)
# The triggers whose events concern one deployment (so one environment).
OF_DEPLOYMENTS = frozenset({Trigger.ALERT, Trigger.DEPLOYMENT})


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
