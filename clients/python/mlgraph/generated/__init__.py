from .alerts import Alerts, AlertsAlerts, AlertsAlertsDeployment
from .async_base_client import AsyncBaseClient
from .base_model import BaseModel, Upload
from .client import GraphQLClient
from .enums import AlertSeverity, AlertStatus, ErrorCode, ModelStage, OrgRole, RunStatus
from .exceptions import (
    GraphQLClientError,
    GraphQLClientGraphQLError,
    GraphQLClientGraphQLMultiError,
    GraphQLClientHttpError,
    GraphQLClientInvalidResponseError,
)
from .experiment_create import (
    ExperimentCreate,
    ExperimentCreateExperimentCreate,
    ExperimentCreateExperimentCreateExperiment,
    ExperimentCreateExperimentCreateUserErrors,
)
from .fragments import UserErrors
from .input_types import (
    ExperimentCreateInput,
    ModelAliasSetInput,
    ModelVersionCreateInput,
    ModelVersionTransitionInput,
    PredictionInput,
    PredictionsRecordInput,
    RunCreateInput,
    RunFinishInput,
)
from .model_alias_set import (
    ModelAliasSet,
    ModelAliasSetModelAliasSet,
    ModelAliasSetModelAliasSetModelAlias,
    ModelAliasSetModelAliasSetModelAliasModelVersion,
    ModelAliasSetModelAliasSetUserErrors,
)
from .model_version_create import (
    ModelVersionCreate,
    ModelVersionCreateModelVersionCreate,
    ModelVersionCreateModelVersionCreateModelVersion,
    ModelVersionCreateModelVersionCreateModelVersionRun,
    ModelVersionCreateModelVersionCreateUserErrors,
)
from .model_version_transition import (
    ModelVersionTransition,
    ModelVersionTransitionModelVersionTransition,
    ModelVersionTransitionModelVersionTransitionArchivedVersion,
    ModelVersionTransitionModelVersionTransitionModelVersion,
    ModelVersionTransitionModelVersionTransitionUserErrors,
)
from .organization_projects import (
    OrganizationProjects,
    OrganizationProjectsOrganization,
    OrganizationProjectsOrganizationProjects,
    OrganizationProjectsOrganizationProjectsNodes,
    OrganizationProjectsOrganizationProjectsPageInfo,
)
from .predictions_record import (
    PredictionsRecord,
    PredictionsRecordPredictionsRecord,
    PredictionsRecordPredictionsRecordAlertsOpened,
    PredictionsRecordPredictionsRecordUserErrors,
)
from .project_experiments import (
    ProjectExperiments,
    ProjectExperimentsNodeNode,
    ProjectExperimentsNodeProject,
    ProjectExperimentsNodeProjectExperiments,
    ProjectExperimentsNodeProjectExperimentsNodes,
    ProjectExperimentsNodeProjectExperimentsPageInfo,
)
from .run_create import (
    RunCreate,
    RunCreateRunCreate,
    RunCreateRunCreateRun,
    RunCreateRunCreateUserErrors,
)
from .run_finish import (
    RunFinish,
    RunFinishRunFinish,
    RunFinishRunFinishRun,
    RunFinishRunFinishUserErrors,
)
from .run_logs_append import (
    RunLogsAppend,
    RunLogsAppendRunLogsAppend,
    RunLogsAppendRunLogsAppendUserErrors,
)
from .run_metric_history import (
    RunMetricHistory,
    RunMetricHistoryRunMetricHistories,
    RunMetricHistoryRunMetricHistoriesColumns,
)
from .run_metrics import RunMetrics, RunMetricsRunMetrics, RunMetricsRunMetricsPoints
from .run_metrics_log import (
    RunMetricsLog,
    RunMetricsLogRunMetricsLog,
    RunMetricsLogRunMetricsLogUserErrors,
)
from .viewer import (
    Viewer,
    ViewerViewer,
    ViewerViewerMemberships,
    ViewerViewerMembershipsNodes,
    ViewerViewerMembershipsNodesOrganization,
    ViewerViewerUser,
)

__all__ = [
    "AlertSeverity",
    "AlertStatus",
    "Alerts",
    "AlertsAlerts",
    "AlertsAlertsDeployment",
    "AsyncBaseClient",
    "BaseModel",
    "ErrorCode",
    "ExperimentCreate",
    "ExperimentCreateExperimentCreate",
    "ExperimentCreateExperimentCreateExperiment",
    "ExperimentCreateExperimentCreateUserErrors",
    "ExperimentCreateInput",
    "GraphQLClient",
    "GraphQLClientError",
    "GraphQLClientGraphQLError",
    "GraphQLClientGraphQLMultiError",
    "GraphQLClientHttpError",
    "GraphQLClientInvalidResponseError",
    "ModelAliasSet",
    "ModelAliasSetInput",
    "ModelAliasSetModelAliasSet",
    "ModelAliasSetModelAliasSetModelAlias",
    "ModelAliasSetModelAliasSetModelAliasModelVersion",
    "ModelAliasSetModelAliasSetUserErrors",
    "ModelStage",
    "ModelVersionCreate",
    "ModelVersionCreateInput",
    "ModelVersionCreateModelVersionCreate",
    "ModelVersionCreateModelVersionCreateModelVersion",
    "ModelVersionCreateModelVersionCreateModelVersionRun",
    "ModelVersionCreateModelVersionCreateUserErrors",
    "ModelVersionTransition",
    "ModelVersionTransitionInput",
    "ModelVersionTransitionModelVersionTransition",
    "ModelVersionTransitionModelVersionTransitionArchivedVersion",
    "ModelVersionTransitionModelVersionTransitionModelVersion",
    "ModelVersionTransitionModelVersionTransitionUserErrors",
    "OrgRole",
    "OrganizationProjects",
    "OrganizationProjectsOrganization",
    "OrganizationProjectsOrganizationProjects",
    "OrganizationProjectsOrganizationProjectsNodes",
    "OrganizationProjectsOrganizationProjectsPageInfo",
    "PredictionInput",
    "PredictionsRecord",
    "PredictionsRecordInput",
    "PredictionsRecordPredictionsRecord",
    "PredictionsRecordPredictionsRecordAlertsOpened",
    "PredictionsRecordPredictionsRecordUserErrors",
    "ProjectExperiments",
    "ProjectExperimentsNodeNode",
    "ProjectExperimentsNodeProject",
    "ProjectExperimentsNodeProjectExperiments",
    "ProjectExperimentsNodeProjectExperimentsNodes",
    "ProjectExperimentsNodeProjectExperimentsPageInfo",
    "RunCreate",
    "RunCreateInput",
    "RunCreateRunCreate",
    "RunCreateRunCreateRun",
    "RunCreateRunCreateUserErrors",
    "RunFinish",
    "RunFinishInput",
    "RunFinishRunFinish",
    "RunFinishRunFinishRun",
    "RunFinishRunFinishUserErrors",
    "RunLogsAppend",
    "RunLogsAppendRunLogsAppend",
    "RunLogsAppendRunLogsAppendUserErrors",
    "RunMetricHistory",
    "RunMetricHistoryRunMetricHistories",
    "RunMetricHistoryRunMetricHistoriesColumns",
    "RunMetrics",
    "RunMetricsLog",
    "RunMetricsLogRunMetricsLog",
    "RunMetricsLogRunMetricsLogUserErrors",
    "RunMetricsRunMetrics",
    "RunMetricsRunMetricsPoints",
    "RunStatus",
    "Upload",
    "UserErrors",
    "Viewer",
    "ViewerViewer",
    "ViewerViewerMemberships",
    "ViewerViewerMembershipsNodes",
    "ViewerViewerMembershipsNodesOrganization",
    "ViewerViewerUser",
]
