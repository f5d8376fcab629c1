"""mlgraph_json: integers past 64 bits written as the floats the resolver path reads

The resolver path reads jsonb with orjson, which reads an integer literal within
[-2**63, 2**64 - 1] as an int and any other as a float: a param logged as 1.5e300 (stored
by jsonb as 301 digits) or as 2**80 is answered ``1.5e+300`` / ``1.2089258196146292e+24``.
``mlgraph_json`` (0009) wrote the digits, so the compiled path answered differently
(found by tests/db/test_sql_json_text.py, which holds it to orjson for any JSON). Numbers
past the 64-bit range now go through ``mlgraph_json_float`` as the floats they are read
as; one past even a double's range keeps its digits (orjson refuses to read it at all).
The rule is one function, ``mlgraph_json_number``, which ``mlgraph_json_slow`` calls and
the compiler's inline object writer (app/api/graph/sql_text.json_sql) calls too
(PostgreSQL inlines it there: SQL, one expression).

Revision ID: 0069
Revises: 0068
Create Date: 2026-12-07 19:15:00
"""

from __future__ import annotations

from alembic import op

revision = "0069"
down_revision = "0068"
branch_labels = None
depends_on = None


def _slow(number_branch: str) -> str:
    return f"""
    CREATE OR REPLACE FUNCTION mlgraph_json_slow(v jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
    DECLARE
        out text;
    BEGIN
        CASE jsonb_typeof(v)
            WHEN 'object' THEN
                SELECT '{{' || coalesce(string_agg(
                    to_json(e.key)::text || ':' || mlgraph_json_slow(e.value), ','
                    ORDER BY e.ordinality), '') || '}}'
                INTO out FROM jsonb_each(v) WITH ORDINALITY AS e;
            WHEN 'array' THEN
                SELECT '[' || coalesce(string_agg(
                    mlgraph_json_slow(e.value), ',' ORDER BY e.ordinality), '') || ']'
                INTO out FROM jsonb_array_elements(v) WITH ORDINALITY AS e;
            WHEN 'number' THEN
                {number_branch}
            ELSE
                out := v::text;
        END CASE;
        RETURN out;
    END
    $$
    """


UPGRADE = [
    """
    CREATE FUNCTION mlgraph_json_number(n jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT CASE
            WHEN n::text ~ '[.eE]' OR (length(n::text) > 18
                AND (n::numeric < -9223372036854775808 OR n::numeric > 18446744073709551615)
                AND abs(n::numeric) <= 1.7976931348623157e308)
            THEN mlgraph_json_float(n::float8)
            ELSE n::text
        END
    $$
    """,
    _slow("out := mlgraph_json_number(v);"),
]

DOWNGRADE = [
    _slow(
        """out := v::text;
                IF out ~ '[.eE]' THEN
                    out := mlgraph_json_float(out::float8);
                END IF;"""
    ),
    "DROP FUNCTION mlgraph_json_number(jsonb)",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
