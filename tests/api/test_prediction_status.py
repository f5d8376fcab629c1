"""Predictions have a status and a completion time (issue 30, item 6): recorded COMPLETED
(the default), FAILED, or PENDING and answered later by id (predictionsComplete), whose
latency is then the time it took; alert rules on predictions.latency_ms see only
answered ones."""

from __future__ import annotations

from datetime import datetime

from tests.helpers import USER_ERRORS, assert_error, assert_ok, build_graph
from tests.support.alert_rules import at, rule

RECORD = f"""mutation($input: PredictionsRecordInput!) {{
  predictionsRecord(input: $input) {{ recordedCount predictionIds alertsOpened {{ id }}
    {USER_ERRORS} }} }}"""
COMPLETE = f"""mutation($input: PredictionsCompleteInput!) {{
  predictionsComplete(input: $input) {{ recordedCount predictionIds alertsOpened {{ title }}
    {USER_ERRORS} }} }}"""
READ = """query($id: ID!) { node(id: $id) { ... on Deployment {
  predictions(orderBy: RECORDED_AT_ASC) { nodes { id status recordedAt completedAt latencyMs
    output } } } } }"""


async def test_predictions_are_recorded_done_or_pending_and_answered_later(tenant, make_tenant):
    client = tenant.client
    ids = await build_graph(client, tenant.org_id)
    await rule(client, ids, name="slow", metricName="predictions.latency_ms", windowSeconds=3600,
               threshold=100_000.0)  # fmt: skip
    made = assert_ok(await client.mutate(RECORD, {"deploymentId": ids["deployment"], "predictions": [
        {"latencyMs": 40.0, "recordedAt": at(0), "output": {"label": 1}},
        {"status": "FAILED", "recordedAt": at(1), "completedAt": at(1.5)},
        {"status": "PENDING", "recordedAt": at(2), "input": {"x": 1}},
    ]}))  # fmt: skip
    assert made["recordedCount"] == 3 and made["alertsOpened"] == []
    first, failed, pending = made["predictionIds"]

    compiled = await client.post(READ, {"id": ids["deployment"]})
    assert (
        compiled.content
        == (await client.on_resolvers().post(READ, {"id": ids["deployment"]})).content
    )
    nodes = compiled.json()["data"]["node"]["predictions"]["nodes"]
    assert [n["id"] for n in nodes] == [first, failed, pending]
    assert [(n["status"], n["latencyMs"]) for n in nodes] == [
        ("COMPLETED", 40.0), ("FAILED", 30_000.0), ("PENDING", None)]  # fmt: skip
    done_at = datetime.fromisoformat(nodes[0]["completedAt"])
    assert (done_at - datetime.fromisoformat(at(0))).total_seconds() == 0.04  # + its latency
    assert nodes[1]["completedAt"] == at(1.5) and nodes[2]["completedAt"] is None

    # Answered 5 minutes after it was asked: its latency is 300,000 ms, and the rule on
    # predictions.latency_ms (average over the hour > 100,000; 15,020 before) now sees it.
    answered = assert_ok(await client.mutate(COMPLETE, {"deploymentId": ids["deployment"],
        "predictions": [{"predictionId": pending, "output": {"label": 0},
                         "completedAt": at(7)}]}))  # fmt: skip
    assert answered["predictionIds"] == [pending]
    assert [a["title"] for a in answered["alertsOpened"]] != []
    last = (await client.data(READ, {"id": ids["deployment"]}))["node"]["predictions"]["nodes"][2]
    assert (last["status"], last["latencyMs"], last["output"]) == ("COMPLETED", 300_000.0,
                                                                  {"label": 0})  # fmt: skip

    refused = [
        ({"predictionId": pending}, "INVALID_TRANSITION", "predictionId"),  # answered already
        ({"predictionId": ids["deployment"]}, "NOT_FOUND", "predictionId"),  # not a prediction
        ({"predictionId": first, "status": "PENDING"}, "INVALID_TRANSITION", "predictionId"),
    ]  # fmt: skip
    for item, code, field in refused:
        payload = await client.mutate(COMPLETE, {"deploymentId": ids["deployment"],
                                                 "predictions": [item]})  # fmt: skip
        assert_error(payload, code, ["input", "predictions", "0", field])
    for item, field in (({"status": "PENDING", "latencyMs": 3.0}, "status"),
                        ({"recordedAt": at(0)}, "latencyMs"),  # done, but how long?
                        ({"recordedAt": at(2), "completedAt": at(1)}, "completedAt")):  # fmt: skip
        payload = await client.mutate(RECORD, {"deploymentId": ids["deployment"],
                                               "predictions": [item]})  # fmt: skip
        assert_error(payload, "VALIDATION", ["input", "predictions", "0", field])
    # Another organization can answer none of them.
    other = await make_tenant()
    foreign = await other.client.mutate(COMPLETE, {"deploymentId": ids["deployment"],
                                                   "predictions": [{"predictionId": first}]})  # fmt: skip
    assert_error(foreign, "NOT_FOUND", ["input", "deploymentId"])
