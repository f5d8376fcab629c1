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


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
