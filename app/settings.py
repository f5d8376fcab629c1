"""One Settings object, read from the environment (prefix ``MLGRAPH_``, plus ``DATABASE_URL``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.domain.integrations import catalog

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Limits:
    """Request limits; every one has a clear error when exceeded."""

    max_depth: int = 12
    max_tokens: int = 5_000
    max_aliases: int = 30
    max_body_bytes: int = 4 * 1024 * 1024
    max_page_size: int = 100
    max_metric_points: int = 10_000
    max_nodes: int = 500_000  # connection nodes a query may ask for (GitHub's limit)
    max_selections: int = 200  # fields in one selection set
    max_document_bytes: int = 256 * 1024  # a GraphQL document's text
    document_cache_bytes: int = 64 * 1024 * 1024  # validated documents kept per process
    max_subscriptions_per_connection: int = 20
    max_subscriptions_per_key: int = 100  # per server process
    log_lines_per_minute: int = 60_000  # console lines one run takes a minute
    # Where dataset versions may come from (their external ids are unique per system).
    dataset_versioning_systems: tuple[str, ...] = catalog.DATA_VERSIONING


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its environment."""

    database_url: str | None = None  # the owner's: migrations run with it
    # What the server connects as (least privilege): this URL, or the owner's URL with the
    # mlgraph_app role as user and MLGRAPH_APP_DB_PASSWORD as password.
    app_database_url: str | None = None
    app_db_password: str | None = None
    data_dir: Path = field(default_factory=lambda: REPO_ROOT / ".data")
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    log_format: str = "text"  # or "json": one JSON object per line, with the request id
    db_pool_size: int = 10
    db_max_overflow: int = 10
    graphiql: bool = True
    limits: Limits = field(default_factory=Limits)
    notification_backoff_seconds: float = 5.0
    notification_max_attempts: int = 6
    # How often the outbox worker looks for due deliveries besides being woken by NOTIFY
    # (0: this process delivers none; the other processes do).
    notification_poll_seconds: float = 1.0
    # How often the background worker evaluates promotion policies (0: never; tests and
    # admins can still ask for an evaluation with promotionPoliciesEvaluate).
    promotion_poll_seconds: float = 30.0
    # How often the health worker judges the clock rules (STALL, THROUGHPUT_DROP; 0: never
    # on a clock, trainingHealthEvaluate still does).
    health_poll_seconds: float = 15.0
    # How often the scheduler starts due pipeline schedules (0: never in this process;
    # `mlgraph schedules-fire` still does).
    scheduler_poll_seconds: float = 30.0
    smtp_url: str | None = None
    # Browser origins allowed to call the API (HTTP CORS and the WebSocket origin check):
    # exact origins, or patterns with a `*` port or subdomain (http://localhost:*). Empty:
    # same-origin only.
    cors_origins: tuple[str, ...] = ()
    cors_credentials: bool = False
    # A manifest of trusted documents (JSON: {id: document}); when set, nothing else runs.
    trusted_documents: Path | None = None
    apq_cache_bytes: int = 16 * 1024 * 1024  # automatic persisted queries kept in memory
    compression_min_bytes: int = 1024
    # WebSocket keepalive: the server pings every N seconds and drops a client whose pong
    # does not come within N seconds (0: no pings).
    ws_ping_seconds: float = 20.0
    # permessage-deflate on WebSockets: off by default, as in the `ws` server behind the
    # reference graphql-ws server. Each message is compressed per connection: at 1,000
    # subscribers it cost 13 µs of CPU per delivered message and was the slowest write's
    # delay; worth turning on where bandwidth is dearer than CPU (large replays, charts).
    ws_compression: bool = False
    # Webhooks to loopback/private/link-local addresses: refused unless this is set (dev).
    webhook_allow_private: bool = False
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR blocks): the
    # audit log and the rate limits then see the client behind them.
    trusted_proxies: tuple[str, ...] = ()
    # OpenTelemetry spans (requests, operations, SQL) to OTEL_EXPORTER_OTLP_*; off by default.
    tracing: bool = False
    # The bearer token Prometheus scrapes /metrics with; unset: loopback clients only.
    metrics_token: str | None = None
    # Retention: how often policies are applied (0: only when an admin asks), and where
    # audit rows are archived before they are purged (default: <data dir>/audit-archive).
    retention_poll_seconds: float = 3600.0
    audit_archive_dir: Path | None = None
    # ... or an object store location (s3://bucket/prefix, gs://, az://): it wins over the
    # directory; credentials come from the provider's environment (AWS_*, GOOGLE_*, AZURE_*).
    audit_archive_url: str | None = None
    # Run artifacts: an object store location (s3://bucket/prefix, gs://, az://; credentials
    # from the provider's environment), else a directory (default: <data dir>/artifacts);
    # the largest file, and what one organization may keep in all.
    artifact_store_url: str | None = None
    artifact_dir: Path | None = None
    artifact_max_bytes: int = 5 * 1024**3
    artifact_quota_bytes: int = 100 * 1024**3
    # Downloads from an object store answered by a redirect to a presigned URL valid this
    # many seconds (0: streamed through the server). No effect on a local directory.
    artifact_presign_seconds: int = 0
    # MLflow's REST API (/mlflow): the project its experiments and registered models live
    # in, in the caller's organization (a slug), or <org slug>/<project slug>.
    mlflow_project: str = "mlflow"
    # The built dashboard (`make dashboard`), served at /app when it is there.
    dashboard_dir: Path = field(default_factory=lambda: REPO_ROOT / "dashboard" / "dist")
    # Fernet key sealing credentials at rest; the CLI keeps one in the data folder if unset.
    secret_key: str | None = None
    # Rate limits per minute, shared by every server process (0: off).
    rate_auth_failures_per_address: int = 30
    rate_auth_failures_per_prefix: int = 10
    rate_requests_per_key: int = 6_000
    auth_cache_seconds: float = 5.0  # who a key is, remembered (revocation forgets at once)
    # Queries over declared fields answered by one SQL statement (app/api/graph/compiler.py).
    compiled_reads: bool = True
    # Honour a request header "X-MLGraph-Path: resolvers" that forces the resolver path
    # (differential tests, debugging); off in production.
    read_path_override: bool = False
    workers: int = 1  # server processes (mlgraph serve --workers)
    # Full garbage collections every N seconds instead of whenever CPython decides (0:
    # CPython's own schedule); app/process/gc_policy.py.
    gc_full_seconds: float = 300.0
    # Young collections after this many allocations (net of frees) instead of CPython's 700
    # (0: CPython's); app/process/gc_policy.py.
    gc_young_threshold: int = 10_000
    # A streaming replica for reads that tolerate lag (chart histories, raw point pages).
    database_read_url: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        limits = Limits(
            max_depth=_int("MLGRAPH_MAX_DEPTH", Limits.max_depth),
            max_tokens=_int("MLGRAPH_MAX_TOKENS", Limits.max_tokens),
            max_aliases=_int("MLGRAPH_MAX_ALIASES", Limits.max_aliases),
            max_body_bytes=_int("MLGRAPH_MAX_BODY_BYTES", Limits.max_body_bytes),
            max_page_size=_int("MLGRAPH_MAX_PAGE_SIZE", Limits.max_page_size),
            max_metric_points=_int("MLGRAPH_MAX_METRIC_POINTS", Limits.max_metric_points),
            max_nodes=_int("MLGRAPH_MAX_NODES", Limits.max_nodes),
            max_selections=_int("MLGRAPH_MAX_SELECTIONS", Limits.max_selections),
            max_document_bytes=_int("MLGRAPH_MAX_DOCUMENT_BYTES", Limits.max_document_bytes),
            document_cache_bytes=_int("MLGRAPH_DOCUMENT_CACHE_BYTES", Limits.document_cache_bytes),
            max_subscriptions_per_connection=_int(
                "MLGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION", Limits.max_subscriptions_per_connection
            ),
            max_subscriptions_per_key=_int(
                "MLGRAPH_MAX_SUBSCRIPTIONS_PER_KEY", Limits.max_subscriptions_per_key
            ),
            log_lines_per_minute=_int("MLGRAPH_LOG_LINES_PER_MINUTE", Limits.log_lines_per_minute),
            dataset_versioning_systems=tuple(
                s.lower()
                for s in _list(
                    "MLGRAPH_DATASET_VERSIONING_SYSTEMS", Limits.dataset_versioning_systems
                )
            ),
        )
        data_dir = os.environ.get("MLGRAPH_DATA_DIR")
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            database_read_url=os.environ.get("DATABASE_READ_URL") or None,
            app_database_url=os.environ.get("MLGRAPH_APP_DATABASE_URL") or None,
            app_db_password=os.environ.get("MLGRAPH_APP_DB_PASSWORD") or None,
            data_dir=Path(data_dir).resolve() if data_dir else REPO_ROOT / ".data",
            host=os.environ.get("MLGRAPH_HOST", "127.0.0.1"),
            port=_int("MLGRAPH_PORT", 8000),
            log_level=os.environ.get("MLGRAPH_LOG_LEVEL", "info"),
            log_format=os.environ.get("MLGRAPH_LOG_FORMAT", "text").lower(),
            db_pool_size=_int("MLGRAPH_DB_POOL_SIZE", 10),
            db_max_overflow=_int("MLGRAPH_DB_MAX_OVERFLOW", 10),
            graphiql=_bool("MLGRAPH_GRAPHIQL", True),
            limits=limits,
            notification_backoff_seconds=float(
                os.environ.get("MLGRAPH_NOTIFY_BACKOFF_SECONDS", "5")
            ),
            notification_max_attempts=_int("MLGRAPH_NOTIFY_MAX_ATTEMPTS", 6),
            notification_poll_seconds=float(os.environ.get("MLGRAPH_NOTIFY_POLL_SECONDS", "1")),
            promotion_poll_seconds=float(os.environ.get("MLGRAPH_PROMOTION_POLL_SECONDS", "30")),
            health_poll_seconds=float(os.environ.get("MLGRAPH_HEALTH_POLL_SECONDS", "15")),
            scheduler_poll_seconds=float(os.environ.get("MLGRAPH_SCHEDULER_POLL_SECONDS", "30")),
            smtp_url=os.environ.get("MLGRAPH_SMTP_URL") or None,
            cors_origins=_list("MLGRAPH_CORS_ORIGINS"),
            cors_credentials=_bool("MLGRAPH_CORS_CREDENTIALS", False),
            trusted_documents=(
                Path(os.environ["MLGRAPH_TRUSTED_DOCUMENTS"]).resolve()
                if os.environ.get("MLGRAPH_TRUSTED_DOCUMENTS")
                else None
            ),
            apq_cache_bytes=_int("MLGRAPH_APQ_CACHE_BYTES", 16 * 1024 * 1024),
            compression_min_bytes=_int("MLGRAPH_COMPRESSION_MIN_BYTES", 1024),
            ws_ping_seconds=float(os.environ.get("MLGRAPH_WS_PING_SECONDS") or 20),
            ws_compression=_bool("MLGRAPH_WS_COMPRESSION", False),
            webhook_allow_private=_bool("MLGRAPH_WEBHOOK_ALLOW_PRIVATE", False),
            trusted_proxies=tuple(_list("MLGRAPH_TRUSTED_PROXIES", ())),
            metrics_token=os.environ.get("MLGRAPH_METRICS_TOKEN") or None,
            tracing=_bool("MLGRAPH_TRACING", False),
            retention_poll_seconds=float(os.environ.get("MLGRAPH_RETENTION_POLL_SECONDS", "3600")),
            gc_full_seconds=float(os.environ.get("MLGRAPH_GC_FULL_SECONDS", "300")),
            gc_young_threshold=_int("MLGRAPH_GC_YOUNG_THRESHOLD", 10_000),
            audit_archive_dir=Path(os.environ["MLGRAPH_AUDIT_ARCHIVE_DIR"]).resolve()
            if os.environ.get("MLGRAPH_AUDIT_ARCHIVE_DIR")
            else None,
            audit_archive_url=os.environ.get("MLGRAPH_AUDIT_ARCHIVE_URL") or None,
            artifact_store_url=os.environ.get("MLGRAPH_ARTIFACT_STORE_URL") or None,
            artifact_dir=Path(os.environ["MLGRAPH_ARTIFACT_DIR"]).resolve()
            if os.environ.get("MLGRAPH_ARTIFACT_DIR")
            else None,
            artifact_max_bytes=_int("MLGRAPH_ARTIFACT_MAX_BYTES", 5 * 1024**3),
            artifact_quota_bytes=_int("MLGRAPH_ARTIFACT_QUOTA_BYTES", 100 * 1024**3),
            artifact_presign_seconds=_int("MLGRAPH_ARTIFACT_PRESIGN_SECONDS", 0),
            mlflow_project=os.environ.get("MLGRAPH_MLFLOW_PROJECT") or "mlflow",
            dashboard_dir=Path(os.environ["MLGRAPH_DASHBOARD_DIR"]).resolve()
            if os.environ.get("MLGRAPH_DASHBOARD_DIR")
            else REPO_ROOT / "dashboard" / "dist",
            secret_key=os.environ.get("MLGRAPH_SECRET_KEY") or None,
            rate_auth_failures_per_address=_int("MLGRAPH_RATE_AUTH_FAILURES_PER_ADDRESS", 30),
            rate_auth_failures_per_prefix=_int("MLGRAPH_RATE_AUTH_FAILURES_PER_PREFIX", 10),
            rate_requests_per_key=_int("MLGRAPH_RATE_REQUESTS_PER_KEY", 6_000),
            auth_cache_seconds=float(os.environ.get("MLGRAPH_AUTH_CACHE_SECONDS") or 5),
            compiled_reads=_bool("MLGRAPH_COMPILED_READS", True),
            read_path_override=_bool("MLGRAPH_READ_PATH_OVERRIDE", False),
            workers=_int("MLGRAPH_WORKERS", 1),
        )

    def with_database(self, url: str) -> Settings:
        return replace(self, database_url=url)

    def with_secret_key(self) -> Settings:
        """MLGRAPH_SECRET_KEY, or a key kept in the data folder (made once, mode 0600): the
        embedded server works out of the box; production sets the variable."""
        if self.secret_key:
            return self
        from app.domain.secrets import SecretBox

        path = self.data_dir / "secret-key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(SecretBox.generate_key())
            path.chmod(0o600)
        return replace(self, secret_key=path.read_text().strip())

    @property
    def server_read_database_url(self) -> str | None:
        """The replica's URL as the application role (the role replicates with the rest)."""
        from app.db.url import app_role_url

        if not self.database_read_url:
            return None
        return app_role_url(self.database_read_url, self.app_db_password)

    @property
    def server_database_url(self) -> str:
        """The least-privileged URL the server's requests, listener and worker use."""
        from app.db.url import app_role_url

        if self.app_database_url:
            return self.app_database_url
        if not self.database_url:
            raise ValueError("no DATABASE_URL")
        return app_role_url(self.database_url, self.app_db_password)


def artifact_dir(settings: Settings) -> Path:
    return settings.artifact_dir or settings.data_dir / "artifacts"


def archive_dir(settings: Settings) -> Path:
    return settings.audit_archive_dir or settings.data_dir / "audit-archive"
