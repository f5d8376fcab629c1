from collections.abc import AsyncIterator
from typing import Any, Optional, Union

from .alert_rule_create import AlertRuleCreate
from .alerts import Alerts
from .async_base_client import AsyncBaseClient
from .base_model import UNSET, UnsetType
from .compare_runs import CompareRuns
from .deployment_create import DeploymentCreate
from .enums import AlertSeverity, GpuUsageGroup, RunOrder
from .experiment_create import ExperimentCreate
from .gpu_usage import GpuUsage
from .health_rule_create import HealthRuleCreate
from .input_types import (
    AlertRuleCreateInput,
    DeploymentCreateInput,
    ExperimentCreateInput,
    HealthRuleCreateInput,
    ModelAliasSetInput,
    ModelCreateInput,
    ModelVersionCreateInput,
    ModelVersionTransitionInput,
    MonitoringMetricsRecordInput,
    PredictionsRecordInput,
    ProjectCreateInput,
    RunCreateInput,
    RunFinishInput,
    SweepCreateInput,
    SweepTrialClaimInput,
    TrainingJobHeartbeatInput,
    TrainingJobTransitionInput,
)
from .model_alias_set import ModelAliasSet
from .model_create import ModelCreate
from .model_version_create import ModelVersionCreate
from .model_version_transition import ModelVersionTransition
from .monitoring_metrics_record import MonitoringMetricsRecord
from .organization_by_name import OrganizationByName
from .organization_environments import OrganizationEnvironments
from .organization_projects import OrganizationProjects
from .predictions_record import PredictionsRecord
from .project_create import ProjectCreate
from .project_experiments import ProjectExperiments
from .project_models import ProjectModels
from .run_create import RunCreate
from .run_finish import RunFinish
from .run_logs import RunLogs
from .run_logs_append import RunLogsAppend
from .run_metric_history import RunMetricHistory
from .run_metrics import RunMetrics
from .run_metrics_log import RunMetricsLog
from .search_runs import SearchRuns
from .sweep_create import SweepCreate
from .sweep_trial_claim import SweepTrialClaim
from .training_job_finish import TrainingJobFinish
from .training_job_heartbeat import TrainingJobHeartbeat
from .viewer import Viewer
from .watch_comparison import WatchComparison


def gql(q: str) -> str:
    return q


class GraphQLClient(AsyncBaseClient):
    async def search_runs(
        self,
        experiment_id: str,
        order_by: RunOrder,
        first: int,
        query: Union[Optional[str], UnsetType] = UNSET,
        order_key: Union[Optional[str], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> SearchRuns:
        _query = gql("""
            query SearchRuns($experimentId: ID!, $query: String, $orderBy: RunOrder!, $orderKey: String, $first: Int!, $after: String) {
              node(id: $experimentId) {
                __typename
                ... on Experiment {
                  runs(
                    first: $first
                    after: $after
                    filter: {query: $query}
                    orderBy: $orderBy
                    orderKey: $orderKey
                  ) {
                    totalCount
                    pageInfo {
                      hasNextPage
                      endCursor
                    }
                    nodes {
                      id
                      name
                      status
                      params
                      tags
                      metricSummary {
                        key
                        min
                        max
                        last
                        lastStep
                      }
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "experimentId": experiment_id,
            "query": query,
            "orderBy": order_by,
            "orderKey": order_key,
            "first": first,
            "after": after,
        }
        response = await self.execute(
            query=_query, operation_name="SearchRuns", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SearchRuns.model_validate(data)

    async def compare_runs(
        self,
        experiment_id: str,
        keys: list[str],
        max_points: int,
        group_by: Union[Optional[list[str]], UnsetType] = UNSET,
        query: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> CompareRuns:
        _query = gql("""
            query CompareRuns($experimentId: ID!, $keys: [String!]!, $groupBy: [String!], $query: String, $maxPoints: Int!) {
              node(id: $experimentId) {
                __typename
                ... on Experiment {
                  comparison(
                    keys: $keys
                    groupBy: $groupBy
                    filter: {query: $query}
                    maxPoints: $maxPoints
                  ) {
                    ...RunComparisonParts
                  }
                }
              }
            }

            fragment RunComparisonParts on RunComparison {
              bucketSize
              stepTo
              groups {
                params
                runCount
                series {
                  key
                  stepStart
                  mean
                  std
                  min
                  max
                  runs
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "experimentId": experiment_id,
            "keys": keys,
            "groupBy": group_by,
            "query": query,
            "maxPoints": max_points,
        }
        response = await self.execute(
            query=_query, operation_name="CompareRuns", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return CompareRuns.model_validate(data)

    async def watch_comparison(
        self,
        experiment_id: str,
        keys: list[str],
        max_points: int,
        group_by: Union[Optional[list[str]], UnsetType] = UNSET,
        query: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AsyncIterator[WatchComparison]:
        _query = gql("""
            subscription WatchComparison($experimentId: ID!, $keys: [String!]!, $groupBy: [String!], $query: String, $maxPoints: Int!) {
              experimentComparison(
                experimentId: $experimentId
                keys: $keys
                groupBy: $groupBy
                filter: {query: $query}
                maxPoints: $maxPoints
              ) {
                reset
                comparison {
                  ...RunComparisonParts
                }
              }
            }

            fragment RunComparisonParts on RunComparison {
              bucketSize
              stepTo
              groups {
                params
                runCount
                series {
                  key
                  stepStart
                  mean
                  std
                  min
                  max
                  runs
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "experimentId": experiment_id,
            "keys": keys,
            "groupBy": group_by,
            "query": query,
            "maxPoints": max_points,
        }
        async for data in self.execute_ws(
            query=_query,
            operation_name="WatchComparison",
            variables=variables,
            **kwargs,
        ):
            yield WatchComparison.model_validate(data)

    async def organization_by_name(
        self, slug: str, **kwargs: Any
    ) -> OrganizationByName:
        query = gql("""
            query OrganizationByName($slug: String!) {
              organization(slug: $slug) {
                id
              }
            }
            """)
        variables: dict[str, object] = {"slug": slug}
        response = await self.execute(
            query=query,
            operation_name="OrganizationByName",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationByName.model_validate(data)

    async def project_create(
        self, input: ProjectCreateInput, **kwargs: Any
    ) -> ProjectCreate:
        query = gql("""
            mutation ProjectCreate($input: ProjectCreateInput!) {
              projectCreate(input: $input) {
                project {
                  id
                  slug
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ProjectCreate", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProjectCreate.model_validate(data)

    async def project_models(
        self,
        project_id: str,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ProjectModels:
        query = gql("""
            query ProjectModels($projectId: ID!, $after: String) {
              node(id: $projectId) {
                __typename
                ... on Project {
                  models(first: 100, after: $after) {
                    pageInfo {
                      hasNextPage
                      endCursor
                    }
                    nodes {
                      id
                      name
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"projectId": project_id, "after": after}
        response = await self.execute(
            query=query, operation_name="ProjectModels", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ProjectModels.model_validate(data)

    async def model_create(self, input: ModelCreateInput, **kwargs: Any) -> ModelCreate:
        query = gql("""
            mutation ModelCreate($input: ModelCreateInput!) {
              modelCreate(input: $input) {
                model {
                  id
                  name
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ModelCreate", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ModelCreate.model_validate(data)

    async def organization_environments(
        self, slug: str, after: Union[Optional[str], UnsetType] = UNSET, **kwargs: Any
    ) -> OrganizationEnvironments:
        query = gql("""
            query OrganizationEnvironments($slug: String!, $after: String) {
              organization(slug: $slug) {
                environments(first: 100, after: $after) {
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  nodes {
                    id
                    name
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"slug": slug, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationEnvironments",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationEnvironments.model_validate(data)

    async def deployment_create(
        self, input: DeploymentCreateInput, **kwargs: Any
    ) -> DeploymentCreate:
        query = gql("""
            mutation DeploymentCreate($input: DeploymentCreateInput!) {
              deploymentCreate(input: $input) {
                deployment {
                  id
                  name
                  status
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="DeploymentCreate",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return DeploymentCreate.model_validate(data)

    async def alert_rule_create(
        self, input: AlertRuleCreateInput, **kwargs: Any
    ) -> AlertRuleCreate:
        query = gql("""
            mutation AlertRuleCreate($input: AlertRuleCreateInput!) {
              alertRuleCreate(input: $input) {
                alertRule {
                  id
                  name
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="AlertRuleCreate", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return AlertRuleCreate.model_validate(data)

    async def monitoring_metrics_record(
        self, input: MonitoringMetricsRecordInput, **kwargs: Any
    ) -> MonitoringMetricsRecord:
        query = gql("""
            mutation MonitoringMetricsRecord($input: MonitoringMetricsRecordInput!) {
              monitoringMetricsRecord(input: $input) {
                recordedCount
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="MonitoringMetricsRecord",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return MonitoringMetricsRecord.model_validate(data)

    async def health_rule_create(
        self, input: HealthRuleCreateInput, **kwargs: Any
    ) -> HealthRuleCreate:
        query = gql("""
            mutation HealthRuleCreate($input: HealthRuleCreateInput!) {
              healthRuleCreate(input: $input) {
                healthRule {
                  id
                  name
                  kind
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="HealthRuleCreate",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return HealthRuleCreate.model_validate(data)

    async def gpu_usage(
        self,
        slug: str,
        group_by: list[GpuUsageGroup],
        project_id: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> GpuUsage:
        query = gql("""
            query GpuUsage($slug: String!, $groupBy: [GpuUsageGroup!]!, $projectId: ID) {
              organization(slug: $slug) {
                gpuUsage(groupBy: $groupBy, projectId: $projectId) {
                  jobs
                  gpuHours
                  gpuType
                  project {
                    id
                    slug
                  }
                  run {
                    id
                    name
                  }
                  modelVersion {
                    id
                    version
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "slug": slug,
            "groupBy": group_by,
            "projectId": project_id,
        }
        response = await self.execute(
            query=query, operation_name="GpuUsage", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return GpuUsage.model_validate(data)

    async def model_version_create(
        self, input: ModelVersionCreateInput, **kwargs: Any
    ) -> ModelVersionCreate:
        query = gql("""
            mutation ModelVersionCreate($input: ModelVersionCreateInput!) {
              modelVersionCreate(input: $input) {
                modelVersion {
                  id
                  version
                  stage
                  run {
                    id
                  }
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="ModelVersionCreate",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ModelVersionCreate.model_validate(data)

    async def model_alias_set(
        self, input: ModelAliasSetInput, **kwargs: Any
    ) -> ModelAliasSet:
        query = gql("""
            mutation ModelAliasSet($input: ModelAliasSetInput!) {
              modelAliasSet(input: $input) {
                modelAlias {
                  id
                  name
                  modelVersion {
                    id
                    version
                  }
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="ModelAliasSet", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return ModelAliasSet.model_validate(data)

    async def model_version_transition(
        self, input: ModelVersionTransitionInput, **kwargs: Any
    ) -> ModelVersionTransition:
        query = gql("""
            mutation ModelVersionTransition($input: ModelVersionTransitionInput!) {
              modelVersionTransition(input: $input) {
                modelVersion {
                  id
                  version
                  stage
                }
                archivedVersion {
                  id
                  version
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="ModelVersionTransition",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ModelVersionTransition.model_validate(data)

    async def predictions_record(
        self, input: PredictionsRecordInput, **kwargs: Any
    ) -> PredictionsRecord:
        query = gql("""
            mutation PredictionsRecord($input: PredictionsRecordInput!) {
              predictionsRecord(input: $input) {
                recordedCount
                alertsOpened {
                  id
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="PredictionsRecord",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return PredictionsRecord.model_validate(data)

    async def run_metric_history(
        self, run_id: str, keys: list[str], max_points: int, **kwargs: Any
    ) -> RunMetricHistory:
        query = gql("""
            query RunMetricHistory($runId: ID!, $keys: [String!]!, $maxPoints: Int!) {
              runMetricHistories(runIds: [$runId], keys: $keys, maxPoints: $maxPoints) {
                key
                columns {
                  lastStep
                  last
                  min
                  max
                  count
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "runId": run_id,
            "keys": keys,
            "maxPoints": max_points,
        }
        response = await self.execute(
            query=query,
            operation_name="RunMetricHistory",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return RunMetricHistory.model_validate(data)

    async def run_metrics(
        self,
        run_id: str,
        keys: Union[Optional[list[str]], UnsetType] = UNSET,
        after_step: Union[Optional[int], UnsetType] = UNSET,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> AsyncIterator[RunMetrics]:
        query = gql("""
            subscription RunMetrics($runId: ID!, $keys: [String!], $afterStep: Int, $after: String) {
              runMetrics(runId: $runId, keys: $keys, afterStep: $afterStep, after: $after) {
                runId
                cursor
                replay
                points {
                  key
                  step
                  value
                  timestamp
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "runId": run_id,
            "keys": keys,
            "afterStep": after_step,
            "after": after,
        }
        async for data in self.execute_ws(
            query=query, operation_name="RunMetrics", variables=variables, **kwargs
        ):
            yield RunMetrics.model_validate(data)

    async def alerts(
        self, organization_id: str, min_severity: AlertSeverity, **kwargs: Any
    ) -> AsyncIterator[Alerts]:
        query = gql("""
            subscription Alerts($organizationId: ID!, $minSeverity: AlertSeverity! = LOW) {
              alerts(organizationId: $organizationId, minSeverity: $minSeverity) {
                id
                alertType
                severity
                status
                title
                metricName
                metricValue
                openedAt
                deployment {
                  id
                }
              }
            }
            """)
        variables: dict[str, object] = {
            "organizationId": organization_id,
            "minSeverity": min_severity,
        }
        async for data in self.execute_ws(
            query=query, operation_name="Alerts", variables=variables, **kwargs
        ):
            yield Alerts.model_validate(data)

    async def run_logs(
        self, run_id: str, after: Union[Optional[str], UnsetType] = UNSET, **kwargs: Any
    ) -> AsyncIterator[RunLogs]:
        query = gql("""
            subscription RunLogs($runId: ID!, $after: String) {
              runLogs(runId: $runId, after: $after) {
                cursor
                replay
                lines {
                  lineNumber
                  stream
                  text
                  loggedAt
                }
              }
            }
            """)
        variables: dict[str, object] = {"runId": run_id, "after": after}
        async for data in self.execute_ws(
            query=query, operation_name="RunLogs", variables=variables, **kwargs
        ):
            yield RunLogs.model_validate(data)

    async def sweep_create(self, input: SweepCreateInput, **kwargs: Any) -> SweepCreate:
        query = gql("""
            mutation SweepCreate($input: SweepCreateInput!) {
              sweepCreate(input: $input) {
                sweep {
                  id
                  name
                  status
                  maxTrials
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="SweepCreate", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SweepCreate.model_validate(data)

    async def sweep_trial_claim(
        self, input: SweepTrialClaimInput, **kwargs: Any
    ) -> SweepTrialClaim:
        query = gql("""
            mutation SweepTrialClaim($input: SweepTrialClaimInput!) {
              sweepTrialClaim(input: $input) {
                trial {
                  id
                  number
                  params
                  trainingJob {
                    id
                  }
                }
                run {
                  id
                  name
                }
                sweep {
                  id
                  name
                  status
                  trialsActive
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="SweepTrialClaim", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return SweepTrialClaim.model_validate(data)

    async def training_job_finish(
        self, input: TrainingJobTransitionInput, **kwargs: Any
    ) -> TrainingJobFinish:
        query = gql("""
            mutation TrainingJobFinish($input: TrainingJobTransitionInput!) {
              trainingJobTransition(input: $input) {
                trainingJob {
                  id
                  status
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="TrainingJobFinish",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return TrainingJobFinish.model_validate(data)

    async def viewer(self, **kwargs: Any) -> Viewer:
        query = gql("""
            query Viewer {
              viewer {
                user {
                  id
                  email
                }
                memberships(first: 100) {
                  nodes {
                    role
                    organization {
                      id
                      slug
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {}
        response = await self.execute(
            query=query, operation_name="Viewer", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return Viewer.model_validate(data)

    async def organization_projects(
        self, slug: str, after: Union[Optional[str], UnsetType] = UNSET, **kwargs: Any
    ) -> OrganizationProjects:
        query = gql("""
            query OrganizationProjects($slug: String!, $after: String) {
              organization(slug: $slug) {
                id
                projects(first: 100, after: $after) {
                  pageInfo {
                    hasNextPage
                    endCursor
                  }
                  nodes {
                    id
                    slug
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"slug": slug, "after": after}
        response = await self.execute(
            query=query,
            operation_name="OrganizationProjects",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return OrganizationProjects.model_validate(data)

    async def project_experiments(
        self,
        project_id: str,
        after: Union[Optional[str], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> ProjectExperiments:
        query = gql("""
            query ProjectExperiments($projectId: ID!, $after: String) {
              node(id: $projectId) {
                __typename
                ... on Project {
                  experiments(first: 100, after: $after) {
                    pageInfo {
                      hasNextPage
                      endCursor
                    }
                    nodes {
                      id
                      name
                    }
                  }
                }
              }
            }
            """)
        variables: dict[str, object] = {"projectId": project_id, "after": after}
        response = await self.execute(
            query=query,
            operation_name="ProjectExperiments",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ProjectExperiments.model_validate(data)

    async def experiment_create(
        self, input: ExperimentCreateInput, **kwargs: Any
    ) -> ExperimentCreate:
        query = gql("""
            mutation ExperimentCreate($input: ExperimentCreateInput!) {
              experimentCreate(input: $input) {
                experiment {
                  id
                  name
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="ExperimentCreate",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return ExperimentCreate.model_validate(data)

    async def run_create(self, input: RunCreateInput, **kwargs: Any) -> RunCreate:
        query = gql("""
            mutation RunCreate($input: RunCreateInput!) {
              runCreate(input: $input) {
                run {
                  id
                  name
                  status
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RunCreate", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunCreate.model_validate(data)

    async def run_finish(self, input: RunFinishInput, **kwargs: Any) -> RunFinish:
        query = gql("""
            mutation RunFinish($input: RunFinishInput!) {
              runFinish(input: $input) {
                run {
                  id
                  status
                  endedAt
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query, operation_name="RunFinish", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunFinish.model_validate(data)

    async def run_metrics_log(
        self, run_id: str, series: Any, **kwargs: Any
    ) -> RunMetricsLog:
        query = gql("""
            mutation RunMetricsLog($runId: ID!, $series: MetricSeries!) {
              runMetricsLog(input: {runId: $runId, series: $series}) {
                loggedCount
                newCount
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"runId": run_id, "series": series}
        response = await self.execute(
            query=query, operation_name="RunMetricsLog", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunMetricsLog.model_validate(data)

    async def run_logs_append(
        self,
        run_id: str,
        columns: Any,
        start_line: Union[Optional[int], UnsetType] = UNSET,
        **kwargs: Any,
    ) -> RunLogsAppend:
        query = gql("""
            mutation RunLogsAppend($runId: ID!, $columns: LogColumns!, $startLine: Int) {
              runLogsAppend(input: {runId: $runId, columns: $columns, startLine: $startLine}) {
                firstLine
                lastLine
                newCount
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {
            "runId": run_id,
            "columns": columns,
            "startLine": start_line,
        }
        response = await self.execute(
            query=query, operation_name="RunLogsAppend", variables=variables, **kwargs
        )
        data = self.get_data(response)
        return RunLogsAppend.model_validate(data)

    async def training_job_heartbeat(
        self, input: TrainingJobHeartbeatInput, **kwargs: Any
    ) -> TrainingJobHeartbeat:
        query = gql("""
            mutation TrainingJobHeartbeat($input: TrainingJobHeartbeatInput!) {
              trainingJobHeartbeat(input: $input) {
                trainingJob {
                  id
                  status
                }
                userErrors {
                  ...UserErrors
                }
              }
            }

            fragment UserErrors on UserError {
              field
              code
              message
            }
            """)
        variables: dict[str, object] = {"input": input}
        response = await self.execute(
            query=query,
            operation_name="TrainingJobHeartbeat",
            variables=variables,
            **kwargs,
        )
        data = self.get_data(response)
        return TrainingJobHeartbeat.model_validate(data)
