"""The per-request context: the caller, a session factory (never a shared session), loaders."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from app.api.loaders.active_deployments import ActiveDeploymentLoader
from app.api.loaders.aggregates import AggregateLoader
from app.api.loaders.child_counts import ChildCountLoader
from app.api.loaders.child_pages import ChildPageLoader
from app.api.loaders.embeddings import EmbeddingSamplesLoader, SimilarPredictionsLoader
from app.api.loaders.list_spec import ListSpec
from app.api.loaders.lookups import LookupLoader
from app.api.loaders.metric_history import MetricHistoryLoader
from app.api.loaders.metric_summaries import MetricSummariesLoader
from app.api.loaders.organizations_by_slug import OrganizationBySlugLoader
from app.api.loaders.prediction_stats import PredictionStatsLoader
from app.api.loaders.rows_by_id import RowsByIdLoader
from app.db.engine import SessionFactory
from app.db.scope import enter_scope
from app.db.statements import StatementPool
from app.domain.tenancy.access import Actor
from app.domain.tenancy.enums import OrgRole
from app.settings import Limits


class DataLoaders:
    """Loaders made per request (a module-level loader would cache across requests and users)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        actor: Actor,
        transactional_factory: SessionFactory | None = None,
        lagging_factory: SessionFactory | None = None,
        *,
        statements: StatementPool,
    ) -> None:
        self._session_factory = session_factory
        # Single statements straight through asyncpg, on the primary (app/db/statements.py).
        self._statements = statements
        # Reads that tolerate replication lag (chart histories): the read replica when
        # DATABASE_READ_URL is set.
        self._lagging_factory = lagging_factory or session_factory
        self._actor = actor
        self._org_ids = actor.org_ids
        self._user_id = actor.user_id
        self._hidden = actor.hidden
        self._by_id: dict[Any, RowsByIdLoader] = {}
        self._pages: dict[str, ChildPageLoader] = {}
        self._counts: dict[str, ChildCountLoader] = {}
        self._aggregates: dict[str, AggregateLoader] = {}
        self._lookups: dict[tuple[str, str], LookupLoader] = {}
        self._transactional_factory = transactional_factory or session_factory

    def fresh(self, actor: Actor | None = None) -> DataLoaders:
        """Empty loaders over the same databases (for ``actor``, by default the same): what
        a new operation on a long-lived WebSocket, a subscription event or a gained role
        needs, since loaders cache every row they have read."""
        return DataLoaders(
            self._session_factory,
            actor or self._actor,
            self._transactional_factory,
            lagging_factory=self._lagging_factory,
            statements=self._statements,
        )

    # Made on first use: a request answered on the compiled path needs none of them.
    @functools.cached_property
    def organization_by_slug(self) -> OrganizationBySlugLoader:
        return OrganizationBySlugLoader(self._session_factory, self._org_ids)

    @functools.cached_property
    def metric_summaries(self) -> MetricSummariesLoader:
        return MetricSummariesLoader(self._statements, self._org_ids)

    @functools.cached_property
    def metric_history(self) -> MetricHistoryLoader:
        # Through asyncpg when the histories are read on the primary; a replica's reads
        # go through its sessions.
        primary = self._lagging_factory is self._session_factory
        return MetricHistoryLoader(
            self._lagging_factory, self._org_ids, self._statements if primary else None
        )

    @functools.cached_property
    def active_deployment(self) -> ActiveDeploymentLoader:
        return ActiveDeploymentLoader(self._session_factory, self._org_ids)

    @functools.cached_property
    def prediction_stats(self) -> PredictionStatsLoader:
        return PredictionStatsLoader(self._session_factory, self._org_ids)

    @functools.cached_property
    def embedding_samples(self) -> EmbeddingSamplesLoader:
        return EmbeddingSamplesLoader(self._session_factory, self._org_ids)

    @functools.cached_property
    def similar_predictions(self) -> SimilarPredictionsLoader:
        return SimilarPredictionsLoader(self._transactional_factory, self._org_ids)

    def lookup(self, type_name: str, field_name: str) -> LookupLoader:
        """The loader of a declared ``Lookup`` (e.g. Model.productionVersion)."""
        key = (type_name, field_name)
        if key not in self._lookups:
            from app.api.graph.declare import GRAPH

            lookup = GRAPH[type_name].lookups[field_name]
            model = GRAPH[lookup.target].model
            self._lookups[key] = LookupLoader(
                self._session_factory, self._org_ids, model, lookup, self._hidden
            )
        return self._lookups[key]

    def by_id(self, model: Any) -> RowsByIdLoader:
        if model not in self._by_id:
            self._by_id[model] = RowsByIdLoader(
                self._statements, self._org_ids, self._user_id, model, self._hidden
            )
        return self._by_id[model]

    def page(self, spec: ListSpec) -> ChildPageLoader:
        if spec.name not in self._pages:
            self._pages[spec.name] = ChildPageLoader(
                self._session_factory, self._org_ids, spec, self._hidden
            )
        return self._pages[spec.name]

    def count(self, spec: ListSpec) -> ChildCountLoader:
        if spec.name not in self._counts:
            self._counts[spec.name] = ChildCountLoader(
                self._session_factory, self._org_ids, spec, self._hidden
            )
        return self._counts[spec.name]

    def aggregate(self, spec: ListSpec) -> AggregateLoader:
        if spec.name not in self._aggregates:
            self._aggregates[spec.name] = AggregateLoader(
                self._session_factory, self._org_ids, spec, self._hidden
            )
        return self._aggregates[spec.name]


@dataclass
class Context:
    session_factory: SessionFactory  # one transaction per mutation
    read_session_factory: SessionFactory  # autocommit reads, used by the loaders
    actor: Actor
    loaders: DataLoaders
    limits: Limits
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    request: Any = None
    response: Any = None
    broker: Any = None  # app.events.hubs.Broker
    subscription_slots: Any = None  # app.server.subscription_slots.SubscriptionSlots
    secrets: Any = None  # app.domain.secrets.SecretBox: seals credentials at rest
    auth_cache: Any = None  # app.server.auth_cache.AuthCache: forget users who lose access
    variables_checked: bool = False  # input safety already done by the HTTP layer
    connection_params: dict[str, Any] | None = None  # WebSocket connection_init payload
    statements: Any = None  # app.db.statements.StatementPool: the compiled reads' statements
    # Reads that tolerate replication lag (raw point pages): the replica, if configured.
    lagging_read_session_factory: SessionFactory | None = None
    # Where audit rows are archived before a purge (app.domain.retention.archive).
    audit_archive: Any = None
    artifact_store: Any = None  # app.domain.artifacts.store.ArtifactStore

    @property
    def lagging_reads(self) -> SessionFactory:
        return self.lagging_read_session_factory or self.read_session_factory

    def forget_access(self, user_id: uuid.UUID | None) -> None:
        """A user's access just changed (a key revoked, a membership added, changed or
        removed): stop trusting what this process remembers of them (other processes hear
        it over NOTIFY)."""
        if self.auth_cache is not None and user_id is not None:
            self.auth_cache.forget_user(user_id)

    def forget_all_access(self) -> None:
        """Many users' access may have changed (a project made private, a project role set):
        this process forgets every cached key; the others hear one NOTIFY per user."""
        if self.auth_cache is not None:
            self.auth_cache.clear()

    def grant(self, organization_id: uuid.UUID, role: OrgRole) -> None:
        """Reflect a role the caller gained during this request (organizationCreate), so the
        rest of the response can read the new organization."""
        roles = {**self.actor.org_roles, organization_id: role}
        self.actor = replace(self.actor, org_roles=roles)
        self.loaders = self.loaders.fresh(self.actor)
        enter_scope(self.actor.db_scope())
