"""Two of the compiled read path's value writers held to what they replace, by
PostgreSQL itself. A jsonb object is written one level in SQL
(app/api/graph/sql_text.json_sql) instead of by mlgraph_json's PL/pgSQL calling itself
for every member: for any JSON value — nested objects and arrays, floats of every
magnitude, integers past 64 bits, strings with quotes, escapes and non-ASCII, empty
containers, scalars and null at the top — both write the same text, and it is the text
the resolver path answers (orjson reads the stored jsonb, orjson writes it: an integer
past 64 bits is read as a float, migration 0069). Timestamps
(mlgraph_json_time, one to_char since migration 0068) are Python's isoformat in UTC."""

from __future__ import annotations

import json

import orjson
from hypothesis import strategies as st

from app.api.graph.sql_text import json_sql
from tests.support.drawn import drawn

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.1, 2.5, 1e-5, 1e-7, 1e15, 1.5e300, -0.0, 1.0]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.text(
                st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=5
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=20,
)
OBJECTS = st.dictionaries(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6),
    VALUES,
    max_size=10,
)


async def test_objects_are_written_as_mlgraph_json_writes_them(connection) -> None:  # type: ignore[no-untyped-def]
    values = drawn(OBJECTS, 150) + drawn(VALUES, 50)
    values += [{}, [], None, {"lr": 0.001, "wd": 1e-5, "big": 2**80, "s": 'a "q", b: c\n'}]
    await connection.execute("CREATE TEMP TABLE json_cases (i int, v jsonb)")
    await connection.executemany(
        "INSERT INTO json_cases VALUES ($1, $2::jsonb)",
        [
            (i, None if v is None else json.dumps(v, ensure_ascii=False))
            for i, v in enumerate(values)
        ],
    )
    rows = await connection.fetch(
        f"SELECT t.i, {json_sql('t.v')} AS fast, mlgraph_json(t.v) AS slow, t.v::text AS stored "
        "FROM json_cases t"
    )
    assert len(rows) == len(values)
    differing = [(values[r["i"]], r["fast"], r["slow"]) for r in rows if r["fast"] != r["slow"]]
    assert not differing, differing[:3]
    # And both are what the resolver path answers: the stored text read by orjson (the
    # engine's and the read pool's jsonb decoder) and written by orjson (the response).
    checked = 0
    for row in rows:
        if row["stored"] is None:
            assert row["fast"] == "null"
            continue
        try:
            resolved = orjson.dumps(orjson.loads(row["stored"])).decode()
        except orjson.JSONDecodeError:  # a number past a double's range: orjson reads none
            continue
        assert row["fast"] == resolved, (row["stored"], row["fast"])
        checked += 1
    assert checked > 150
    objects = await connection.fetchval(
        "SELECT count(*) FROM json_cases WHERE jsonb_typeof(v) = 'object'"
    )
    assert objects > 150  # the fast path was taken


async def test_timestamps_are_written_as_python_writes_them(connection) -> None:  # type: ignore[no-untyped-def]
    """mlgraph_json_time (migration 0068) is the resolver path's ``isoformat()`` in UTC —
    microseconds only when not zero — whatever the session's time zone."""
    from datetime import UTC, datetime, timedelta, timezone

    instants = drawn(
        st.datetimes(
            min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
        ),
        200,
    )
    edges = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)]
    edges += [datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=5.5)))]
    statement = "SELECT mlgraph_json_time($1::timestamptz)"
    for zone in ("UTC", "America/New_York", "Asia/Kolkata"):
        await connection.execute(f"SET TIME ZONE '{zone}'")
        for instant in [*instants, *edges]:
            expected = f'"{instant.astimezone(UTC).isoformat()}"'
            assert await connection.fetchval(statement, instant) == expected, (zone, instant)
    assert await connection.fetchval(statement, None) == "null"
