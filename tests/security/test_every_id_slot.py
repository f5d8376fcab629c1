"""Another organization's ids, in every id slot of every mutation, taken from the schema
(tests/id_slots.py): a mutation added tomorrow is tried the day it is added.

For each slot, the same request is sent twice by a member of another organization: once
with the victim's object of the slot's type, once with an id of that type that exists
nowhere. Both must fail, with the same answer (the id aside): no error tells the two apart,
no answer names anything of the victim's, and nothing of the victim's changes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.api.ids import decode_any
from app.api.schema import build_schema
from tests.api.test_compiled_reads import INVENTORY, collect_ids, seed_varied
from tests.api.test_pipelines import RUN_CREATE as PIPELINE_RUN_CREATE
from tests.api.test_pipelines import create_pipeline
from tests.api.test_training_queue import queued_job
from tests.conftest import TEST_LIMITS, GraphQLClient
from tests.helpers import assert_ok
from tests.id_slots import IdSlot, Twins, id_slots, request_for
from tests.security.test_tenant_isolation import SNAPSHOT

SCHEMA = build_schema(TEST_LIMITS)._schema
SLOTS = id_slots(SCHEMA)
IDS = re.compile(r"[A-Za-z0-9_-]{20,}")


# Slots whose lookup another answers for, the same for a foreign id and a missing one.
ANSWERED_ELSEWHERE = {
    # The splits' deployments are looked up within the model and the environment: with a
    # model the caller cannot see, they are not found.
    "deploymentTrafficSet(input.modelId)": ("input", "splits", "0", "deploymentId"),
}


def rules_of(slot: IdSlot, mine: dict[str, str]) -> Any:
    """What a mutation's own rules need beyond values of the right type, so the request
    gets as far as the id (the slot's id is set after this)."""
    needs: dict[str, dict[str, Any]] = {
        "deploymentTrafficSet": {"splits": [{"deploymentId": mine["Deployment"], "percentage": 100}]},
        "artifactBuildFinish": {"status": "FAILED", "errorMessage": "x"},
        "runMetricsLog": {"points": [{"key": "loss", "step": 0, "value": 1.0}]},
        "trainingJobCreate": {"image": "ghcr.io/acme/train:1"},
        "trainingJobTransition": {"trainingJobId": mine["queued"], "status": "RUNNING"},
        # A run or a training job, not both: the slot may be the one.
        "datasetInputsRecord": {} if slot.path[-1] in {"runId", "trainingJobId"}
                               else {"runId": mine["Run"]},
    }  # fmt: skip

    def adjust(variables: dict[str, Any]) -> None:
        variables["input"].update(needs.get(slot.mutation, {}))

    return adjust


async def ids_by_type(client: GraphQLClient, slug: str, extra: dict[str, str]) -> dict[str, str]:
    """One id of each node type in an organization (its seeded objects, and ``extra``)."""
    data = await client.on_resolvers().data(INVENTORY, {"slug": slug})
    found: dict[str, str] = {}
    for global_id in [*collect_ids(data), *extra.values()]:
        decoded = decode_any(global_id)
        if decoded is not None:
            found.setdefault(decoded[0], global_id)
    return found


def answer(body: dict[str, Any], sent: str) -> tuple[bool, Any]:
    """(failed, what the caller learns): error codes, fields and messages, the sent id
    replaced; success is a payload without userErrors."""
    text = str(body).replace(sent, "<id>")
    errors = [(e.get("extensions", {}).get("code"), e["message"].replace(sent, "<id>"))
              for e in body.get("errors") or []]  # fmt: skip
    payload = next(iter((body.get("data") or {}).values()), None) or {}
    user_errors = [(u["code"], tuple(u["field"] or ()), u["message"].replace(sent, "<id>"))
                   for u in payload.get("userErrors") or []]  # fmt: skip
    del text
    return bool(errors or user_errors or not payload), (errors, user_errors)


def reached(outcome: Any, slot: IdSlot) -> bool:
    """The answer is NOT_FOUND on the slot itself: the request got as far as the id."""
    return any(
        code == "NOT_FOUND"
        and tuple(f for f in field if not f.isdigit())[: len(slot.path)] == slot.path
        for code, field, _ in outcome[1][1]
    )


@pytest.fixture
async def two_organizations(victim, make_tenant, database_url):  # type: ignore[no-untyped-def]
    owner, extra = victim
    await seed_varied(database_url, owner.org_id, 21)
    attacker = await make_tenant("slots")
    await seed_varied(database_url, attacker.org_id, 22)
    theirs = await ids_by_type(owner.client, owner.org_slug, extra)
    mine = await ids_by_type(attacker.client, attacker.org_slug, {"o": attacker.org_id})
    for client, ids in ((owner.client, theirs), (attacker.client, mine)):  # not always seeded
        if "Pipeline" not in ids:
            made = await create_pipeline(client, ids["Project"], environment=ids["Environment"])
            ids["Pipeline"] = assert_ok(made)["pipeline"]["id"]
        made = await client.mutate(PIPELINE_RUN_CREATE, {"pipelineId": ids["Pipeline"]})
        ids["PipelineRun"] = assert_ok(made)["pipelineRun"]["id"]
    mine["queued"] = await queued_job(
        attacker.client, {"project": mine["Project"], "environment": mine["Environment"]}
    )
    return owner, theirs, attacker, mine


async def test_no_id_slot_tells_another_organizations_object_from_a_missing_one(
    two_organizations,
):
    owner, theirs, attacker, mine = two_organizations
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    twins = Twins()
    untried = sorted({slot.node_type for slot in SLOTS} - set(theirs))
    assert not untried, f"the victim has no object of these types: {untried}"
    not_reached = {}
    for slot in SLOTS:
        foreign, missing = theirs[slot.node_type], twins[slot.node_type]
        outcomes = []
        for value in (foreign, missing):
            adjust = rules_of(slot, mine)
            document, variables = request_for(SCHEMA, slot, value, mine, twins, adjust)
            response = await attacker.client.post(document, variables)
            assert response.status_code == 200, (str(slot), response.text)
            body = response.json()
            leaked = {i for i in IDS.findall(response.text) if i in theirs.values()} - {value}
            assert not leaked, (str(slot), leaked)
            outcomes.append(answer(body, value))
        (failed, learned), (_, twin_learned) = outcomes
        assert failed, f"{slot} accepted another organization's {slot.node_type}: {learned}"
        assert learned == twin_learned, (str(slot), learned, twin_learned)
        if not reached(outcomes[0], slot):
            not_reached[str(slot)] = learned
    for name, field in ANSWERED_ELSEWHERE.items():
        assert ("NOT_FOUND", field) in [u[:2] for u in not_reached.pop(name)[1]], name
    assert not not_reached, "\n".join(f"{k}: {v}" for k, v in not_reached.items())
    assert len(SLOTS) >= 100  # the walk found the schema's id slots
    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
