"""The compiler's base64url (app/api/graph/sql_text.base64url_sql: every global id and
cursor a compiled query writes) is Python's ``urlsafe_b64encode(...).rstrip("=")`` for
any bytes, held to PostgreSQL itself: lengths of every padding, and values long enough
that PostgreSQL's base64 breaks its lines."""

from __future__ import annotations

import base64

from hypothesis import strategies as st

from app.api.graph.sql_text import base64url_sql, cursor_sql, global_id_sql
from tests.support.drawn import drawn


async def test_base64url_is_pythons_for_any_bytes(connection) -> None:  # type: ignore[no-untyped-def]
    values = [bytes(range(n % 256)) * (1 + n // 256) for n in range(0, 400, 7)]
    values += [b"\xfb\xff\xbf", b"\xff" * 58, b"\x00"]  # '+', '/', a line break, '='
    values += drawn(st.binary(max_size=300), 200)
    statement = await connection.prepare(f"SELECT {base64url_sql('$1::bytea')}")
    for value in values:
        expected = base64.urlsafe_b64encode(value).decode().rstrip("=")
        assert await statement.fetchval(value) == expected, value
    assert await statement.fetchval(None) is None


async def test_ids_and_cursors_are_written_as_python_writes_them(connection) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from app.api.ids import encode_id
    from app.api.pagination import encode_cursor
    from app.db.ids import uuid7

    row_id = uuid7()
    written = await connection.fetchval(
        f"SELECT {global_id_sql('ModelVersion', '$1::uuid')}", row_id
    )
    assert written == f'"{encode_id("ModelVersion", row_id)}"'
    when = datetime(2026, 12, 7, 18, 0, 0, 123456, tzinfo=UTC)
    cursor = await connection.fetchval(
        f"SELECT {cursor_sql('k', [datetime, str])} FROM (SELECT $1::timestamptz AS _k0, "
        "$2::text AS _k1) k",
        when,
        str(row_id),
    )
    assert cursor == encode_cursor([when, str(row_id)])
