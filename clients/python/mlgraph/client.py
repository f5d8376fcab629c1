"""The async client: the generated typed operations (``mlgraph.generated``) behind a few
calls that turn ``userErrors`` into exceptions, plus live streams over graphql-transport-ws.

    async with mlgraph.Client() as client:          # MLGRAPH_URL, MLGRAPH_API_KEY
        version = await client.register_model_version(model_id, "1.2.0", run_id=run.id)
        await client.set_alias(model_id, "champion", version.id)
        async for batch in client.run_metrics(run.id, keys=["loss"]):
            ...

Everything the schema offers stays reachable through ``client.graphql`` (the generated
``GraphQLClient``) or ``client.execute`` for a hand-written document."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx

from mlgraph.generated import GraphQLClient
from mlgraph.generated.alerts import AlertsAlerts
from mlgraph.generated.enums import AlertSeverity, ModelStage
from mlgraph.generated.exceptions import GraphQLClientHttpError
from mlgraph.generated.input_types import (
    ModelAliasSetInput,
    ModelVersionCreateInput,
    ModelVersionTransitionInput,
    PredictionInput,
    PredictionsRecordInput,
)
from mlgraph.generated.model_alias_set import ModelAliasSetModelAliasSetModelAlias
from mlgraph.generated.model_version_create import (
    ModelVersionCreateModelVersionCreateModelVersion,
)
from mlgraph.generated.model_version_transition import (
    ModelVersionTransitionModelVersionTransition,
)
from mlgraph.generated.predictions_record import PredictionsRecordPredictionsRecord
from mlgraph.generated.run_metrics import RunMetricsRunMetrics

DEFAULT_URL = "http://127.0.0.1:8000"


class MlgraphError(Exception):
    """Something the server refused or could not do."""


class UserErrors(MlgraphError):
    """The mutation answered ``userErrors`` (bad input, not found, forbidden...)."""

    def __init__(self, errors: Sequence[Any]) -> None:
        self.errors = list(errors)
        details = "; ".join(
            f"{e.code.value if hasattr(e.code, 'value') else e.code}"
            f" at {'.'.join(e.field or [])}: {e.message}"
            for e in self.errors
        )
        super().__init__(details)

    @property
    def codes(self) -> list[str]:
        return [e.code.value if hasattr(e.code, "value") else str(e.code) for e in self.errors]


def check(payload: Any) -> Any:
    """The payload, or UserErrors when it has any."""
    errors = getattr(payload, "user_errors", None)
    if errors:
        raise UserErrors(errors)
    return payload


def settings(url: str | None, api_key: str | None) -> tuple[str, str]:
    url = (url or os.environ.get("MLGRAPH_URL") or DEFAULT_URL).rstrip("/")
    key = api_key or os.environ.get("MLGRAPH_API_KEY")
    if not key:
        raise MlgraphError("give an API key: api_key=... or the MLGRAPH_API_KEY variable")
    if url.endswith("/graphql"):
        url = url[: -len("/graphql")]
    if not url.startswith(("http://", "https://")):
        raise MlgraphError(f"the server URL must start with http:// or https://: {url!r}")
    return url, key


class ExplainingTransport(httpx.AsyncBaseTransport):
    """httpx's transport, whose connection errors name the server they could not reach
    (a bare "All connection attempts failed" says neither where nor what to check). They
    stay httpx.ConnectError, so the run's sender still retries them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self.inner.handle_async_request(request)
        except httpx.ConnectError as error:
            raise httpx.ConnectError(
                f"cannot reach the mlgraph server at {self.url} ({error or 'refused'}): is it "
                "running, and is MLGRAPH_URL (or url=) right?",
                request=request,
            ) from error

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _explain_refused_key(response: httpx.Response) -> None:
    """A 401 names its cause: the server's own reason, and where the key comes from."""
    if response.status_code == 401:
        await response.aread()
        try:
            reason = response.json()["errors"][0]["message"]
        except (ValueError, KeyError, IndexError, TypeError):
            reason = response.text[:200]
        raise MlgraphError(
            f"the mlgraph server at {response.request.url.copy_with(path='/')} refused the "
            f"API key (HTTP 401: {reason}); check MLGRAPH_API_KEY (or api_key=): it may be "
            "mistyped, revoked or expired"
        )


def graphql_client(url: str, api_key: str, *, timeout: float = 30.0) -> GraphQLClient:
    """The generated client, authenticated over HTTP and WebSocket."""
    headers = {"Authorization": f"Bearer {api_key}"}
    return GraphQLClient(
        url=f"{url}/graphql",
        http_client=httpx.AsyncClient(
            headers=headers,
            timeout=timeout,
            transport=ExplainingTransport(url),
            event_hooks={"response": [_explain_refused_key]},
        ),
        ws_url=url.replace("http", "ws", 1) + "/graphql",
        ws_connection_init_payload=headers,
    )


class Client:
    """Async access to one mlgraph server with one API key."""

    def __init__(
        self, url: str | None = None, api_key: str | None = None, *, timeout: float = 30.0
    ) -> None:
        self.url, api_key = settings(url, api_key)
        self.graphql = graphql_client(self.url, api_key, timeout=timeout)

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.graphql.http_client.aclose()

    async def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> Any:
        """Any document; its ``data`` (GraphQL errors raise)."""
        response = await self.graphql.execute(document, variables=dict(variables or {}))
        try:
            return self.graphql.get_data(response)
        except GraphQLClientHttpError as error:
            raise MlgraphError(f"HTTP {error.status_code}: {error.response.text[:500]}") from error

    # -- registry -----------------------------------------------------------------------

    async def register_model_version(
        self,
        model_id: str,
        version: str,
        *,
        run_id: str | None = None,
        artifact_uri: str | None = None,
        metrics: Mapping[str, Any] | None = None,
        description: str | None = None,
    ) -> ModelVersionCreateModelVersionCreateModelVersion:
        """A new version of a model, linked to the run that trained it."""
        payload = await self.graphql.model_version_create(
            ModelVersionCreateInput(
                modelId=model_id,
                version=version,
                runId=run_id,
                artifactUri=artifact_uri,
                metrics=dict(metrics) if metrics is not None else None,
                description=description,
            )  # fmt: skip
        )
        created = check(payload.model_version_create).model_version
        assert created is not None
        return created

    async def set_alias(
        self, model_id: str, name: str, model_version_id: str
    ) -> ModelAliasSetModelAliasSetModelAlias:
        """Point an alias (``champion``) at a version; the move is kept in its history."""
        payload = await self.graphql.model_alias_set(
            ModelAliasSetInput(modelId=model_id, name=name, modelVersionId=model_version_id)
        )
        alias = check(payload.model_alias_set).model_alias
        assert alias is not None
        return alias

    async def transition(
        self, model_version_id: str, stage: ModelStage | str
    ) -> ModelVersionTransitionModelVersionTransition:
        """Move a version to a stage (``PRODUCTION`` archives the previous one)."""
        payload = await self.graphql.model_version_transition(
            ModelVersionTransitionInput(modelVersionId=model_version_id, stage=ModelStage(stage))
        )
        return check(payload.model_version_transition)

    async def record_predictions(
        self, deployment_id: str, predictions: Sequence[Mapping[str, Any]]
    ) -> PredictionsRecordPredictionsRecord:
        """Predictions a deployment served: ``{"latencyMs": 12.5, "input": ..., "output":
        ..., "confidence": 0.9}`` each (camelCase keys, as in the schema)."""
        payload = await self.graphql.predictions_record(
            PredictionsRecordInput(
                deploymentId=deployment_id,
                predictions=[PredictionInput.model_validate(dict(p)) for p in predictions],
            )
        )
        return check(payload.predictions_record)

    # -- live streams -------------------------------------------------------------------

    async def run_metrics(
        self,
        run_id: str,
        *,
        keys: Sequence[str] | None = None,
        after_step: int | None = None,
        after: str | None = None,
    ) -> AsyncIterator[RunMetricsRunMetrics]:
        """Stored points (after ``after_step`` or a batch's ``cursor``), then new ones as
        they are committed. Resubscribe with ``after=batch.cursor`` to resume with no gap."""
        stream = self.graphql.run_metrics(
            run_id=run_id, keys=list(keys) if keys is not None else None,
            after_step=after_step, after=after,
        )  # fmt: skip
        async for message in stream:
            yield message.run_metrics

    async def alerts(
        self, organization_id: str, *, min_severity: AlertSeverity | str = AlertSeverity.LOW
    ) -> AsyncIterator[AlertsAlerts]:
        """Alerts of an organization as they open or change."""
        stream = self.graphql.alerts(
            organization_id=organization_id, min_severity=AlertSeverity(min_severity)
        )
        async for message in stream:
            yield message.alerts
