"""The outbox worker: claims due deliveries (a lease, so several processes can run it),
sends them, records every attempt, and retries failures with exponential backoff."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import text

from app.db.engine import SessionFactory
from app.db.ids import uuid7
from app.db.scope import SYSTEM, enter_scope
from app.domain.notifications.egress import UNREACHABLE, EgressRefused, post_public
from app.domain.secrets import SecretBox
from app.process.background import stop_task

log = logging.getLogger("mlgraph.notifications")

LEASE = timedelta(seconds=60)

CLAIM = text(
    """
    UPDATE notification_deliveries d
    SET attempts = d.attempts + 1, next_attempt_at = :lease_until
    FROM notification_channels c
    WHERE d.id IN (
        SELECT nd.id FROM notification_deliveries nd
        JOIN notification_channels paused ON paused.id = nd.channel_id AND paused.enabled
        WHERE nd.status = 'pending' AND nd.next_attempt_at <= :now
        ORDER BY nd.next_attempt_at LIMIT :limit FOR UPDATE OF nd SKIP LOCKED
    ) AND c.id = d.channel_id
    RETURNING d.id, d.organization_id, d.event_type, d.payload, d.attempts,
              c.channel_type, c.config, c.secret
    """
)
RECORD_ATTEMPT = text(
    """
    INSERT INTO notification_attempts
        (id, organization_id, delivery_id, attempt, started_at, duration_ms, status_code, error,
         succeeded)
    VALUES (:id, :org_id, :delivery_id, :attempt, :started_at, :duration_ms, :status_code, :error,
            :succeeded)
    """
)
DELIVERED = text(
    "UPDATE notification_deliveries SET status = 'delivered', delivered_at = :now, "
    "last_error = NULL WHERE id = :id"
)
RETRY = text(
    "UPDATE notification_deliveries SET status = :status, next_attempt_at = :next, "
    "last_error = :error WHERE id = :id"
)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def slack_text(payload: dict[str, Any]) -> str:
    summary = payload.get("title") or payload.get("summary") or payload.get("event")
    return f"[mlgraph] {payload.get('event')}: {summary}"


class OutboxWorker:
    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        backoff_seconds: float,
        max_attempts: int,
        poll_seconds: float,
        timeout_seconds: float = 10.0,
        smtp_url: str | None = None,
        allow_private_targets: bool = False,
        secrets: SecretBox | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.backoff_seconds = backoff_seconds
        self.max_attempts = max_attempts
        self.poll_seconds = poll_seconds
        self.timeout_seconds = timeout_seconds
        self.smtp_url = smtp_url
        self.allow_private_targets = allow_private_targets
        self.secrets = secrets
        self.wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.timeout_seconds, follow_redirects=False)
        self._task = asyncio.create_task(self._run(), name="mlgraph-outbox")

    async def stop(self) -> None:
        await stop_task(self._task)
        if self._client is not None:
            await self._client.aclose()

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base, 2x base, 4x base, ... after the 1st, 2nd, 3rd failure."""
        return timedelta(seconds=self.backoff_seconds * 2 ** (attempts - 1))

    async def _run(self) -> None:
        enter_scope(SYSTEM)  # the server's own work: every organization's rows
        while True:
            try:
                while await self.run_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox worker iteration failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.poll_seconds)
            self.wake.clear()

    async def run_once(self, limit: int = 20) -> int:
        now = datetime.now(UTC)
        async with self.session_factory() as session, session.begin():
            claimed = (
                await session.execute(
                    CLAIM, {"now": now, "lease_until": now + LEASE, "limit": limit}
                )
            ).all()
        if claimed:
            await asyncio.gather(*(self._deliver(row) for row in claimed))
        return len(claimed)

    async def _deliver(self, row: Any) -> None:
        started_at = datetime.now(UTC)
        started = time.perf_counter()
        try:
            outcome = await self._send(
                row.channel_type, row.config, row.secret, row.id, row.event_type, row.payload
            )
        except (EgressRefused, httpx.TransportError):
            # One answer for "refused by policy" and "could not connect": the delivery log
            # must not tell an admin's probe which internal ports are open.
            outcome = Outcome(False, None, UNREACHABLE)
        except Exception as error:  # a broken channel must not stop the worker
            outcome = Outcome(False, None, f"{type(error).__name__}: {error}")
        duration_ms = (time.perf_counter() - started) * 1000
        now = datetime.now(UTC)
        async with self.session_factory() as session, session.begin():
            await session.execute(
                RECORD_ATTEMPT,
                {
                    "id": uuid7(),
                    "org_id": row.organization_id,
                    "delivery_id": row.id,
                    "attempt": row.attempts,
                    "started_at": started_at,
                    "duration_ms": duration_ms,
                    "status_code": outcome.status_code,
                    "error": outcome.error,
                    "succeeded": outcome.ok,
                },
            )
            if outcome.ok:
                await session.execute(DELIVERED, {"id": row.id, "now": now})
            else:
                exhausted = row.attempts >= self.max_attempts
                await session.execute(
                    RETRY,
                    {
                        "id": row.id,
                        "status": "failed" if exhausted else "pending",
                        "next": now if exhausted else now + self.backoff(row.attempts),
                        "error": outcome.error,
                    },
                )

    async def _send(
        self,
        channel_type: str,
        config: dict[str, Any],
        secret: str | None,
        delivery_id: uuid.UUID,
        event_type: str,
        payload: dict[str, Any],
    ) -> Outcome:
        assert self._client is not None
        if self.secrets is not None:  # sealed at rest: opened only to deliver
            secret = self.secrets.open(secret) if secret else secret
            if isinstance(config.get("url"), str):
                config = {**config, "url": self.secrets.open(config["url"])}
        if channel_type == "email":
            return await self._send_email(config, event_type, payload)
        if channel_type in ("slack", "teams"):  # both take {"text": ...}
            body = orjson.dumps({"text": slack_text(payload)})
            headers = {"Content-Type": "application/json"}
            if secret and channel_type == "slack":
                headers["Authorization"] = f"Bearer {secret}"
        else:
            body = orjson.dumps(payload)
            headers = {
                "Content-Type": "application/json",
                "X-Mlgraph-Event": event_type,
                "X-Mlgraph-Delivery": str(delivery_id),
            }
            if secret:
                headers["X-Mlgraph-Signature"] = signature(secret, body)
        response = await post_public(
            self._client,
            config["url"],
            content=body,
            headers=headers,
            allow_private=self.allow_private_targets,
        )
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code)
        return Outcome(False, response.status_code, f"HTTP {response.status_code}")

    async def _send_email(
        self, config: dict[str, Any], event_type: str, payload: dict[str, Any]
    ) -> Outcome:
        if not self.smtp_url:
            return Outcome(False, None, "email is not configured (set MLGRAPH_SMTP_URL)")
        import smtplib
        from email.message import EmailMessage
        from urllib.parse import urlparse

        url = urlparse(self.smtp_url)
        message = EmailMessage()
        message["Subject"] = f"[mlgraph] {event_type}: {payload.get('title', '')}"
        message["From"] = url.username or "mlgraph@localhost"
        message["To"] = ", ".join(config["recipients"])
        message.set_content(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())

        def send() -> None:
            with smtplib.SMTP(
                url.hostname or "localhost", url.port or 25, timeout=self.timeout_seconds
            ) as smtp:
                smtp.send_message(message)

        await asyncio.to_thread(send)
        return Outcome(True, 250)
