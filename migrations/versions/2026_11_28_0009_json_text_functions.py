"""JSON text functions for the compiled read path

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 08:30:00

The compiled read path (app/api/graph/compiler.py) has PostgreSQL build the response as
JSON text. These functions write values exactly as the resolver path's serialiser
(graphql-core, then orjson) does, so both paths answer byte for byte the same:

- mlgraph_json_float: orjson's shortest round-trip form (``1.0``, ``0.00001``,
  ``1e-6``, ``1e+16``); PostgreSQL's own ``float8::text`` writes ``1``, ``1e-05``,
  ``1e+15``.
- mlgraph_json_time: Python's ``datetime.isoformat()`` in UTC (microseconds only when
  not zero, ``+00:00``).
- mlgraph_json: compact jsonb (no spaces), its non-integer numbers written as the float
  Python reads them as (jsonb keeps ``1.50``; Python answers ``1.5``).
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        r"""
        CREATE FUNCTION mlgraph_json_float_slow(x double precision) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        SET extra_float_digits = 1
        AS $$
        DECLARE
            s text;
            negative boolean;
            mantissa text;
            digits text;
            exponent integer;
            zeros integer;
            n integer;
        BEGIN
            IF x = 'NaN'::float8 OR x = 'Infinity'::float8 OR x = '-Infinity'::float8 THEN
                RETURN 'null';
            END IF;
            s := x::text;
            negative := left(s, 1) = '-';
            IF negative THEN
                s := substr(s, 2);
            END IF;
            IF position('e' IN s) > 0 THEN
                mantissa := split_part(s, 'e', 1);
                exponent := split_part(s, 'e', 2)::integer;
            ELSE
                mantissa := s;
                exponent := 0;
            END IF;
            IF position('.' IN mantissa) > 0 THEN
                exponent := exponent + position('.' IN mantissa) - 2;
                digits := replace(mantissa, '.', '');
            ELSE
                exponent := exponent + length(mantissa) - 1;
                digits := mantissa;
            END IF;
            zeros := length(digits) - length(ltrim(digits, '0'));
            digits := rtrim(ltrim(digits, '0'), '0');
            exponent := exponent - zeros;
            IF digits = '' THEN
                RETURN CASE WHEN negative THEN '-0.0' ELSE '0.0' END;
            END IF;
            n := length(digits);
            IF exponent >= -5 AND exponent < 16 THEN
                IF exponent >= n - 1 THEN
                    s := digits || repeat('0', exponent - n + 1) || '.0';
                ELSIF exponent >= 0 THEN
                    s := left(digits, exponent + 1) || '.' || substr(digits, exponent + 2);
                ELSE
                    s := '0.' || repeat('0', -exponent - 1) || digits;
                END IF;
            ELSE
                s := left(digits, 1)
                    || CASE WHEN n > 1 THEN '.' || substr(digits, 2) ELSE '' END
                    || 'e' || CASE WHEN exponent < 0 THEN '-' ELSE '+' END
                    || abs(exponent)::text;
            END IF;
            RETURN CASE WHEN negative THEN '-' || s ELSE s END;
        END
        $$
        """
    )
    # Inlined by the planner: the common magnitudes never leave SQL. In [1e-4, 1e15)
    # PostgreSQL writes the same shortest digits positionally; orjson adds ".0" to whole
    # numbers.
    op.execute(
        """
        CREATE FUNCTION mlgraph_json_float(x double precision) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
            SELECT CASE
                WHEN x IS NULL THEN 'null'
                WHEN abs(x) >= 1e-4 AND abs(x) < 1e15 THEN
                    x::text || CASE WHEN x = trunc(x) THEN '.0' ELSE '' END
                ELSE mlgraph_json_float_slow(x)
            END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION mlgraph_json_time(t timestamptz) RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE
        AS $$
            SELECT CASE
                WHEN t IS NULL THEN 'null'
                ELSE '"' || to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                    || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 <> 0
                        THEN to_char(t AT TIME ZONE 'UTC', '.US') ELSE '' END
                    || '+00:00"'
            END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION mlgraph_json_slow(v jsonb) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        AS $$
        DECLARE
            out text;
        BEGIN
            CASE jsonb_typeof(v)
                WHEN 'object' THEN
                    SELECT '{' || coalesce(string_agg(
                        to_json(e.key)::text || ':' || mlgraph_json_slow(e.value), ','
                        ORDER BY e.ordinality), '') || '}'
                    INTO out FROM jsonb_each(v) WITH ORDINALITY AS e;
                WHEN 'array' THEN
                    SELECT '[' || coalesce(string_agg(
                        mlgraph_json_slow(e.value), ',' ORDER BY e.ordinality), '') || ']'
                    INTO out FROM jsonb_array_elements(v) WITH ORDINALITY AS e;
                WHEN 'number' THEN
                    out := v::text;
                    IF out ~ '[.eE]' THEN
                        out := mlgraph_json_float(out::float8);
                    END IF;
                ELSE
                    out := v::text;
            END CASE;
            RETURN out;
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION mlgraph_json(v jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$
            SELECT CASE
                WHEN v IS NULL THEN 'null'
                WHEN v = '{}'::jsonb THEN '{}'
                WHEN v = '[]'::jsonb THEN '[]'
                ELSE mlgraph_json_slow(v)
            END
        $$
        """
    )


def downgrade() -> None:
    for function in (
        "mlgraph_json(jsonb)",
        "mlgraph_json_slow(jsonb)",
        "mlgraph_json_time(timestamptz)",
        "mlgraph_json_float(double precision)",
        "mlgraph_json_float_slow(double precision)",
    ):
        op.execute(f"DROP FUNCTION {function}")
