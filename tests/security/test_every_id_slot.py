"""Ids the caller may not see, in every id slot of every mutation, taken from the schema
(tests/id_slots.py): a mutation added tomorrow is tried the day it is added.

Two callers: a member of another organization, and a developer of the same organization
from whom a project is private. For each slot, the same request is sent twice: once with
an unseen object of the slot's type, once with an id of that type that exists nowhere. Both
must fail, with the same answer (the id aside): no error tells the two apart, no answer
names anything unseen, and nothing unseen changes. Every slot must reach its lookup
(NOT_FOUND on the slot itself) unless ANSWERED_ELSEWHERE says which check answers first."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.api.ids import decode_any
from app.server.schema import build_schema
from tests.conftest import TEST_LIMITS
from tests.helpers import assert_ok, build_graph
from tests.id_slots import IdSlot, Twins, id_slots, request_for
from tests.support.compiled_reads import INVENTORY, collect_ids, seed_varied
from tests.support.id_slot_objects import answer, by_type, complete, ids_by_type, rules_of
from tests.support.project_visibility import UNDER, member_with_email, set_visibility
from tests.support.tenancy import MEMBER_SET
from tests.support.tenant_isolation import SNAPSHOT

SCHEMA = build_schema(TEST_LIMITS)._schema
SLOTS = id_slots(SCHEMA)
IDS = re.compile(r"[A-Za-z0-9_-]{20,}")


# Types a member of the organization sees whatever the project visibility.
ORGANIZATION_LEVEL = {"Organization", "Environment", "GpuType", "IntegrationConfig",
                      "NotificationChannel", "NotificationRule", "Membership", "ApiKey",
                      "ServingEndpoint", "Alert"}  # fmt: skip

# Slots another check answers for, before the lookup, the same for a foreign id and a
# missing one: (caller, slot) -> (code, field).
ANSWERED_ELSEWHERE = {
    # The splits' deployments are looked up within the model and the environment: with a
    # model the caller cannot see, they are not found.
    ("outsider", "deploymentTrafficSet(input.modelId)"): (
        "NOT_FOUND", ("input", "splits", "0", "deploymentId")),
    ("hidden", "deploymentTrafficSet(input.modelId)"): (
        "NOT_FOUND", ("input", "splits", "0", "deploymentId")),
    # Notification rules are for organization admins, who see every project.
    ("hidden", "notificationRuleCreate(input.projectId)"): ("FORBIDDEN", ("input", "channelId")),
    ("hidden", "notificationRuleCreate(input.deploymentId)"): ("FORBIDDEN", ("input", "channelId")),
}  # fmt: skip


def reached(outcome: Any, slot: IdSlot) -> bool:
    """The answer is NOT_FOUND on the slot itself: the request got as far as the id."""
    return any(
        code == "NOT_FOUND"
        and tuple(f for f in field if not f.isdigit())[: len(slot.path)] == slot.path
        for code, field, _ in outcome[1][1]
    )


async def outsider(victim: Any, make_tenant: Any, database_url: str) -> Any:
    """The victim's objects of every type; a member of another organization, with its own."""
    owner, extra = victim
    await seed_varied(database_url, owner.org_id, 21)
    attacker = await make_tenant("slots")
    await seed_varied(database_url, attacker.org_id, 22)
    theirs = await ids_by_type(owner.client, owner.org_slug, extra)
    mine = await ids_by_type(attacker.client, attacker.org_slug, {"o": attacker.org_id})
    mine.update(by_type((await build_graph(attacker.client, attacker.org_id)).values()))
    await complete(owner.client, theirs, database_url)
    await complete(attacker.client, mine, database_url)
    return owner, theirs, attacker.client, mine


async def hidden(make_tenant: Any, database_url: str, http: Any) -> Any:
    """The objects of a private project; a developer of the same organization who is not
    its member (owner of the other projects, so its own requests get as far as the id)."""
    owner = await make_tenant("slots-private")
    await seed_varied(database_url, owner.org_id, 23)
    inventory = await owner.client.on_resolvers().data(INVENTORY, {"slug": owner.org_slug})
    projects = inventory["organization"]["projects"]["nodes"]
    found = [{k: v for k, v in by_type(collect_ids(p)).items() if k in UNDER} for p in projects]
    richest = max(range(len(projects)), key=lambda i: len(found[i]))
    private, theirs = projects[richest], found[richest]
    public = projects[:richest] + projects[richest + 1 :]
    theirs["Project"] = private["id"]
    theirs["Environment"] = (await ids_by_type(owner.client, owner.org_slug, {}))["Environment"]
    await complete(owner.client, theirs, database_url)  # in the private project
    del theirs["Environment"]  # the organization's: every member sees it
    await set_visibility(owner, private["id"], "PRIVATE")
    developer, email = await member_with_email(owner, http, database_url, "DEVELOPER")
    graph = await build_graph(owner.client, owner.org_id)  # a deployment the developer owns
    for project in [*public, {"id": graph["project"]}]:
        role = {"projectId": project["id"], "email": email, "role": "OWNER"}
        assert_ok(await owner.client.mutate(MEMBER_SET, role))
    mine = await ids_by_type(developer, owner.org_slug, {"o": owner.org_id})
    mine.update(by_type(graph.values()))  # live ones, in a project the developer owns
    await complete(developer, mine, database_url, admin=False)
    overlap = set(mine.values()) & set(theirs.values())
    assert not overlap, [decode_any(i) for i in overlap]
    return owner, theirs, developer, mine


@pytest.fixture(params=["outsider", "hidden"])
async def unseen(request, victim, make_tenant, database_url, http):  # type: ignore[no-untyped-def]
    if request.param == "outsider":
        return request.param, await outsider(victim, make_tenant, database_url)
    return request.param, await hidden(make_tenant, database_url, http)


async def test_no_id_slot_tells_an_unseen_object_from_a_missing_one(unseen):
    """``outsider``: the objects are another organization's. ``hidden``: they are under a
    private project of the caller's own organization (slots of organization-level types,
    which a member may see, are not tried)."""
    caller, (owner, theirs, attacker, mine) = unseen
    before = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    twins = Twins()
    untried = sorted({slot.node_type for slot in SLOTS} - set(theirs))
    if caller == "outsider":
        assert not untried, f"the victim has no object of these types: {untried}"
    else:
        assert set(untried) <= ORGANIZATION_LEVEL, untried
    not_reached = {}
    for slot in SLOTS:
        if slot.node_type not in theirs:
            continue
        foreign, missing = theirs[slot.node_type], twins[slot.node_type]
        outcomes = []
        for value in (foreign, missing):
            adjust = rules_of(slot, mine)
            document, variables = request_for(SCHEMA, slot, value, mine, twins, adjust)
            response = await attacker.post(document, variables)
            assert response.status_code == 200, (str(slot), response.text)
            body = response.json()
            leaked = {i for i in IDS.findall(response.text) if i in theirs.values()} - {value}
            assert not leaked, (str(slot), leaked)
            outcomes.append(answer(body, value))
        (failed, learned), (_, twin_learned) = outcomes
        assert failed, f"{slot} accepted an unseen {slot.node_type}: {learned}"
        assert learned == twin_learned, (str(slot), learned, twin_learned)
        if not reached(outcomes[0], slot):
            not_reached[str(slot)] = learned
    for (who, name), answer_ in ANSWERED_ELSEWHERE.items():
        if who == caller and name in not_reached:
            assert answer_ in [u[:2] for u in not_reached.pop(name)[1]], name
    assert not not_reached, "\n".join(f"{k}: {v}" for k, v in not_reached.items())
    assert len(SLOTS) >= 100  # the walk found the schema's id slots
    after = await owner.client.data(SNAPSHOT, {"slug": owner.org_slug})
    assert after == before
