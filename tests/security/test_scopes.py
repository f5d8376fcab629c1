"""Scopes are enforced in one place for every mutation: a READ key gets FORBIDDEN from each
mutation of the live schema (walked by introspection, not from a list kept by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.test_tenancy import key_for

INTROSPECT = """{ __schema { mutationType { fields { name args { name type { ...Ref } } } }
  types { name kind inputFields { name type { ...Ref } } enumValues { name } } } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"""
SCALARS: dict[str, Any] = {
    "ID": "T3JnYW5pemF0aW9uOjAxOTM4YjNhLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA",
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": True,
    "JSON": {},
    "Vector": [1.0, 0.0],
    "DateTime": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
}


def type_text(ref: dict[str, Any]) -> str:
    if ref["kind"] == "NON_NULL":
        return type_text(ref["ofType"]) + "!"
    if ref["kind"] == "LIST":
        return f"[{type_text(ref['ofType'])}]"
    return str(ref["name"])


def sample(ref: dict[str, Any], types: dict[str, Any]) -> Any:
    """The smallest value of a type that passes GraphQL coercion."""
    if ref["kind"] == "NON_NULL":
        return sample(ref["ofType"], types)
    if ref["kind"] == "LIST":
        return []
    named = types[ref["name"]]
    if named["kind"] == "ENUM":
        return named["enumValues"][0]["name"]
    if named["kind"] == "INPUT_OBJECT":
        return {
            field["name"]: sample(field["type"], types)
            for field in named["inputFields"]
            if field["type"]["kind"] == "NON_NULL"
        }
    return SCALARS[named["name"]]


async def test_every_mutation_refuses_a_read_key(tenant, http):
    schema = (await tenant.client.data(INTROSPECT))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    read_only = await key_for(tenant.client, http, scopes=["READ"])
    mutations = schema["mutationType"]["fields"]
    assert len(mutations) >= 37
    outcomes = {}
    for mutation in mutations:
        params = ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in mutation["args"])
        args = ", ".join(f"{a['name']}: ${a['name']}" for a in mutation["args"])
        document = (
            f"mutation({params}) {{ {mutation['name']}({args}) {{ userErrors {{ code }} }} }}"
        )
        variables = {a["name"]: sample(a["type"], types) for a in mutation["args"]}
        result = await read_only.execute(document, variables)
        assert "errors" not in result, (mutation["name"], result)
        outcomes[mutation["name"]] = [
            e["code"] for e in result["data"][mutation["name"]]["userErrors"]
        ]
    refused = {name: codes for name, codes in outcomes.items() if codes != ["FORBIDDEN"]}
    assert refused == {}
