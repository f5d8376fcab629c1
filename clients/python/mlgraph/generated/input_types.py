from datetime import datetime
from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import (
    Aggregation,
    AlertSeverity,
    CapacityType,
    ChecksumAlgorithm,
    Comparator,
    Framework,
    ModelStage,
    ModelType,
    PredictionStatus,
    ProjectVisibility,
    RunStatus,
    ServeType,
    ServiceType,
    SweepGoal,
    SweepMethod,
    TaskType,
    TrainingExecutor,
    TrainingJobStatus,
)


class AlertRuleCreateInput(BaseModel):
    project_id: str = Field(alias="projectId")
    deployment_id: Optional[str] = Field(alias="deploymentId", default=None)
    "Watch one deployment; default: every deployment of the project."
    name: str
    metric_name: str = Field(alias="metricName")
    "A monitoring metric name, or predictions.latency_ms / predictions.confidence."
    comparator: Comparator
    threshold: float
    aggregation: Aggregation = Aggregation.LAST
    window_seconds: int = Field(alias="windowSeconds", default=300)
    severity: AlertSeverity = AlertSeverity.MEDIUM
    cooldown_seconds: int = Field(alias="cooldownSeconds", default=0)
    "After an alert of this rule resolves, wait this long before another."
    auto_resolve: bool = Field(alias="autoResolve", default=False)
    "Resolve the open alert when the condition clears."


class ChecksumInput(BaseModel):
    """A checksum: the algorithm and its hex digest."""

    algorithm: ChecksumAlgorithm
    digest: str


class DeploymentCreateInput(BaseModel):
    model_version_id: str = Field(alias="modelVersionId")
    environment_id: str = Field(alias="environmentId")
    name: str
    "Unique per project and environment."
    min_instances: int = Field(alias="minInstances", default=1)
    max_instances: int = Field(alias="maxInstances", default=1)
    autoscaling: bool = False
    endpoint_url: Optional[str] = Field(alias="endpointUrl", default=None)
    config: Optional[Any] = None
    runtime: Optional["DeploymentRuntimeInput"] = None


class DeploymentRuntimeInput(BaseModel):
    """What serves a deployment and with which resources. On update, only the fields given change (null clears one)."""

    serving_framework: Optional[str] = Field(alias="servingFramework", default=None)
    "One of the supported serving frameworks (integrationCatalog), or of the environment's enabled serving integrations when it has some."
    framework_resource_id: Optional[str] = Field(
        alias="frameworkResourceId", default=None
    )
    "The framework's id of the serving resource."
    framework_namespace: Optional[str] = Field(alias="frameworkNamespace", default=None)
    machine_type: Optional[str] = Field(alias="machineType", default=None)
    cpu_request_millicores: Optional[int] = Field(
        alias="cpuRequestMillicores", default=None
    )
    cpu_limit_millicores: Optional[int] = Field(
        alias="cpuLimitMillicores", default=None
    )
    memory_request_mib: Optional[int] = Field(alias="memoryRequestMib", default=None)
    memory_limit_mib: Optional[int] = Field(alias="memoryLimitMib", default=None)
    gpu_count: Optional[int] = Field(alias="gpuCount", default=None)
    gpu_type: Optional[str] = Field(alias="gpuType", default=None)
    "A key of the environment's GPU catalogue, if it has one."
    replica_count: Optional[int] = Field(alias="replicaCount", default=None)
    autoscaling_target_cpu_percent: Optional[int] = Field(
        alias="autoscalingTargetCpuPercent", default=None
    )
    autoscaling_target_rps: Optional[float] = Field(
        alias="autoscalingTargetRps", default=None
    )
    autoscaling_target_concurrency: Optional[int] = Field(
        alias="autoscalingTargetConcurrency", default=None
    )
    capacity_type: Optional[CapacityType] = Field(alias="capacityType", default=None)
    health_check_path: Optional[str] = Field(alias="healthCheckPath", default=None)
    service_type: Optional[ServiceType] = Field(alias="serviceType", default=None)
    "KUBERNETES or CLOUD_RUN. A CLOUD_RUN service needs a Google Cloud region, is served by cloud-run, has no namespace, a service name as its resource id, on-demand capacity and at most 8 vCPU, 32 GiB and one GPU."
    region: Optional[str] = None
    "The cloud region it runs in, e.g. us-central1."


class DivergenceConditionInput(BaseModel):
    """A value more than rise above the lowest finite value of the steps steps before it (a loss climbing away from its low)."""

    metric_key: str = Field(alias="metricKey")
    steps: int
    "1 to 10,000."
    rise: float


class ExperimentCreateInput(BaseModel):
    project_id: str = Field(alias="projectId")
    name: str
    "Unique per project among live experiments."
    description: Optional[str] = None
    config: Optional[Any] = None
    model_id: Optional[str] = Field(alias="modelId", default=None)
    "The model this experiment works on (same project)."
    dataset_id: Optional[str] = Field(alias="datasetId", default=None)
    "The dataset it trains on (same project)."
    pipeline_id: Optional[str] = Field(alias="pipelineId", default=None)
    "The workflow (pipeline) that runs it (same project)."


class HealthConditionInput(BaseModel):
    """What the rule watches for: exactly one."""

    non_finite: Optional["NonFiniteConditionInput"] = Field(
        alias="nonFinite", default=None
    )
    spike: Optional["SpikeConditionInput"] = None
    divergence: Optional["DivergenceConditionInput"] = None
    stall: Optional["StallConditionInput"] = None
    throughput_drop: Optional["ThroughputDropConditionInput"] = Field(
        alias="throughputDrop", default=None
    )
    idle_gpu: Optional["IdleGpuConditionInput"] = Field(alias="idleGpu", default=None)


class HealthRuleCreateInput(BaseModel):
    project_id: str = Field(alias="projectId")
    experiment_id: Optional[str] = Field(alias="experimentId", default=None)
    "Watch the runs of this experiment only."
    name: str
    condition: "HealthConditionInput"
    severity: AlertSeverity = AlertSeverity.HIGH
    cancel_job: bool = Field(alias="cancelJob", default=False)
    "Also cancel the run's unfinished training jobs when it fires: the worker's next heartbeat is refused with the reason."


class IdleGpuConditionInput(BaseModel):
    """Every GPU's utilisation (system/gpu.<i>.utilization_percent, as the Python client samples it) below percent during the run's last seconds (by the samples' own timestamps), the run RUNNING at least that long. Judged on a clock."""

    percent: float = 10
    seconds: int = 600
    "1 to 604,800."


class ModelAliasSetInput(BaseModel):
    model_id: str = Field(alias="modelId")
    name: str
    "A slug, e.g. champion; unique per model."
    model_version_id: str = Field(alias="modelVersionId")
    protected: Optional[bool] = None
    "Protect (true) or unprotect (false) the alias; null keeps it as it is. Only organization admins change it, or move a protected alias."


class ModelCreateInput(BaseModel):
    project_id: str = Field(alias="projectId")
    name: str
    model_type: ModelType = Field(alias="modelType")
    framework: Framework
    task_type: Optional[TaskType] = Field(alias="taskType", default=None)
    description: Optional[str] = None
    tags: list[str] = Field(default_factory=lambda: [])
    metadata: Optional[Any] = None
    serve_type: ServeType = Field(alias="serveType", default=ServeType.API)
    "API: served by deployments behind endpoints. WORKFLOW: runs as a workflow on head and worker nodes (workflowConfigSet), never deployed to an endpoint. Set at creation."


class ModelVersionCreateInput(BaseModel):
    model_id: str = Field(alias="modelId")
    version: str
    "A semantic version, unique per model."
    description: Optional[str] = None
    artifact_uri: Optional[str] = Field(alias="artifactUri", default=None)
    artifact_size_bytes: Optional[float] = Field(
        alias="artifactSizeBytes", default=None
    )
    metrics: Optional[Any] = None
    signature: Optional[Any] = None
    run_id: Optional[str] = Field(alias="runId", default=None)
    "The training run that produced this version."
    run_artifact_path: Optional[str] = Field(alias="runArtifactPath", default=None)
    "The version's files are the run's artifacts at this path (a file, or a folder's files): artifactUri becomes runs:/<runId>/<path> and artifactSizeBytes their size. Needs runId; instead of artifactUri and artifactSizeBytes."
    checksum: Optional["ChecksumInput"] = None
    "The artifact's checksum: an algorithm and its hex digest."
    hyperparameters: Optional[Any] = None
    "What it was trained with (default: its run's params)."
    training_job_id: Optional[str] = Field(alias="trainingJobId", default=None)
    "The training job that made it (same project); its run becomes the version's when runId is not given. Its status feeds trainingStatus."


class ModelVersionTransitionInput(BaseModel):
    model_version_id: str = Field(alias="modelVersionId")
    stage: ModelStage


class MonitoringMetricPointInput(BaseModel):
    name: str
    value: float
    recorded_at: datetime = Field(alias="recordedAt")
    threshold_low: Optional[float] = Field(alias="thresholdLow", default=None)
    "Below it the point is an anomaly (isAnomaly)."
    threshold_high: Optional[float] = Field(alias="thresholdHigh", default=None)
    "Above it the point is an anomaly; >= thresholdLow."


class MonitoringMetricsRecordInput(BaseModel):
    deployment_id: str = Field(alias="deploymentId")
    points: list["MonitoringMetricPointInput"]
    "Up to 10,000 points; a re-sent point (same name and recordedAt) replaces the stored one, so retries are safe. One bad point rejects the batch."


class NonFiniteConditionInput(BaseModel):
    """A NaN or ±Infinity among a batch's values."""

    metric_key: Optional[str] = Field(alias="metricKey", default=None)
    "Null: every key."


class PredictionInput(BaseModel):
    input: Optional[Any] = None
    output: Optional[Any] = None
    latency_ms: Optional[float] = Field(alias="latencyMs", default=None)
    "How long it took (ms). Needed unless completedAt is given; none while PENDING."
    confidence: Optional[float] = None
    recorded_at: Optional[datetime] = Field(alias="recordedAt", default=None)
    "Default: now."
    status: PredictionStatus = PredictionStatus.COMPLETED
    "PENDING for an asynchronous prediction answered later (predictionsComplete)."
    completed_at: Optional[datetime] = Field(alias="completedAt", default=None)
    "When it was answered (default: recordedAt + latencyMs)."


class PredictionsRecordInput(BaseModel):
    deployment_id: str = Field(alias="deploymentId")
    predictions: list["PredictionInput"]
    "Up to 10,000 predictions; alert rules on predictions.* are evaluated."


class ProjectCreateInput(BaseModel):
    organization_id: str = Field(alias="organizationId")
    slug: str
    "Lowercase kebab-case, unique among the organization's projects you can see."
    name: str
    description: Optional[str] = None
    visibility: ProjectVisibility = ProjectVisibility.ORGANIZATION
    "PRIVATE: only its project members and the organization's admins see it. Not PUBLIC: a project is published (projectUpdate) once it holds what it publishes."


class RunCreateInput(BaseModel):
    experiment_id: str = Field(alias="experimentId")
    name: Optional[str] = None
    description: Optional[str] = None
    params: Optional[Any] = None
    "Immutable once logged."
    tags: Optional[Any] = None
    started_at: Optional[datetime] = Field(alias="startedAt", default=None)
    tracking_system: Optional[str] = Field(alias="trackingSystem", default=None)
    "mlflow, wandb, tensorboard, neptune, comet or other."
    tracking_run_id: Optional[str] = Field(alias="trackingRunId", default=None)
    "The run's id in that system; unique per system."


class RunFinishInput(BaseModel):
    run_id: str = Field(alias="runId")
    status: RunStatus
    ended_at: Optional[datetime] = Field(alias="endedAt", default=None)
    failure_reason: Optional[str] = Field(alias="failureReason", default=None)
    "With FAILED or KILLED: what ended the run (the Python client sends the exception's type and message); at most 4,000 characters, a longer one keeps its end."


class SpikeConditionInput(BaseModel):
    """A value farther than zScore standard deviations from the mean of the finite values in the steps steps before it (at least 5 of them)."""

    metric_key: str = Field(alias="metricKey")
    steps: int = 100
    "1 to 10,000."
    z_score: float = Field(alias="zScore", default=6)


class StallConditionInput(BaseModel):
    """A RUNNING run with no new point (or, while its training job runs, no heartbeat from the job's worker) for this many seconds. Judged on a clock."""

    seconds: int
    "1 to 604,800."


class SweepAshaStoppingInput(BaseModel):
    """Asynchronous successive halving: rungs at minStep × eta^k steps; a trial reaching a rung goes on only if its value there is among the best 1/eta of the trials that reached it (the first ones always go on)."""

    min_step: int = Field(alias="minStep", default=1)
    "The first rung's step (1 or more)."
    eta: int = 3
    "2 to 10."


class SweepChoiceInput(BaseModel):
    """Values tried as they are (strings, numbers, booleans)."""

    values: list[Any]
    "1 to 1,000 distinct values."


class SweepCreateInput(BaseModel):
    experiment_id: str = Field(alias="experimentId")
    "Its trials' runs go here."
    environment_id: str = Field(alias="environmentId")
    "Where its trials' jobs run."
    name: str
    method: SweepMethod
    metric_key: str = Field(alias="metricKey")
    "The objective: its last value in a run."
    goal: SweepGoal
    parameters: list["SweepParameterInput"]
    "1 to 50."
    max_trials: Optional[int] = Field(alias="maxTrials", default=None)
    "1 to 1,000; a GRID defaults to its size."
    max_parallel: int = Field(alias="maxParallel", default=1)
    "Trials active (queued or running) at once, 1 to 100."
    early_stopping: Optional["SweepEarlyStoppingInput"] = Field(
        alias="earlyStopping", default=None
    )
    seed: Optional[int] = None
    "RANDOM and TPE: draws repeat with it (default: random)."
    job: "SweepJobInput"


class SweepDistributionInput(BaseModel):
    """How a parameter is drawn: exactly one."""

    choice: Optional["SweepChoiceInput"] = None
    uniform: Optional["SweepRangeInput"] = None
    log_uniform: Optional["SweepRangeInput"] = Field(alias="logUniform", default=None)
    "Uniform in log space; low above 0 (learning rates)."
    integer: Optional["SweepIntegerInput"] = None


class SweepEarlyStoppingInput(BaseModel):
    """The early-stopping rule: exactly one."""

    median: Optional["SweepMedianStoppingInput"] = None
    asha: Optional["SweepAshaStoppingInput"] = None


class SweepIntegerInput(BaseModel):
    """An integer range, both ends included, by step."""

    low: int
    high: int
    step: int = 1
    "high - low is a multiple of it."


class SweepJobInput(BaseModel):
    """What each trial's training job runs and asks for."""

    image: Optional[str] = None
    entry_point: Optional[str] = Field(alias="entryPoint", default=None)
    config: Optional[Any] = None
    "Each trial's job gets it with its params under params."
    resources: "TrainingResourcesInput" = Field(
        default_factory=lambda: globals()["TrainingResourcesInput"].model_validate(
            {"gpus": 0, "useGpu": False}
        )
    )


class SweepMedianStoppingInput(BaseModel):
    """Stop a trial whose best value so far is worse than the median of the completed trials' values at the same step (checked at the last step of each batch it logs)."""

    min_step: int = Field(alias="minStep", default=0)
    "No stop before this step."
    startup_trials: int = Field(alias="startupTrials", default=5)
    "Completed trials needed before any stop (0 to 100)."


class SweepParameterInput(BaseModel):
    name: str
    "The param's name in each trial's run (e.g. lr, optimizer.momentum)."
    distribution: "SweepDistributionInput"


class SweepRangeInput(BaseModel):
    """A float range, both ends included."""

    low: float
    high: float


class SweepTrialClaimInput(BaseModel):
    sweep_id: str = Field(alias="sweepId")
    worker: str
    "Who claims (e.g. a pod name); up to 200 chars."
    lease_seconds: int = Field(alias="leaseSeconds", default=60)
    "10 to 3600: heartbeats (trainingJobHeartbeat) come sooner."


class ThroughputDropConditionInput(BaseModel):
    """The key's last batch ran at fewer steps per second (from the points' own timestamps) than fraction × the median of its previous 100 batches (5 at least). Judged on a clock."""

    metric_key: str = Field(alias="metricKey")
    fraction: float = 0.5


class TrainingJobHeartbeatInput(BaseModel):
    training_job_id: str = Field(alias="trainingJobId")
    worker: str
    lease_seconds: int = Field(alias="leaseSeconds", default=60)
    run_id: Optional[str] = Field(alias="runId", default=None)
    "The run this worker logs the job to: linked to the job (a job has one run; naming another is refused)."


class TrainingJobTransitionInput(BaseModel):
    training_job_id: str = Field(alias="trainingJobId")
    status: TrainingJobStatus
    error_message: Optional[str] = Field(alias="errorMessage", default=None)
    "With FAILED only."
    executor: Optional[TrainingExecutor] = None
    external_id: Optional[str] = Field(alias="externalId", default=None)
    "The executor's id for the job (with executor)."
    run_id: Optional[str] = Field(alias="runId", default=None)
    "The run the job produced."


class TrainingResourcesInput(BaseModel):
    """What a job asks for. GPUs only with useGpu: true."""

    cpu: Optional[float] = None
    memory_mb: Optional[int] = Field(alias="memoryMb", default=None)
    gpus: int = 0
    gpu_type: Optional[str] = Field(alias="gpuType", default=None)
    "A GPU type the target environment offers, enabled (any case)."
    use_gpu: bool = Field(alias="useGpu", default=False)


DeploymentCreateInput.model_rebuild()
HealthConditionInput.model_rebuild()
HealthRuleCreateInput.model_rebuild()
ModelVersionCreateInput.model_rebuild()
MonitoringMetricsRecordInput.model_rebuild()
PredictionsRecordInput.model_rebuild()
SweepCreateInput.model_rebuild()
SweepDistributionInput.model_rebuild()
SweepEarlyStoppingInput.model_rebuild()
SweepJobInput.model_rebuild()
SweepParameterInput.model_rebuild()
