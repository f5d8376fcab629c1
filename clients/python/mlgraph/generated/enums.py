from enum import Enum


class Aggregation(str, Enum):
    LAST = "LAST"
    AVG = "AVG"
    MAX = "MAX"
    MIN = "MIN"
    P95 = "P95"


class AlertSeverity(str, Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class AlertStatus(str, Enum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


class CapacityType(str, Enum):
    ON_DEMAND = "ON_DEMAND"
    SPOT = "SPOT"


class ChecksumAlgorithm(str, Enum):
    MD5 = "MD5"
    SHA1 = "SHA1"
    SHA256 = "SHA256"
    SHA512 = "SHA512"
    BLAKE2B = "BLAKE2B"


class Comparator(str, Enum):
    GT = "GT"
    GTE = "GTE"
    LT = "LT"
    LTE = "LTE"


class DeploymentStatus(str, Enum):
    PENDING = "PENDING"
    DEPLOYING = "DEPLOYING"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    FAILED = "FAILED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


class ErrorCode(str, Enum):
    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    ORGANIZATION_READ_ONLY = "ORGANIZATION_READ_ONLY"
    UNAVAILABLE = "UNAVAILABLE"
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"


class Framework(str, Enum):
    SKLEARN = "SKLEARN"
    PYTORCH = "PYTORCH"
    TENSORFLOW = "TENSORFLOW"
    XGBOOST = "XGBOOST"
    LIGHTGBM = "LIGHTGBM"
    HUGGINGFACE = "HUGGINGFACE"
    ONNX = "ONNX"
    OTHER = "OTHER"


class GpuUsageGroup(str, Enum):
    PROJECT = "PROJECT"
    GPU_TYPE = "GPU_TYPE"
    RUN = "RUN"
    MODEL_VERSION = "MODEL_VERSION"


class HealthRuleKind(str, Enum):
    NON_FINITE = "NON_FINITE"
    SPIKE = "SPIKE"
    DIVERGENCE = "DIVERGENCE"
    STALL = "STALL"
    THROUGHPUT_DROP = "THROUGHPUT_DROP"
    IDLE_GPU = "IDLE_GPU"


class LogStream(str, Enum):
    STDOUT = "STDOUT"
    STDERR = "STDERR"


class ModelStage(str, Enum):
    DEVELOPMENT = "DEVELOPMENT"
    STAGING = "STAGING"
    PRODUCTION = "PRODUCTION"
    ARCHIVED = "ARCHIVED"


class ModelType(str, Enum):
    CLASSIFICATION = "CLASSIFICATION"
    REGRESSION = "REGRESSION"
    CLUSTERING = "CLUSTERING"
    NLP = "NLP"
    COMPUTER_VISION = "COMPUTER_VISION"
    RECOMMENDATION = "RECOMMENDATION"
    TIME_SERIES = "TIME_SERIES"
    GENERATIVE = "GENERATIVE"
    OTHER = "OTHER"


class OrgRole(str, Enum):
    ADMIN = "ADMIN"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"


class PredictionStatus(str, Enum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class ProjectVisibility(str, Enum):
    PRIVATE = "PRIVATE"
    ORGANIZATION = "ORGANIZATION"
    PUBLIC = "PUBLIC"


class RunOrder(str, Enum):
    CREATED_ASC = "CREATED_ASC"
    CREATED_DESC = "CREATED_DESC"
    NAME_ASC = "NAME_ASC"
    NAME_DESC = "NAME_DESC"
    STARTED_DESC = "STARTED_DESC"
    METRIC_ASC = "METRIC_ASC"
    METRIC_DESC = "METRIC_DESC"
    METRIC_MIN_ASC = "METRIC_MIN_ASC"
    METRIC_MIN_DESC = "METRIC_MIN_DESC"
    METRIC_MAX_ASC = "METRIC_MAX_ASC"
    METRIC_MAX_DESC = "METRIC_MAX_DESC"
    PARAM_ASC = "PARAM_ASC"
    PARAM_DESC = "PARAM_DESC"


class RunStatus(str, Enum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    KILLED = "KILLED"


class ServeType(str, Enum):
    API = "API"
    WORKFLOW = "WORKFLOW"


class ServiceType(str, Enum):
    KUBERNETES = "KUBERNETES"
    CLOUD_RUN = "CLOUD_RUN"


class SweepGoal(str, Enum):
    MINIMIZE = "MINIMIZE"
    MAXIMIZE = "MAXIMIZE"


class SweepMethod(str, Enum):
    GRID = "GRID"
    RANDOM = "RANDOM"
    TPE = "TPE"


class SweepStatus(str, Enum):
    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    STOPPED = "STOPPED"


class TaskType(str, Enum):
    BINARY_CLASSIFICATION = "BINARY_CLASSIFICATION"
    MULTICLASS_CLASSIFICATION = "MULTICLASS_CLASSIFICATION"
    REGRESSION = "REGRESSION"
    FORECASTING = "FORECASTING"
    RANKING = "RANKING"
    GENERATION = "GENERATION"
    EMBEDDING = "EMBEDDING"
    OTHER = "OTHER"


class TrainingExecutor(str, Enum):
    KUBERNETES = "KUBERNETES"
    VERTEX_AI = "VERTEX_AI"
    SAGEMAKER = "SAGEMAKER"
    RAY = "RAY"
    CUSTOM = "CUSTOM"


class TrainingJobStatus(str, Enum):
    PENDING = "PENDING"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
