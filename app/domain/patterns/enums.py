"""Pattern job enums: what is looked for, by which algorithm, and where a job stands."""

from __future__ import annotations

import enum


class PatternType(enum.Enum):
    CLUSTERING = "clustering"
    ANOMALY_DETECTION = "anomaly_detection"
    ASSOCIATION_RULES = "association_rules"


class PatternAlgorithm(enum.Enum):
    KMEANS = "kmeans"
    DBSCAN = "dbscan"
    ISOLATION_FOREST = "isolation_forest"
    LOCAL_OUTLIER_FACTOR = "local_outlier_factor"
    APRIORI = "apriori"
    FP_GROWTH = "fp_growth"


class PatternJobStatus(enum.Enum):
    PENDING = "pending"  # waiting for a worker
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINAL = frozenset({PatternJobStatus.SUCCEEDED, PatternJobStatus.FAILED, PatternJobStatus.CANCELLED})
