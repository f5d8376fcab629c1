"""Scopes are enforced in one place for every mutation: a READ key gets FORBIDDEN from each
mutation of the live schema (walked by introspection, not from a list kept by hand)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers import RUN_METRICS_LOG, create_run
from tests.support.tenancy import key_for

INTROSPECT = """{ __schema { mutationType { fields { name args { name type { ...Ref } } } }
  types { name kind isOneOf inputFields { name type { ...Ref } } enumValues { name } } } }
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
    if named["kind"] == "INPUT_OBJECT" and named["isOneOf"]:  # exactly one field: the first
        first = named["inputFields"][0]
        return {first["name"]: sample(first["type"], types)}
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


PAYLOADS = """{ __schema { mutationType { fields { name args { name type { ...Ref } }
  type { ...Ref } } }
  types { name kind interfaces { name } fields { name args { name } type { ...Ref } }
    isOneOf inputFields { name type { ...Ref } } enumValues { name } } } }
fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"""


def named(ref: dict[str, Any]) -> str:
    while ref.get("ofType"):
        ref = ref["ofType"]
    return str(ref["name"])


def is_entity(kind: dict[str, Any]) -> bool:
    return kind["kind"] in ("INTERFACE", "UNION") or any(
        i["name"] == "Node" for i in kind.get("interfaces") or ()
    )


def beyond_id(kind: dict[str, Any], types: dict[str, Any]) -> str:
    """A selection of an entity that reads more than its id."""
    for field in kind.get("fields") or ():
        if field["name"] != "id" and not field["args"]:
            inner = types[named(field["type"])]
            return field["name"] + (
                " { __typename }" if inner["kind"] in ("OBJECT", "INTERFACE", "UNION") else ""
            )
    return "... on Node { __typename }"


async def test_keys_without_read_get_only_ids_from_mutation_payloads(tenant, http):
    """An INGEST key's runMetricsLog { run { experiment { project { organization { members
    … } } } } } read members, the audit log and webhook URLs; a WRITE-only key did the same
    through a no-op organizationUpdate. For every mutation (from introspection) and every
    entity its payload holds: the id is answered, anything past it refused before the
    mutation runs."""
    schema = (await tenant.client.data(PAYLOADS))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    keys = [await key_for(tenant.client, http, scopes=[s]) for s in ("INGEST", "WRITE")]
    tried = 0
    for mutation in schema["mutationType"]["fields"]:
        payload = types[named(mutation["type"])]
        entities = [f for f in payload["fields"] if is_entity(types[named(f["type"])])]
        if not entities:
            continue
        params = ", ".join(f"${a['name']}: {type_text(a['type'])}" for a in mutation["args"])
        args = ", ".join(f"{a['name']}: ${a['name']}" for a in mutation["args"])
        variables = {a["name"]: sample(a["type"], types) for a in mutation["args"]}
        for field in entities:
            deep = beyond_id(types[named(field["type"])], types)
            document = (f"mutation({params}) {{ {mutation['name']}({args}) {{ "
                        f"{field['name']} {{ id {deep} }} }} }}")  # fmt: skip
            ids_only = document.replace(f" {deep} ", " __typename ")
            for key in keys:
                refused = await key.execute(document, variables)
                assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (
                    document,
                    refused,
                )
                assert "no READ scope" in refused["errors"][0]["message"]
                allowed = await key.execute(ids_only, variables)
                assert "no READ scope" not in str(allowed.get("errors")), (ids_only, allowed)
            tried += 1
    assert tried >= 60


async def test_a_refused_payload_writes_nothing(tenant, http):
    ids = await create_run(tenant.client, tenant.org_id)
    ingest = await key_for(tenant.client, http, scopes=["INGEST"])
    deep = """mutation($input: RunMetricsLogInput!) { runMetricsLog(input: $input) {
      newCount run { id experiment { project { organization { members { nodes { user {
      email } } } } } } } } }"""
    input = {"runId": ids["run"], "points": [{"key": "loss", "step": 0, "value": 1.0}]}
    refused = await ingest.execute(deep, {"input": input})
    assert refused["errors"][0]["message"].endswith("not runMetricsLog.run.experiment")
    logged = await ingest.mutate(RUN_METRICS_LOG, input)
    assert logged["newCount"] == 1 and logged["run"] == {"id": ids["run"]}  # the first write
